"""Fashion-MNIST, read from the IDX files that Debian's `dataset-fashion-mnist` installs."""
import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
ITEM_SHAPE = [1, 28, 28]
# What the bundled models take (CONTRACT.md, "Input values"): pixels scaled to [0, 1], so a request may send the 8-bit
# pixels as bytes (raw_uint8), each byte b meaning b / 255, and a float outside [0, 1] (pixels left as 0-255) is refused.
INPUT_VALUES = {"input_scale": 1 / 255, "input_range": [0, 1]}
# The last MONITOR images of the training file are held out to watch training; the model never fits them.
MONITOR = 5000


def data_dir(override=None):
    return override or os.environ.get("FASHION_MNIST_DIR") or DEFAULT_DIR


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load(split, directory=None):
    """Returns (images float32 [N, 1, 28, 28] in [0, 1], labels int64 [N]) for split 'train' or 't10k'."""
    root = data_dir(directory)
    images = _read(os.path.join(root, f"{split}-images-idx3-ubyte.gz"), 16).reshape(-1, 1, 28, 28)
    labels = _read(os.path.join(root, f"{split}-labels-idx1-ubyte.gz"), 8).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{root}: {len(images)} images but {len(labels)} labels in split {split}")
    return images.astype(np.float32) / 255.0, labels


def train_and_monitor(directory=None):
    images, labels = load("train", directory)
    return (images[:-MONITOR], labels[:-MONITOR]), (images[-MONITOR:], labels[-MONITOR:])


def held_out_splits(images, labels, monitor=1000, select=2000):
    """The held-out images cut in three disjoint parts, in file order: `monitor` (progress printed per epoch),
    `select` (choices made on held-out data, e.g. JEI-DNN's lambda) and `calibrate` (the rest: conformal
    thresholds). A choice and the calibration never see the same image, so the calibration stays exchangeable
    with the test set."""
    cut = [0, monitor, monitor + select, len(labels)]
    if cut[2] >= cut[3]:
        raise ValueError(f"{len(labels)} held-out images cannot be split into {monitor} + {select} + a calibration part")
    names = ("monitor", "select", "calibrate")
    return {n: (images[a:b], labels[a:b]) for n, a, b in zip(names, cut[:-1], cut[1:])}


def augment(images, gen, pad=2, flip=True):
    """Pad-and-crop and horizontal flips of a batch [N, C, H, W] (torch), one draw per image from gen.

    The image is zero-padded by `pad` pixels (Fashion-MNIST's background is 0) and a window of the original size is
    cut at a random offset; with flip, half of the images are mirrored left-right. Mirroring suits every
    Fashion-MNIST class: garments, bags and shoes are all plausible mirrored (a shoe then points the other way)."""
    import torch
    import torch.nn.functional as F

    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    rows = dy[:, None] + torch.arange(h)[None, :]
    cols = dx[:, None] + torch.arange(w)[None, :]
    if flip:
        mirror = torch.rand(n, generator=gen) < 0.5
        cols = torch.where(mirror[:, None], cols.flip(1), cols)
    out = padded[torch.arange(n)[:, None, None], :, rows[:, :, None], cols[:, None, :]]  # [N, H, W, C]
    return out.permute(0, 3, 1, 2)
