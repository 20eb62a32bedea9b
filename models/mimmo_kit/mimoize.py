"""Mimoize a PyTorch network: make a user's classifier MIMO, train it on the user's data, export it and check it.

The network (`--arch torchvision.models:resnet18`, or any importable factory `--factory module:function`) changes in
two places, as MIMO does it (Havasi et al., 2021): its first layer, the first Conv2d or Linear it holds, takes the M
slots folded into its input (M x C channels, or M x the item's values for a Linear), and its classifier, the last
Linear layer it runs, gives M x K logits, read as M heads of K classes. `--exits` adds an exit after each named block
(MIMMO, Ferianc & Rodrigues, 2023): the kit's exit head (a strided 3x3 convolution, pooling, M heads) with learned
exit weights. Both new layers are freshly initialised; the rest is the user's network as its factory makes it. The
graph normalises its input with the training data's mean and standard deviation per channel.

The data: a folder with one sub-folder per class (the names are the labels, in sorted order; images read with PIL),
or `--npy X.npy --labels y.npy`. 8-bit data (images, uint8 arrays) is scaled to [0, 1] and exported with the input
values the bundled models declare (bytes allowed, each b meaning b / 255; values in [0, 1]).

Training is the kit's (train.fit): MIMO rows with input and batch repetition, AdamW, one cosine schedule, the MIMMO
loss, optional pad-and-crop and flips, bf16; a checkpoint after every epoch in --checkpoint-dir, which --resume
continues. Then the served probability is scored on --test (else on the held-out part of the data) for every
ensemble size, and OUT/model.onnx and OUT/config.json are written, checked against the contract, run in numpy and
compared with PyTorch; any failure ends the command with an error."""
import importlib
import json
import os
import time

import numpy as np
import onnx
import torch
from torch import nn

from . import check, contract, cost, data, evaluate, export, models, nets, onnx_numpy, train

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")
# The arguments that define a run: --resume refuses to continue a checkpoint written with other values.
RUN_KEYS = ("arch", "arch_kwargs", "data", "npy", "labels", "class_names", "image_size", "channels", "holdout",
            "slots", "exits", "exit_width", "epochs", "batch_size", "lr", "weight_decay", "batch_repetition",
            "input_repetition", "alpha", "augment", "pad", "flip", "seed", "max_batches", "precision")


def add_arguments(p):
    p.add_argument("--arch", "--factory", dest="arch", required=True,
                   help="MODULE:CALLABLE returning an nn.Module, e.g. torchvision.models:resnet18 or mynets:build (a "
                   "module in the current folder); a bare NAME is torchvision.models:NAME")
    p.add_argument("--arch-kwargs", default="{}", help="JSON object of keyword arguments for the callable")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="training folder: one sub-folder of images per class")
    source.add_argument("--npy", help="training items, .npy [N, C, H, W], [N, H, W] (one channel) or [N, F]")
    p.add_argument("--labels", help="with --npy: .npy of N integer labels 0..K-1")
    p.add_argument("--class-names", help="with --npy: the K class names, comma-separated (default 0..K-1)")
    test = p.add_mutually_exclusive_group()
    test.add_argument("--test", help="test folder (sub-folders named as the training classes), scored at the end")
    test.add_argument("--test-npy", help="test items (.npy, as --npy), scored at the end; with --test-labels")
    p.add_argument("--test-labels", help="with --test-npy: .npy of integer labels")
    p.add_argument("--image-size", help="resize every image of the folders to N x N or HxW (e.g. 28 or 32x48); "
                   "without it all images must have one size")
    p.add_argument("--channels", type=int, choices=[1, 3], default=0,
                   help="1 (gray) or 3 (RGB); default: the first image's (or the array's)")
    p.add_argument("--holdout", type=float, default=0.1,
                   help="share of the training items held out to monitor each epoch (and scored without a test set)")
    p.add_argument("--exits", default="", help="blocks to put an exit after, comma-separated module names "
                   "(e.g. layer2,layer3; dotted paths reach deeper)")
    p.add_argument("--exit-width", type=int, default=64, help="channels of each exit's 3x3 convolution")
    p.add_argument("--out", required=True, help="model directory: model.onnx and config.json, served as they are")
    p.add_argument("--checkpoint-dir", help="run directory: checkpoint.pt after every epoch, history.json, "
                   "evaluation.json, reliability.png (default runs/mimoize-NAME, NAME the last part of --out)")
    p.add_argument("--resume", action="store_true", help="continue the run in --checkpoint-dir if it has a "
                   "checkpoint (a finished one is evaluated and exported again); start it otherwise")
    p.add_argument("--default-ensemble-size", type=int, default=0, help="k served by default (default: M)")
    train.add_loop_arguments(p)
    p.set_defaults(weight_decay=0.03, input_repetition=0.25, alpha=0.1)  # the recipe's (README.md, "The recipe")


