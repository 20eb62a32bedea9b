"""Evaluate a staged model (family jeidnn) on the 10k test images: each exit policy's accuracy, NLL, ECE, Brier and
mean compute per input, the lambda sweep of its training; REPORT.md's early-exit section and the model's
`mimmo.metrics`."""
import json
import os

import numpy as np

from . import checkpoints, data, policies
from .evaluate import update_report, write_metadata
from .models import same_layout, shifted_layout

BEGIN, END = "<!-- staged:begin (written by python -m mimmo_kit evaluate-stages) -->", "<!-- staged:end -->"
METRICS = ("accuracy", "nll", "ece", "brier")


def add_arguments(p):
    p.add_argument("--model", required=True, help="NAME=CHECKPOINT of a staged model; NAME/model.onnx gets mimmo.metrics")
    p.add_argument("--report", default="REPORT.md", help="the section goes between its staged markers")
    p.add_argument("--limit", type=int, default=0, help="evaluate the first N test images only (tests)")
    p.add_argument("--data", default=None)


def outputs(net, rows, batch=500):
    import torch

    with torch.no_grad():
        parts = [net.staged(torch.from_numpy(np.ascontiguousarray(rows[i:i + batch]))) for i in range(0, len(rows), batch)]
    return np.concatenate([p[0].numpy() for p in parts]), np.concatenate([p[1].numpy() for p in parts])


def _sets(r):
    return f" {r['coverage']:.4f} / {r['set_size']:.2f} |" if "coverage" in r else " - |"


def policy_table(rows):
    lines = ["| policy | accuracy | NLL | ECE (15 bins) | Brier | mean compute per input | inputs leaving at exit 0 / 1 / 2 "
             "| conformal coverage / mean set size |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['accuracy']:.4f} | {r['nll']:.4f} | {r['ece']:.4f} | {r['brier']:.4f} | "
                     f"{r['compute']:.3f} | {' / '.join(f'{v:.3f}' for v in r['exits'])} |" + _sets(r))
    return "\n".join(lines)


def one_per_slot_table(rows):
    lines = ["| policy | accuracy | NLL | ECE (15 bins) | mean compute of the exit taken | mean compute of the row "
             "| conformal coverage / mean set size |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['accuracy']:.4f} | {r['nll']:.4f} | {r['ece']:.4f} | {r['compute']:.3f} | "
                     f"{r['row_compute']:.3f} |" + _sets(r))
    return "\n".join(lines)


def sweep_table(history):
    sweep = next((h for h in history if "sweep" in h), None)
    if sweep is None:
        return "(the checkpoint has no lambda sweep)"
    lines = [f"Held-out monitor images, k = 3; the last exit alone: accuracy {sweep['last_exit']['accuracy']:.4f}. "
             f"Kept: lambda = {sweep['chosen']}.", "",
             "| lambda | accuracy | NLL | ECE | mean compute | exits 0 / 1 / 2 |", "| ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in sweep["sweep"]:
        lines.append(f"| {r['lambda']} | {r['accuracy']:.4f} | {r['nll']:.4f} | {r['ece']:.4f} | {r['compute']:.3f} | "
                     f"{' / '.join(f'{v:.3f}' for v in r['exits'])} |")
    return "\n".join(lines)


def conformal_text(conformal, history):
    if not conformal:
        return "none"
    details = next((h["conformal"] for h in history if "conformal" in h), None)
    if details is None:  # checkpoints of the earlier gates, calibrated on all held-out inputs at every exit
        return f"alpha {conformal['alpha']}, calibrated on the 5,000 held-out monitor images"
    per_k = "; ".join(f"k = {k}: {details['counts'][k]}"
                      + (f", exits {[e for e, p in enumerate(details['pooled'][k]) if p]} pooled" if any(details["pooled"][k]) else "")
                      for k in details["counts"])
    return (f"alpha {conformal['alpha']}, calibrated per exit on the inputs that leave there, among "
            f"{details['images']} held-out images not used for training or for the choice of lambda (inputs per exit, "
            f"{per_k}; an exit with fewer than {details['min_calibration']} uses its threshold over all of them)")


def run(args):
    name, _, path = args.model.partition("=")
    family, net, ckpt = checkpoints.load(path)
    if family != "jeidnn":
        raise SystemExit(f"{path}: evaluate-stages needs a staged (jeidnn) checkpoint, not {family}")
    images, labels = data.load("t10k", args.data)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    costs, threshold = net.costs.tolist(), net.gate_threshold
    logits, gates = outputs(net, same_layout(images, net.slots))
    conformal = ckpt["hp"].get("conformal")
    thresholds = conformal["thresholds"] if conformal else {}
    same = policies.evaluate(logits, gates, labels, costs, threshold, conformal=thresholds.get(str(net.slots)))
    logits, gates = outputs(net, shifted_layout(images, net.slots))
    one = policies.evaluate_one_per_slot(logits, gates, labels, costs, threshold, conformal=thresholds.get("1"))
    for label, rows in (("k=3", same), ("k=1", one)):
        for policy, r in rows.items():
            print(f"{name} {label} {policy:18s} " + "  ".join(f"{m} {r[m]:.4f}" for m in (*METRICS, "compute")), flush=True)
    dataset = f"first {args.limit} test images" if args.limit else "Fashion-MNIST test set, 10000 images"
    full = f"exit {net.num_exits - 1}"
    write_metadata(name, {"dataset": dataset, "policy": "auto",
                          "k": {str(net.slots): {m: round(same["auto"][m], 5) for m in METRICS},
                                "1": {m: round(one["auto"][m], 5) for m in METRICS}},
                          "full": {str(net.slots): {m: round(same[full][m], 5) for m in METRICS},
                                   "1": {m: round(one["full"][m], 5) for m in METRICS}},
                          "compute": {str(net.slots): round(same["auto"]["compute"], 5),
                                      "1": round(one["auto"]["row_compute"], 5)}})
    text = "\n\n".join([
        f"### Exit policies, one input in every slot (k = 3; {dataset})", policy_table(same),
        f"### Three inputs per row (k = 1; {dataset})", one_per_slot_table(one),
        "### The lambda sweep of the gates", sweep_table(ckpt["history"]),
        f"Stage costs (share of the full pass, multiply-accumulates): {[round(c, 4) for c in costs]}; "
        f"gate threshold {threshold}; conformal sets: " + conformal_text(conformal, ckpt["history"]) + "."])
    update_report(args.report, text, BEGIN, END)
    folder = os.path.join(os.path.dirname(args.report) or ".", "report")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "staged.json"), "w") as f:
        json.dump({"k=3": same, "k=1": one, "costs": costs}, f, indent=1)
    print(f"wrote {args.report}")
    return 0
