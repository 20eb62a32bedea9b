"""Reference data for the server's parity tests: test images and the PyTorch outputs of every bundled model."""
import json
import os

import numpy as np
import torch

from . import data, policies
from .models import logits, member_probs, parse, same_layout, shifted_layout, weights

COUNT = 256


def add_arguments(p):
    p.add_argument("--models", nargs="+", required=True, help="NAME=CHECKPOINT pairs")
    p.add_argument("--out", default="reference")
    p.add_argument("--data", default=None)


def write(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


@torch.no_grad()
def staged_entries(out, name, net, images):
    """A staged model's gates for both layouts and the exits `auto` chooses for each image alone in a row."""
    net.eval()
    entries = {"staged": True}
    for layout, rows in (("same", same_layout(images, net.slots)), ("shifted", shifted_layout(images, net.slots))):
        gates = net.staged(torch.from_numpy(np.ascontiguousarray(rows)))[1].numpy()
        entries[f"gates_{layout}"] = f"{name}.gates_{layout}.f32"
        write(os.path.join(out, entries[f"gates_{layout}"]), gates)
        if layout == "same":
            entries["auto_exits_same"] = [int(e) for e in policies.auto_exits(gates, float(net.gate_threshold))]
    return entries


def run(args):
    images, labels = data.load("t10k", args.data)
    images, labels = images[:COUNT], labels[:COUNT]
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "images.f32"), images)
    manifest = {"count": COUNT, "item_shape": data.ITEM_SHAPE, "images": "images.f32",
                "labels": [int(x) for x in labels], "models": {}}
    for name, family, net, _ in parse(args.models):
        m = net.slots
        w = weights(net)
        same = logits(net, same_layout(images, m))
        shifted = logits(net, shifted_layout(images, m))
        files = {f"logits_{k}": f"{name}.logits_{k}.f32" for k in ("same", "shifted")}
        files.update({f"probs_{k}": f"{name}.probs_{k}.f32" for k in ("same", "shifted")})
        write(os.path.join(args.out, files["logits_same"]), same)
        write(os.path.join(args.out, files["logits_shifted"]), shifted)
        write(os.path.join(args.out, files["probs_same"]), member_probs(same, w).mean(1))
        write(os.path.join(args.out, files["probs_shifted"]), member_probs(shifted, w))
        manifest["models"][name] = {"slots": m, "exits": net.num_exits, "num_classes": net.classes, **files}
        if family == "jeidnn":
            manifest["models"][name].update(staged_entries(args.out, name, net, images))
        accuracy = (member_probs(same, w).mean(1).argmax(-1) == labels).mean()
        print(f"{name}: logits {list(same.shape)}, accuracy of probs_same on the {COUNT} images {accuracy:.3f}")
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        # One line for the 256 labels keeps the manifest readable.
        text = json.dumps({**manifest, "labels": "@labels@"}, indent=1)
        f.write(text.replace('"@labels@"', json.dumps(manifest["labels"])) + "\n")
    return 0