class MimoizedNet(nn.Module):
    """A user's network made MIMO: [B, M, *item_shape] -> logits [B, E, M, K], the contract's layout, the exits
    shallow to deep and the network's own (widened) classifier last. The exit heads run in forward hooks of their
    blocks, so the user's forward() is left as it is; a block's output is consumed there at once, before any
    in-place operation after it could change it."""

    def __init__(self, body, hp, exit_channels):
        super().__init__()
        self.slots, self.classes = hp["slots"], hp["classes"]
        self.item_shape, self.labels = list(hp["item_shape"]), list(hp["labels"])
        self.input_values = hp["input_values"] or None
        self.folded = [self.slots * self.item_shape[0]] + self.item_shape[1:]
        self.body = body
        stats = [-1] + [1] * (len(self.item_shape) - 1) if len(self.item_shape) == 3 else [1]
        self.register_buffer("mean", torch.tensor(hp["mean"], dtype=torch.float32).reshape(stats))
        self.register_buffer("std", torch.tensor(hp["std"], dtype=torch.float32).reshape(stats))
        self.exit_names = [name for name, _ in exit_channels]
        self.exits = nn.ModuleList(nets.ExitHead(c, hp["exit_width"], self.slots, self.classes, stride=2)
                                   for _, c in exit_channels)
        # MIMMO's depth logits theta[e, m]; with the classifier alone there is nothing to learn (w = 1).
        self.theta = nn.Parameter(torch.zeros(len(self.exits) + 1, self.slots), requires_grad=bool(exit_channels))
        self._exit_logits = None
        for name, head in zip(self.exit_names, self.exits):
            body.get_submodule(name).register_forward_hook(self._tap(head))

    @property
    def num_exits(self):
        return len(self.exits) + 1

    def exit_weights(self):
        return torch.softmax(self.theta, dim=0)

    def _tap(self, head):
        def hook(module, inputs, output):
            if self._exit_logits is not None:
                self._exit_logits.append(head(output))
        return hook

    def forward(self, x):
        h = ((x - self.mean) / self.std).reshape(-1, *self.folded)
        self._exit_logits = []
        try:
            final = self.body(h).reshape(-1, self.slots, self.classes)
            outs = self._exit_logits + [final]
        finally:
            self._exit_logits = None
        return torch.stack(outs, dim=1)


def factory(spec):
    """'module:callable' (a bare name: torchvision.models's) -> the callable."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep:
        module_name, attr = "torchvision.models", spec
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        hint = " (Debian: apt-get install python3-torchvision)" if module_name.startswith("torchvision") else \
            " (run from the folder that holds it, or add that folder to PYTHONPATH)"
        raise SystemExit(f"--arch {spec}: cannot import {module_name}: {e}{hint}") from e
    made = getattr(module, attr, None)
    if not callable(made):
        raise SystemExit(f"--arch {spec}: {module_name} has no callable {attr!r}")
    return made


def replace(root, name, module):
    parent, _, child = name.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, child, module)


def widen_first(body, spec, slots, item_shape):
    """Replaces the first Conv2d or Linear (in the order the network holds them) by one that takes the M slots:
    M x C input channels, or M x the item's values. Returns its name."""
    name, first = next(((n, m) for n, m in body.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))),
                       (None, None))
    if first is None:
        kinds = sorted({type(m).__name__ for m in body.modules()} - {type(body).__name__})
        raise SystemExit(f"--arch {spec}: no Conv2d or Linear layer to take the M slots (it holds {', '.join(kinds)})")
    if isinstance(first, nn.Conv2d):
        if len(item_shape) != 3:
            raise SystemExit(f"--arch {spec}: its first layer {name} is a Conv2d, but the items have shape "
                             f"{item_shape}, not [C, H, W]")
        if first.groups != 1:
            raise SystemExit(f"--arch {spec}: its first layer {name} is a grouped convolution (groups={first.groups})")
        wide = nn.Conv2d(slots * item_shape[0], first.out_channels, first.kernel_size, first.stride, first.padding,
                         first.dilation, bias=first.bias is not None, padding_mode=first.padding_mode)
    else:
        wide = nn.Linear(slots * int(np.prod(item_shape)), first.out_features, bias=first.bias is not None)
    replace(body, name, wide)
    return name


