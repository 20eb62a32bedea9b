"""Fashion-MNIST, read from the IDX files that Debian's `dataset-fashion-mnist` installs."""
import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
ITEM_SHAPE = [1, 28, 28]
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
