"""Evaluate models on the 10k test images for every ensemble size: metrics, figures, REPORT.md's tables,
and each bundled model's `mimmo.metrics`."""
import json
import os

import numpy as np
import onnx

from . import contract, data
from .metrics import reliability, scores
from .models import logits, member_probs, parse, same_layout, shifted_layout, softmax, weights

BEGIN, END = "<!-- results:begin (written by python -m mimmo_kit evaluate) -->", "<!-- results:end -->"
DATASET = "Fashion-MNIST test set, 10000 images"
METRICS = ("accuracy", "nll", "ece", "brier")


def add_arguments(p):
    p.add_argument("--models", nargs="+", required=True, help="NAME=CHECKPOINT pairs; NAME/model.onnx, if it "
                   "exists, gets its metrics in mimmo.metrics")
    p.add_argument("--report", default="REPORT.md", help="the tables go between its results markers")
    p.add_argument("--figures", default="report", help="directory of the PNG figures and metrics.json")
    p.add_argument("--limit", type=int, default=0, help="evaluate the first N test images only (tests)")
    p.add_argument("--fresh", action="store_true", help="forget the models evaluated earlier (metrics.json)")
    p.add_argument("--data", default=None)


def scenarios(net, images):
    """Served probabilities per scenario, {label: (inputs per pass, k, probs [N', K], which image each row is)},
    and the same-layout logits.
    k = M: one input in every slot. k = 1: M different inputs per row, every (input, slot) pair scored.
    2 per pass (M = 3): rows [a, b, a]; a is served by members {0, 2}, b by {1}, as the server fills a free slot."""
    m, w = net.slots, weights(net)
    n = len(images)
    index = np.arange(n)
    out = {}
    raw = logits(net, same_layout(images, m))
    out[f"k={m}"] = (1, m, member_probs(raw, w).mean(1), index)
    if m > 1:
        shifted = member_probs(logits(net, shifted_layout(images, m)), w)
        probs = np.concatenate([shifted[:, s] for s in range(m)])
        owners = np.concatenate([np.roll(index, -s) for s in range(m)])
        out["k=1"] = (m, 1, probs, owners)
        if m == 3:
            pair = np.stack([images, np.roll(images, -1, 0), images], axis=1)
            packed = member_probs(logits(net, pair), w)
            probs = np.concatenate([(packed[:, 0] + packed[:, 2]) / 2, packed[:, 1]])
            out["2 per pass"] = (2, None, probs, np.concatenate([index, np.roll(index, -1)]))
    return out, raw


def scored(net, images, labels):
    """Every scenario's scores, {label: {inputs_per_pass, k, accuracy, nll, ece, brier, reliability}}, and the
    same-layout logits."""
    served, raw = scenarios(net, images)
    rows = {label: {"inputs_per_pass": per_pass, "k": k, **scores(probs, labels[owners]),
                    "reliability": reliability(probs, labels[owners])}
            for label, (per_pass, k, probs, owners) in served.items()}
    return rows, raw


def metadata_metrics(rows, dataset):
    """What a model's mimmo.metrics holds: the data set and the scores of every ensemble size k."""
    return {"dataset": dataset, "k": {str(r["k"]): {m: round(r[m], 5) for m in METRICS}
                                      for r in rows.values() if r["k"] is not None}}


def exit_accuracy(raw, labels):
    """Accuracy of each exit alone from same-layout logits [N, E, M, K] (members averaged with equal weight)."""
    probs = softmax(raw.astype(np.float64)).mean(2)
    return [float((probs[:, i].argmax(-1) == labels).mean()) for i in range(raw.shape[1])]


def member_accuracy(net, images, labels, raw):
    """Each member's accuracy in three settings, [M][3], for a MIMO network (None for one slot): 'alone' with the same
    input in every slot (its share of the k=M pass, from the same-layout logits), 'blank' with its input in its own slot
    and blank images (all zero) in the others, and 'shared' with M different inputs per row (k=1). Alone minus shared
    is what the other inputs cost a member; the single network minus alone is what a member's share of the trunk costs."""
    m, w = net.slots, weights(net)
    if m == 1:
        return None
    index = np.arange(len(images))
    alone = member_probs(raw, w)
    shared = member_probs(logits(net, shifted_layout(images, m)), w)
    out = []
    for s in range(m):
        rows = np.zeros((len(images), m) + images.shape[1:], dtype=images.dtype)
        rows[:, s] = images
        blank = member_probs(logits(net, rows), w)[:, s]
        out.append([float((alone[:, s].argmax(-1) == labels).mean()), float((blank.argmax(-1) == labels).mean()),
                    float((shared[:, s].argmax(-1) == labels[np.roll(index, -s)]).mean())])
    return out