@torch.no_grad()
def calls(body, x):
    """Runs body(x) once in eval mode; returns its output and [(module name, module, output)] in the order the
    modules finished."""
    seen = []
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: seen.append((n, m, o)))
             for n, m in body.named_modules() if n]
    was = body.training
    body.eval()
    try:
        out = body(x)
    finally:
        body.train(was)
        for h in hooks:
            h.remove()
    return out, seen


def exit_blocks(body, spec, names, seen, head):
    """[(name, channels)] of the exits, ordered as the network runs them; every name must be a module that runs once,
    before the classifier, and gives a feature map [B, C, H, W]."""
    modules = dict(body.named_modules())
    unknown = [n for n in names if n not in modules or not n]
    if unknown:
        valid = ", ".join(n for n, _ in body.named_children())
        raise SystemExit(f"--exits: no block named {', '.join(unknown)} in {spec}; its blocks are {valid} (a dotted "
                         f"path such as {next(iter(n for n in modules if '.' in n), 'a.b')} names a deeper one)")
    order = [n for n, _, _ in seen]
    out = []
    for name in names:
        runs = order.count(name)
        if runs != 1:
            raise SystemExit(f"--exits: {name} runs {runs} times in one forward pass; an exit needs a block that runs once")
        feature = seen[order.index(name)][2]
        if order.index(name) >= order.index(head):
            where = "is" if name == head else "runs after"
            raise SystemExit(f"--exits: {name} {where} the classifier {head}; an exit goes after a block before it")
        if not torch.is_tensor(feature) or feature.dim() != 4:
            shape = list(feature.shape) if torch.is_tensor(feature) else type(feature).__name__
            raise SystemExit(f"--exits: {name} gives {shape}; an exit needs a feature map [B, C, H, W]")
        out.append((order.index(name), name, feature.shape[1]))
    return [(name, channels) for _, name, channels in sorted(out)]


def build(hp):
    """The MIMO network of the hyper-parameters saved in a mimoize checkpoint: the factory's network, its first
    layer and classifier widened, the exits attached. Runs the network once to find the classifier and the exits'
    channels, and fails with the reason when the result would not be a MIMO classifier."""
    spec, slots, classes = hp["arch"], hp["slots"], hp["classes"]
    body = factory(spec)(**hp["arch_kwargs"])
    if not isinstance(body, nn.Module):
        raise SystemExit(f"--arch {spec}: returned {type(body).__name__}, not a torch.nn.Module")
    first = widen_first(body, spec, slots, hp["item_shape"])
    folded = [slots * hp["item_shape"][0]] + list(hp["item_shape"][1:])
    probe = torch.rand(2, *folded)
    try:
        _, seen = calls(body, probe)
    except Exception as e:  # whatever the user's forward raises, the reason is the same: it does not take the rows
        raise SystemExit(f"--arch {spec} does not run on rows {['B'] + folded} (the {slots} slots of items "
                         f"{hp['item_shape']} folded into its first layer {first}): {e}") from e
    weighted = [(n, m) for n, m, _ in seen if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear))]
    if not weighted or weighted[0][0] != first:
        raise SystemExit(f"--arch {spec}: it holds {first} first but runs {weighted[0][0] if weighted else 'nothing'} "
                         "first; mimoize widens the layer that comes first in both")
    linear = [(n, m) for n, m in weighted if isinstance(m, nn.Linear)]
    if not linear:
        raise SystemExit(f"--arch {spec}: no Linear classifier to give the M x K logits (its last layer is "
                         f"{weighted[-1][0]}, a {type(weighted[-1][1]).__name__})")
    head, fc = linear[-1]
    exit_channels = exit_blocks(body, spec, hp["exits"], seen, head)
    replace(body, head, nn.Linear(fc.in_features, slots * classes, bias=fc.bias is not None))
    out, seen = calls(body, probe)
    head_out = next(o for n, _, o in seen if n == head)
    if not (torch.is_tensor(out) and out.shape == (2, slots * classes) and torch.equal(out, head_out)):
        shape = list(out.shape) if torch.is_tensor(out) else type(out).__name__
        raise SystemExit(f"--arch {spec}: its output (shape {shape}) is not what its last Linear layer {head} gives "
                         f"(shape [2, {slots * classes}]); mimoize needs a network that ends in its classifier, with no "
                         "softmax or other layer after it")
    return MimoizedNet(body, hp, exit_channels)


