"""Pilot: choose the trunk's width before the long training. For every candidate width, the single network is
trained at that width and at 1/M of it for the same few epochs (the recipe's arguments; --max-minutes caps each
run); a member of a MIMO network with one input per slot (k = 1) behaves roughly like the 1/M-width network, so
the width to train at is the smallest whose accuracy gap (full minus 1/M, on the held-out images) is within
--goal. Writes OUT/pilot.md (a table: accuracy, NLL, parameters, MACs per row, seconds per epoch, load average)
and OUT/pilot.json, and prints the chosen width. Every run resumes (re-running the pilot continues it);
--max-minutes caps the whole pilot session (exit code 3 when it stops a run: run the pilot again)."""
import argparse
import json
import os
import time

from . import cost, nets, train


def add_arguments(p):
    p.add_argument("--out", required=True, help="directory of the pilot's runs, pilot.md and pilot.json")
    p.add_argument("--widths", default="1", help="candidate widths (multipliers of --channels), comma-separated")
    p.add_argument("--goal", type=float, default=1.5, help="largest accuracy gap, in points, full minus 1/M width")
    train.add_arguments(p, recipe_only=True)


def fractions(slots):
    return (("full", 1.0), (f"1/{slots}", 1.0 / slots))


def run_args(args, width, out):
    ns = argparse.Namespace(**vars(args))
    ns.family, ns.out, ns.resume, ns.init, ns.width = "single", out, True, None, width
    return ns


def mimmo_cost(args, width):
    """Parameters and MACs per row of the MIMMO network of this width (not trained by the pilot)."""
    hp = train.hyper_parameters(run_args(args, width, ""))
    hp["slots"] = args.slots
    net = nets.build("mimmo", hp)
    return cost.parameters(net), cost.macs_per_row(net)


def row(args, candidate, fraction, label, out, minutes):
    ns = run_args(args, candidate * fraction, out)
    ns.max_minutes = minutes
    net, finished = train.train(ns)
    with open(os.path.join(out, "history.json")) as f:
        history = json.load(f)
    last = history[-1]
    n = len(history)
    return {"width": candidate, "network": f"single, {label} width ({round(candidate * fraction, 4)})",
            "channels": train.hyper_parameters(ns)["channels"], "parameters": cost.parameters(net),
            "macs_per_row": cost.macs_per_row(net), "epochs": n, "finished": finished,
            "accuracy": last["monitor_acc_k_all"], "nll": last["monitor_nll_k_all"],
            "seconds_per_epoch": sum(h["seconds"] for h in history) / n,
            "cpu_seconds_per_epoch": sum(h.get("cpu_seconds", 0) for h in history) / n,
            "load_average": [round(sum(h["load_average"][i] for h in history) / n, 2) for i in range(3)]}


def table(rows, gaps, args):
    lines = [f"Single network, {args.epochs} epochs planned, monitor = the first {args.monitor} held-out images; "
             f"goal: gap <= {args.goal} points.", "",
             "| width | network | channels | parameters | MACs per row | epochs | monitor accuracy | monitor NLL "
             "| s / epoch | CPU s / epoch | load average (1, 5, 15 min) |",
             "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(f"| {r['width']} | {r['network']} | {r['channels']} | {r['parameters']} | "
                     f"{r['macs_per_row'] / 1e6:.1f} M | {r['epochs']}{'' if r['finished'] else ' (cut)'} | "
                     f"{r['accuracy']:.4f} | {r['nll']:.4f} | {r['seconds_per_epoch']:.0f} | "
                     f"{r['cpu_seconds_per_epoch']:.0f} | {r['load_average']} |")
    lines += ["", "| width | gap full - 1/M (points) | within goal | MIMMO at this width: parameters / MACs per row |",
              "| ---: | ---: | --- | --- |"]
    for g in gaps:
        lines.append(f"| {g['width']} | {g['gap'] * 100:.2f} | {'yes' if g['within_goal'] else 'no'} | "
                     f"{g['mimmo_parameters']} / {g['mimmo_macs_per_row'] / 1e6:.1f} M |")
    return "\n".join(lines)


def run(args):
    os.makedirs(args.out, exist_ok=True)
    deadline = time.time() + args.max_minutes * 60 if args.max_minutes else None
    rows, gaps = [], []
    for width in (float(w) for w in args.widths.split(",")):
        pair = {}
        for label, fraction in fractions(args.slots):
            out = os.path.join(args.out, f"w{width:g}-{label.replace('/', 'over')}")
            minutes = (deadline - time.time()) / 60 if deadline else 0
            if deadline and minutes <= 0:
                print("stopping: the pilot's session cap is reached; run the pilot again to continue", flush=True)
                return train.STOPPED
            pair[label] = row(args, width, fraction, label, out, minutes)
            rows.append(pair[label])
            if not pair[label]["finished"]:
                print(f"stopping: {out} was cut by the session cap; run the pilot again to continue", flush=True)
                return train.STOPPED
        full, part = pair["full"], pair[f"1/{args.slots}"]
        params, macs = mimmo_cost(args, width)
        gap = full["accuracy"] - part["accuracy"]
        gaps.append({"width": width, "gap": gap, "within_goal": gap * 100 <= args.goal,
                     "finished": full["finished"] and part["finished"],
                     "mimmo_parameters": params, "mimmo_macs_per_row": macs})
    chosen = next((g["width"] for g in sorted(gaps, key=lambda g: g["width"]) if g["within_goal"] and g["finished"]),
                  None)
    text = table(rows, gaps, args)
    with open(os.path.join(args.out, "pilot.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(args.out, "pilot.json"), "w") as f:
        json.dump({"rows": rows, "gaps": gaps, "chosen_width": chosen, "goal_points": args.goal}, f, indent=1)
    print(text)
    print(f"chosen width: {chosen if chosen is not None else 'none within the goal'}", flush=True)
    return 0