def member_lines(results):
    lines = ["| model | member | alone (same input in every slot) | blank companions | k=1 (other inputs in the other slots) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        for s, (alone, blank, shared) in enumerate(r.get("member_accuracy") or []):
            lines.append(f"| {name} | {s} | {alone:.4f} | {blank:.4f} | {shared:.4f} |")
    return "\n".join(lines) if len(lines) > 2 else "(no model with several slots)"


def write_metadata(name, metrics):
    path = os.path.join(name, "model.onnx")
    if not os.path.exists(path):
        return
    model = onnx.load(path)
    contract.set_metadata(model, {contract.PREFIX + "metrics": json.dumps(metrics)})
    onnx.save(model, path)


def table(results):
    lines = ["| model | family | inputs per pass | k (slots per input) | accuracy | NLL | ECE (15 bins) | Brier |",
             "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for name, rows in results.items():
        for label, r in rows["scenarios"].items():
            lines.append(f"| {name} | {rows['family']} | {r['inputs_per_pass']} | {label} | {r['accuracy']:.4f} | "
                         f"{r['nll']:.4f} | {r['ece']:.4f} | {r['brier']:.4f} |")
    return "\n".join(lines)


def training_table(results):
    lines = ["| model | parameters | epochs | minutes | CPU minutes | mean load average (1 min) | last monitor acc (k=M / k=1) "
             "| exit weights w[e][m] |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for name, r in results.items():
        for i, h in enumerate(r["training"]):
            if not h:
                continue
            last = h[-1]
            label = name if len(r["training"]) == 1 else f"{name} member {i}"
            cpu = f"{sum(x['cpu_seconds'] for x in h) / 60:.1f}" if all("cpu_seconds" in x for x in h) else "-"
            load = (f"{sum(x['load_average'][0] for x in h) / len(h):.1f}" if all("load_average" in x for x in h)
                    else "-")
            lines.append(f"| {label} | {r['parameters']} | {len(h)} | {sum(x['seconds'] for x in h) / 60:.1f} | {cpu} | {load} | "
                         f"{last['monitor_acc_k_all']:.4f} / {last['monitor_acc_k1']:.4f} | "
                         f"{json.dumps([[round(v, 3) for v in row] for row in r['exit_weights']])} |")
    return "\n".join(lines)


def update_report(path, text, begin=BEGIN, end=END):
    """Puts text between the begin and end markers of the report (appended with them when absent)."""
    block = f"{begin}\n{text}\n{end}"
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if begin in old and end in old:
            block = old[:old.index(begin)] + block + old[old.index(end) + len(end):]
        else:
            block = old.rstrip("\n") + "\n\n" + block + "\n"
    else:
        block = "# Evaluation report\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(block)


def run(args):
    from . import figures

    images, labels = data.load("t10k", args.data)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    os.makedirs(args.figures, exist_ok=True)
    store = os.path.join(args.figures, "metrics.json")
    results = {}
    if os.path.exists(store) and not args.fresh:
        # Models evaluated earlier keep their rows, so that each model can be evaluated when its training ends.
        with open(store) as f:
            results = json.load(f)
    for name, family, net, ckpt in parse(args.models):
        rows, raw = scored(net, images, labels)
        for label, row in rows.items():
            print(f"{name:18s} {label:11s} " + "  ".join(f"{m} {row[m]:.4f}" for m in METRICS), flush=True)
        history = ckpt["history"]
        results[name] = {
            "family": family, "scenarios": rows,
            "parameters": sum(p.numel() for p in net.parameters()),
            "exit_weights": weights(net).tolist(),
            "exit_accuracy": exit_accuracy(raw, labels) if net.num_exits > 1 else None,
            "member_accuracy": member_accuracy(net, images, labels, raw) if family != "ensemble" else None,
            "training": history if family == "ensemble" else [history],
        }
        write_metadata(name, metadata_metrics(rows, DATASET if not args.limit else f"first {args.limit} test images"))
        with open(store, "w") as f:
            json.dump(results, f)
    curves = {(name, label): r["reliability"] for name, v in results.items() for label, r in v["scenarios"].items()}
    pictures = figures.draw(results, curves, args.figures)
    exits = [f"- {name}: " + ", ".join(f"exit {i + 1} {a:.4f}" for i, a in enumerate(r["exit_accuracy"]))
             for name, r in results.items() if r["exit_accuracy"]]
    text = "\n\n".join([
        f"### Test metrics ({DATASET if not args.limit else f'first {args.limit} test images'})", table(results),
        "### Each exit alone (every slot on one input)", "\n".join(exits) or "(no model with several exits)",
        "### Each member (slot) alone, with blank companions, and among other inputs", member_lines(results),
        "### Training runs", training_table(results),
        "### Figures", "\n".join(f"![{os.path.basename(p)}]({p})" for p in pictures)])
    update_report(args.report, text)
    print(f"wrote {args.report}, {', '.join(pictures)}")
    return 0