def image_size(text):
    if not text:
        return None
    parts = text.lower().split("x")
    try:
        size = [int(v) for v in parts]
    except ValueError:
        size = []
    if len(size) not in (1, 2) or min(size) < 1:
        raise SystemExit(f"--image-size {text}: give N or HxW, e.g. 28 or 32x48")
    return size * 2 if len(size) == 1 else size


def class_folders(root):
    if not os.path.isdir(root):
        raise SystemExit(f"{root}: no such folder")
    names = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith("."))
    if not names:
        raise SystemExit(f"{root}: no class folders; put each class's images in a sub-folder named after the class "
                         f"({root}/cat/1.png, {root}/dog/2.png, ...)")
    return names


def read_folder(root, channels=0, size=None, classes=None):
    """Images of a class-folder tree -> (uint8 [N, C, H, W], int64 labels [N], class names). classes: the training
    classes (a test folder's sub-folders must be among them), else the sub-folders are the classes."""
    from PIL import Image

    names = class_folders(root)
    if classes is None:
        if len(names) < 2:
            raise SystemExit(f"{root}: one class folder ({names[0]}); a classifier needs at least 2")
        classes = names
    unknown = [n for n in names if n not in classes]
    if unknown:
        raise SystemExit(f"{root}: class folders {', '.join(unknown)} are not among the training classes "
                         f"{', '.join(classes)}")
    files = []
    for name in names:
        folder = os.path.join(root, name)
        found = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_TYPES))
        if not found:
            raise SystemExit(f"{folder}: no images ({', '.join(IMAGE_TYPES)})")
        files += [(os.path.join(folder, f), classes.index(name)) for f in found]
    images, first_size = None, None
    for i, (path, _) in enumerate(files):
        try:
            with Image.open(path) as img:
                if images is None:
                    channels = channels or (1 if img.mode in GRAY_MODES else 3)
                    first_size = (size[1], size[0]) if size else img.size
                    images = np.empty((len(files), channels, first_size[1], first_size[0]), dtype=np.uint8)
                if size:
                    img = img.resize(first_size, Image.BILINEAR)
                elif img.size != first_size:
                    raise SystemExit(f"{path} is {img.size[0]}x{img.size[1]} (width x height), {files[0][0]} is "
                                     f"{first_size[0]}x{first_size[1]}: the images differ in size; give --image-size "
                                     "to resize them all")
                pixels = np.asarray(img.convert("L" if channels == 1 else "RGB"))
        except OSError as e:
            raise SystemExit(f"{path}: not an image PIL can read: {e}") from e
        images[i] = pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)
    labels = np.array([label for _, label in files], dtype=np.int64)
    return images, labels, list(classes)


def read_npy(items_path, labels_path, channels=0, size=None, classes=None):
    """.npy items and labels -> (items uint8 or float32 [N, *item_shape], int64 labels [N], class names)."""
    if not labels_path:
        raise SystemExit(f"{items_path}: give the labels of the items too (--labels / --test-labels y.npy)")
    x, y = np.load(items_path), np.load(labels_path)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim not in (2, 4):
        raise SystemExit(f"{items_path}: shape {list(x.shape)}; items must be [N, C, H, W], [N, H, W] or [N, F]")
    if y.ndim != 1 or len(x) != len(y):
        raise SystemExit(f"{items_path} holds {len(x)} items but {labels_path} has shape {list(y.shape)}: give one "
                         "label per item")
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise SystemExit(f"{labels_path}: labels must be integers 0..K-1, got {y.dtype} from {y.min()} to {y.max()}")
    if x.dtype != np.uint8:
        if not np.issubdtype(x.dtype, np.floating):
            raise SystemExit(f"{items_path}: {x.dtype} items; give uint8 (8-bit pixels) or float32")
        x = x.astype(np.float32)
        if not np.isfinite(x).all():
            raise SystemExit(f"{items_path}: holds NaN or infinite values")
    if x.ndim == 4 and channels and x.shape[1] != channels:
        raise SystemExit(f"{items_path}: {x.shape[1]} channels (shape {list(x.shape)}), --channels {channels}; "
                         "items are [N, C, H, W] (channels first)")
    if x.ndim == 4 and size and list(x.shape[2:]) != size:
        raise SystemExit(f"{items_path}: items of {x.shape[2]}x{x.shape[3]}, --image-size {size[0]}x{size[1]}; "
                         "--image-size resizes folder images only")
    if classes is None:
        classes = [str(k) for k in range(int(y.max()) + 1)] if len(y) else []
        if len(classes) < 2:
            raise SystemExit(f"{labels_path}: labels of {len(classes)} class; a classifier needs at least 2")
    elif len(y) and y.max() >= len(classes):
        raise SystemExit(f"{labels_path}: label {y.max()}, but the model has {len(classes)} classes")
    return x, y.astype(np.int64), classes


def named(classes, names):
    """--class-names over the npy labels' 0..K-1."""
    if not names:
        return classes
    given = [n.strip() for n in names.split(",")]
    if len(given) != len(classes) or not all(given):
        raise SystemExit(f"--class-names: {len(given)} names for {len(classes)} classes (labels 0..{len(classes) - 1})")
    return given


def load_data(args):
    """(training items, labels, test items or None, test labels, class names, whether items are bytes)."""
    size = image_size(args.image_size)
    if args.data:
        x, y, classes = read_folder(args.data, args.channels, size)
    else:
        x, y, classes = read_npy(args.npy, args.labels, args.channels, size)
        classes = named(classes, args.class_names)
    channels = x.shape[1] if x.ndim == 4 else 0
    tx = ty = None
    if args.test:
        tx, ty, _ = read_folder(args.test, channels, size, classes)
    elif args.test_npy:
        tx, ty, _ = read_npy(args.test_npy, args.test_labels, channels, None, classes)
    if tx is not None and (tx.shape[1:] != x.shape[1:] or tx.dtype != x.dtype):
        raise SystemExit(f"the test items are {tx.dtype} {list(tx.shape[1:])}, the training items {x.dtype} "
                         f"{list(x.shape[1:])}; they must match (--image-size resizes both folders)")
    return x, y, tx, ty, classes, x.dtype == np.uint8


def as_float(x):
    return x.astype(np.float32) / 255 if x.dtype == np.uint8 else x


def statistics(x):
    """Mean and standard deviation of the training items' values, per channel for [N, C, H, W], else over all."""
    axes = (0, 2, 3) if x.ndim == 4 else tuple(range(x.ndim))
    total = total2 = 0.0
    for i in range(0, len(x), 4096):
        part = as_float(x[i:i + 4096]).astype(np.float64)
        total = total + part.sum(axes)
        total2 = total2 + (part * part).sum(axes)
    count = x.size / (x.shape[1] if x.ndim == 4 else 1)
    mean = np.atleast_1d(total / count)
    std = np.sqrt(np.maximum(np.atleast_1d(total2 / count) - mean ** 2, 0))
    return [float(v) for v in mean], [float(v) if v > 1e-6 else 1.0 for v in std]


def split(n, holdout, seed):
    """(training indices, held-out indices): a seeded permutation, the last `holdout` share held out."""
    if not 0 < holdout < 1:
        raise SystemExit(f"--holdout {holdout}: give a share in (0, 1)")
    order = np.random.default_rng(seed).permutation(n)
    held = max(1, int(round(n * holdout)))
    if held >= n:
        raise SystemExit(f"{n} items: too few to hold {held} out and train on the rest")
    return np.sort(order[:-held]), np.sort(order[-held:])


def hyper_parameters(args, x, classes, byte_valued):
    mean, std = statistics(x)
    try:
        kwargs = json.loads(args.arch_kwargs)
    except ValueError as e:
        raise SystemExit(f"--arch-kwargs {args.arch_kwargs!r} is not JSON: {e}") from e
    if not isinstance(kwargs, dict):
        raise SystemExit(f"--arch-kwargs {args.arch_kwargs!r}: give a JSON object")
    return {"arch": args.arch, "arch_kwargs": kwargs, "slots": args.slots, "classes": len(classes),
            "labels": classes, "item_shape": list(x.shape[1:]), "mean": mean, "std": std,
            "exits": [n.strip() for n in args.exits.split(",") if n.strip()], "exit_width": args.exit_width,
            "input_values": data.INPUT_VALUES if byte_valued else {}}


def family_of(net):
    return "single" if net.slots == 1 and net.num_exits == 1 else "mimmo"


def verify(path, net, rows):
    """The kit's check with a run of the graph in numpy, then the graph's logits against PyTorch's on real rows."""
    try:
        summary = check.check(path, execute_graph=True)
    except check.ContractError as e:
        raise SystemExit(f"mimoize: the exported model fails the kit's check:\n{e}") from e
    try:
        (got,) = onnx_numpy.run(onnx.load(path), {contract.INPUT: rows})
    except NotImplementedError as e:
        raise SystemExit(f"mimoize: cannot run {path} in numpy to compare it with PyTorch: {e}") from e
    want = models.logits(net, rows)
    gap = float(np.abs(got - want).max())
    if gap > 1e-3 * max(1.0, float(np.abs(want).max())):
        raise SystemExit(f"mimoize: {path} gives logits up to {gap:.3g} away from PyTorch's on {len(rows)} rows")
    return f"{summary}; on {len(rows)} rows the graph's logits are within {gap:.2g} of PyTorch's"


def score(net, images, labels, dataset, directory):
    """The served probability's scores per scenario (evaluate.scored), printed and saved with a reliability
    diagram; returns the rows for mimmo.metrics."""
    from . import figures

    rows, _ = evaluate.scored(net, as_float(images), labels)
    for label, row in rows.items():
        print(f"{dataset}, {label:10s} " + "  ".join(f"{m} {row[m]:.4f}" for m in evaluate.METRICS), flush=True)
    with open(os.path.join(directory, "evaluation.json"), "w") as f:
        json.dump({"dataset": dataset, "scenarios": rows}, f, indent=1)
    figures.reliability_diagram({("mimoized", label): r["reliability"] for label, r in rows.items()}, directory)
    return rows


def run(args):
    start = time.time()
    directory = args.checkpoint_dir or os.path.join("runs", "mimoize-" + os.path.basename(os.path.normpath(args.out)))
    if (args.labels or args.class_names) and not args.npy:
        raise SystemExit("--labels and --class-names go with --npy (a folder's labels are its sub-folder names)")
    if args.test_labels and not args.test_npy:
        raise SystemExit("--test-labels goes with --test-npy (a folder's labels are its sub-folder names)")
    if args.default_ensemble_size and args.default_ensemble_size not in export.ensemble_sizes(args.slots):
        raise SystemExit(f"--default-ensemble-size must be one of {export.ensemble_sizes(args.slots)}")
    train.seed(args)
    os.makedirs(directory, exist_ok=True)
    resume = train.load_resume(args, directory, RUN_KEYS)
    x, y, test_x, test_y, classes, byte_valued = load_data(args)
    fit_index, held_index = split(len(x), args.holdout, args.seed)
    hp = resume["hp"] if resume else hyper_parameters(args, x[fit_index], classes, byte_valued)
    if hp["labels"] != classes or hp["item_shape"] != list(x.shape[1:]):
        raise SystemExit(f"{directory}: the checkpoint's classes or item shape differ from the data's; use another "
                         "--checkpoint-dir")
    net = build(hp)
    print(f"mimoize {hp['arch']}: M={net.slots}, exits {net.exit_names + ['(classifier)']}, K={net.classes}, items "
          f"{net.item_shape} ({'bytes' if byte_valued else 'float32'}), {len(fit_index)} training and "
          f"{len(held_index)} held-out items, {cost.parameters(net)} parameters, {cost.macs_per_row(net)} MACs per row",
          flush=True)
    history = []
    if resume:
        net.load_state_dict(resume["state"])
        history = resume["history"]
    if train.finished(resume, args, directory):
        print("evaluating and exporting the finished run", flush=True)
    else:
        fit_set = torch.from_numpy(x[fit_index]), torch.from_numpy(y[fit_index])
        held_set = torch.from_numpy(as_float(x[held_index])), torch.from_numpy(y[held_index])
        net, complete = train.fit(net, family_of(net), hp, args, directory, fit_set, held_set, resume, history)
        if not complete:
            return train.STOPPED
    net.eval()
    if test_x is None:
        test_x, test_y, dataset = x[held_index], y[held_index], f"{len(held_index)} held-out training items"
    else:
        dataset = f"test set {args.test or args.test_npy}, {len(test_y)} items"
    rows = score(net, test_x, test_y, dataset, directory)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.onnx")
    export.export(net, family_of(net), path, args.default_ensemble_size, evaluate.metadata_metrics(rows, dataset))
    export.write_config(args.out, net.slots, args.default_ensemble_size)
    sample = as_float(test_x[:4])
    print(f"check: {verify(path, net, models.shifted_layout(sample, net.slots))}", flush=True)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB) and config.json in {time.time() - start:.0f} s; "
          f"the run is in {directory}", flush=True)
    return 0
