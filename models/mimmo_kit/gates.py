"""Train a staged early-exit model (JEI-DNN) from a trained MIMMO checkpoint: the trunk and the last exit stay
frozen, the intermediate exit heads and the gates learn, as in JEI-DNN (Regol, Chataoui & Coates, ICLR 2024).

- Warm-up (--warmup-epochs): the intermediate exit heads alone, on the plain sum of their cross-entropies.
- Joint epochs (--epochs): the gates define for each input a distribution over exits,
  q_e = g_e prod_{j<e} (1 - g_j). Each input's target exit is the one minimising CE_e + lambda C_e (C_e: the
  cumulative compute share up to exit e). The gate loss trains the target gate and every later gate to exit and
  the earlier gates to stay (binary cross-entropy, the exits re-weighted against the stays so that both count
  alike). The exit heads learn on their cross-entropies weighted by the probability of exiting there, q_e (fixed
  for the heads), rescaled per input so that the loss keeps the scale of sum_e CE_e.
- One cosine learning-rate schedule over warm-up and joint epochs; a checkpoint after every epoch; --resume.
- The held-out images are cut in three (data.held_out_splits): `monitor` (progress), `select` (the lambda) and
  `calibrate` (the conformal thresholds). The gates are refitted for every lambda of --sweep on the exits' cached
  outputs for training images; the lambda kept is the cheapest whose accuracy loss against the last exit on the
  select split, plus --margin-z standard errors of that (paired) loss, stays within --max-drop.
- The conformal thresholds are calibrated per exit and per ensemble size on the calibrate split, on the inputs
  that `auto` sends to that exit; an exit that fewer than --min-calibration inputs take falls back to the
  threshold of that exit over all calibration inputs (as the authors' code does, which uses 20)."""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data, policies, staged
from .models import softmax
from .train import STOPPED, batch, cosine


def add_arguments(p):
    p.add_argument("--init", required=True, help="a trained MIMMO checkpoint.pt")
    p.add_argument("--out", required=True, help="run directory: checkpoint.pt, history.json")
    p.add_argument("--warmup-epochs", type=int, default=1, help="epochs of the exit heads alone")
    p.add_argument("--epochs", type=int, default=2, help="joint epochs of exit heads and gates")
    p.add_argument("--lam", type=float, default=0.1, help="lambda of the joint epochs")
    p.add_argument("--sweep", default="0.01,0.02,0.05,0.1,0.2,0.3,0.4,0.6", help="lambdas the gates are refitted for")
    p.add_argument("--max-drop", type=float, default=0.002, help="held-out accuracy the gates may lose")
    p.add_argument("--margin-z", type=float, default=1.0,
                   help="standard errors of the measured loss added to it before it is compared with --max-drop")
    p.add_argument("--gate-steps", type=int, default=600, help="steps of each refit of the gates")
    p.add_argument("--alpha", type=float, default=0.1, help="conformal sets miss the true class at most this often")
    p.add_argument("--min-calibration", type=int, default=20,
                   help="calibration inputs an exit needs for its own threshold; fewer: the exit's pooled threshold")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--batch-repetition", type=int, default=2)
    p.add_argument("--input-repetition", type=float, default=0.5)
    p.add_argument("--augment", action="store_true", help="pad-and-crop and horizontal flips, as in train")
    p.add_argument("--pad", type=int, default=2)
    p.add_argument("--no-flip", dest="flip", action="store_false")
    p.add_argument("--resume", action="store_true", help="continue the run in --out if it has a checkpoint")
    p.add_argument("--max-minutes", type=float, default=0, help="session cap, as in train")
    p.add_argument("--subset", type=int, default=0, help="train on the first N images only (tests)")
    p.add_argument("--max-batches", type=int, default=0, help="steps per epoch cap (tests)")
    p.add_argument("--monitor", type=int, default=1000, help="held-out images of the monitor split")
    p.add_argument("--select", type=int, default=2000, help="held-out images of the split that chooses lambda; "
                   "the rest of the held-out images calibrate the conformal sets")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default=None, help="Fashion-MNIST directory")


def oracle_exits(ce, cumulative_costs, lam):
    """ce [..., E] -> the exit minimising CE_e + lambda C_e."""
    return (ce + lam * cumulative_costs).argmin(-1)


def gate_loss(gate_probs, target):
    """gate_probs [..., E-1], target [...] in 0..E-1. JEI-DNN's gate loss: gate e is trained to exit (1) at the
    target exit and at every later one, to stay (0) before it; an input whose target is the last exit trains every
    gate to stay. The exits are weighted by (#stays / #exits) of the batch, so that the rarer kind counts as much."""
    e = torch.arange(gate_probs.shape[-1])
    wanted = (e >= target[..., None]).float()
    ones = wanted.sum()
    weight = torch.where(wanted > 0, (wanted.numel() - ones) / ones.clamp(min=1), torch.ones_like(wanted))
    bce = F.binary_cross_entropy(gate_probs.clamp(1e-6, 1 - 1e-6), wanted, reduction="none")
    return (bce * weight).mean()


def exit_distribution(gate_probs):
    """gate_probs [..., E-1] -> q [..., E]: q_e = g_e prod_{j<e} (1 - g_j), the last exit takes the rest."""
    stay = torch.cumprod(1 - gate_probs, -1)
    reach = torch.cat([torch.ones_like(stay[..., :1]), stay], -1)
    leave = torch.cat([gate_probs, torch.ones_like(gate_probs[..., :1])], -1)
    return reach * leave


def head_loss(ce, q):
    """ce, q [..., E]: sum_e q_e CE_e with q fixed, rescaled per input by sum_e CE_e / sum_e q_e CE_e (fixed too),
    so each head learns most from the inputs that leave through it and the loss keeps the scale of sum_e CE_e."""
    q = q.detach()
    weighted = q * ce
    ratio = (ce.sum(-1) / weighted.sum(-1).clamp(min=1e-12)).detach()
    return (weighted.sum(-1) * ratio).mean()


def step_losses(net, x, y, cum, lam, warmup=False):
    """x [N, M, 1, 28, 28], y [N, M]; the trunk runs without gradients. Returns (head loss, gate loss)."""
    logits, gate_probs = [], []
    h = x
    for s in range(net.num_exits):
        with torch.no_grad():
            if s == 0:
                h = ((h - staged.nets.MEAN) / staged.nets.STD).reshape(-1, net.slots, staged.nets.SIDE, staged.nets.SIDE)
            h = net.mimmo.blocks[s](h)
        z = net.mimmo.exits[s](h)
        logits.append(z)
        if s < len(net.gates):
            gate_probs.append(net.gates[s](z.detach()))
    logits = torch.stack(logits, 2)  # [N, M, E, K]
    gate_probs = torch.stack(gate_probs, -1)  # [N, M, E-1]
    ce = F.cross_entropy(logits.permute(0, 3, 1, 2), y[:, :, None].expand(-1, -1, logits.shape[2]), reduction="none")
    if warmup:
        return ce.sum(-1).mean(), torch.zeros(())
    heads = head_loss(ce, exit_distribution(gate_probs))
    gates = gate_loss(gate_probs, oracle_exits(ce.detach(), cum, lam))
    return heads, gates


@torch.no_grad()
def exit_outputs(net, images, slots, batch=500):
    """Rows with the image in every slot -> (logits [N, E, M, K], gates [N, E, M]) as numpy."""
    net.eval()
    parts = [net.staged(images[i:i + batch, None].expand(-1, slots, -1, -1, -1)) for i in range(0, len(images), batch)]
    return torch.cat([p[0] for p in parts]).numpy(), torch.cat([p[1] for p in parts]).numpy()


@torch.no_grad()
def shifted_outputs(net, images, batch=500):
    """Rows of M different images, image i in slot 0 of row i -> (logits [N, E, M, K], gates [N, E, M])."""
    net.eval()
    rows = torch.stack([torch.roll(images, -s, 0) for s in range(net.slots)], dim=1)
    parts = [net.staged(rows[i:i + batch]) for i in range(0, len(rows), batch)]
    return torch.cat([p[0] for p in parts]).numpy(), torch.cat([p[1] for p in parts]).numpy()


def refit_gates(net, logits, labels, cum, lam, steps, lr, gen):
    """Fits the gates alone on cached exit logits [N, E, M, K] of training rows (one image per row)."""
    z = torch.from_numpy(logits)
    y = torch.from_numpy(labels)
    ce = F.cross_entropy(z.permute(0, 3, 1, 2), y[:, None, None].expand(-1, z.shape[1], z.shape[2]), reduction="none")
    target = oracle_exits(ce.permute(0, 2, 1), cum, lam)  # [N, M]
    opt = torch.optim.Adam(net.gates.parameters(), lr=lr)
    for _ in range(steps):
        idx = torch.randint(len(z), (512,), generator=gen)
        probs = torch.stack([g(z[idx, e]) for e, g in enumerate(net.gates)], -1)  # [n, M, E-1]
        loss = gate_loss(probs, target[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()


def save(out, net, hp, args, history, train_state):
    path = os.path.join(out, "checkpoint.pt")
    torch.save({"family": "jeidnn", "hp": hp, "state": net.state_dict(), "args": vars(args), "history": history,
                "train_state": train_state}, path + ".tmp")
    os.replace(path + ".tmp", path)
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)


def run(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "checkpoint.pt")
    resume = torch.load(path, map_location="cpu") if args.resume and os.path.exists(path) else None
    if resume and resume.get("train_state", {}).get("finished"):
        print(f"{args.out}: finished; nothing to do", flush=True)
        return 0
    init = torch.load(args.init, map_location="cpu")
    if init["family"] != "mimmo":
        raise SystemExit(f"{args.init}: a staged model starts from a mimmo checkpoint, not {init['family']}")
    mimmo = staged.nets.build("mimmo", init["hp"])
    mimmo.load_state_dict(init["state"])
    costs, macs = staged.stage_costs(mimmo)
    hp = {**init["hp"], "stage_costs": costs, "gate_threshold": 0.5}
    net = staged.StagedNet(mimmo, costs)
    cum = torch.tensor(policies.cumulative(costs), dtype=torch.float32)
    print(f"stage MACs {macs}, costs {[round(c, 4) for c in costs]}", flush=True)
    (tx, ty), (hx, hy) = data.train_and_monitor(args.data)
    if args.subset:
        tx, ty = tx[:args.subset], ty[:args.subset]
    tx, ty = torch.from_numpy(tx), torch.from_numpy(ty)
    splits = {k: (torch.from_numpy(x), y) for k, (x, y) in data.held_out_splits(hx, hy, args.monitor, args.select).items()}
    # As in JEI-DNN, the backbone (trunk and final classifier) stays as trained; the intermediate exits and gates learn.
    frozen = [net.mimmo.blocks, net.mimmo.exits[-1]]
    for module in frozen:
        module.requires_grad_(False)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=args.lr)
    steps = math.ceil(len(tx) / args.batch_size)
    if args.max_batches:
        steps = min(steps, args.max_batches)
    total_epochs = args.warmup_epochs + args.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, cosine(max(1, steps * total_epochs)))
    history, done, session = [], 0, 1
    if resume:
        net.load_state_dict(resume["state"])
        state = resume["train_state"]
        history, done, session = list(resume["history"]), state["epoch"], state["session"] + 1
        opt.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
    start, budget = time.time(), args.max_minutes * 60
    mx, my = splits["monitor"]
    for epoch in range(done + 1, total_epochs + 1):
        warmup = epoch <= args.warmup_epochs
        t0, c0 = time.time(), time.process_time()
        net.train()
        for module in frozen:
            module.eval()  # its batch-norm statistics stay as trained
        order = torch.randperm(len(tx), generator=gen)
        sums = [0.0, 0.0]
        for b in range(steps):
            x, y = batch(tx, ty, order[b * args.batch_size:(b + 1) * args.batch_size], net.slots, args.batch_repetition,
                         args.input_repetition, gen, args)
            heads, gates = step_losses(net, x, y, cum, args.lam, warmup)
            opt.zero_grad()
            (heads + gates).backward()
            opt.step()
            schedule.step()
            sums[0] += heads.item()
            sums[1] += gates.item()
        seconds, cpu = time.time() - t0, time.process_time() - c0
        logits, gate_values = exit_outputs(net, mx, net.slots)
        table = policies.evaluate(logits, gate_values, my, costs, hp["gate_threshold"])
        entry = {"epoch": epoch, "phase": "warm-up" if warmup else "joint", "head_loss": sums[0] / steps,
                 "gate_loss": sums[1] / steps, "lambda": args.lam,
                 "monitor": {k: table[k] for k in ("auto", f"exit {net.num_exits - 1}")}, "seconds": seconds,
                 "cpu_seconds": cpu, "load_average": [round(v, 2) for v in os.getloadavg()], "session": session}
        history.append(entry)
        state = {"epoch": epoch, "session": session, "optimizer": opt.state_dict(), "schedule": schedule.state_dict(),
                 "generator": gen.get_state(), "torch_rng": torch.get_rng_state(), "finished": False}
        save(args.out, net, hp, args, history, state)
        print(f"epoch {epoch}/{total_epochs} ({entry['phase']})  heads {entry['head_loss']:.4f}  gates "
              f"{entry['gate_loss']:.4f}  monitor: "
              + "  ".join(f"{k} acc {v['accuracy']:.4f} compute {v['compute']:.3f}" for k, v in entry["monitor"].items())
              + f"  wall {seconds:.0f}s  cpu {cpu:.0f}s  load {entry['load_average']}", flush=True)
        elapsed = time.time() - start
        if budget and epoch < total_epochs and elapsed + elapsed / (epoch - done) > budget:
            print(f"stopping after epoch {epoch} of {total_epochs}: the session cap; --resume continues", flush=True)
            return STOPPED
    choose_lambda(args, net, hp, costs, cum, tx, ty, *splits["select"], gen, history)
    hp["conformal"], details = calibrate(net, *splits["calibrate"], args.alpha, args.min_calibration)
    history.append({"conformal": details})
    print(f"conformal thresholds (alpha {args.alpha}): {hp['conformal']['thresholds']}, inputs per exit "
          f"{details['counts']}, pooled fallback {details['pooled']}", flush=True)
    save(args.out, net, hp, args, history, {"epoch": total_epochs, "session": session, "finished": True})
    return 0


def calibrate(net, images, labels, alpha, minimum):
    """Split-conformal thresholds per exit and per ensemble size on the calibration images, each exit's from the
    inputs that `auto` sends there (policies.exit_thresholds): k = M from rows with the image in every slot, k = 1
    from slot 0 of rows of M different images (its own gate decides). Returns (mimmo.conformal, details)."""
    thresholds, counts, pooled = {}, {}, {}
    logits, gate_values = exit_outputs(net, images, net.slots)
    exits = policies.auto_exits(gate_values, net.gate_threshold)
    layouts = {str(net.slots): (policies.exit_probs(logits), exits)}
    logits, gate_values = shifted_outputs(net, images)
    one = softmax(logits[:, :, 0].astype(np.float64))  # [N, E, K]: slot 0 holds image i
    layouts["1"] = (one, policies.auto_exits(gate_values[:, :, :1], net.gate_threshold))
    for k, (probs, taken) in layouts.items():
        thresholds[k], counts[k], pooled[k] = policies.exit_thresholds(probs, taken, labels, alpha, minimum)
    details = {"alpha": alpha, "images": len(labels), "min_calibration": minimum, "counts": counts, "pooled": pooled}
    return {"alpha": alpha, "thresholds": thresholds}, details


def paired_drop(correct_last, correct_auto):
    """The accuracy lost against the last exit and the standard error of that paired difference."""
    d = correct_last.astype(np.float64) - correct_auto.astype(np.float64)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else 0.0


def choose_lambda(args, net, hp, costs, cum, tx, ty, sx, sy, gen, history):
    """Refits the gates for each lambda of the sweep; keeps the cheapest whose loss on the select split, plus
    margin_z standard errors, is within --max-drop (the smallest lambda when none is)."""
    fit = torch.randperm(len(tx), generator=gen)[:min(len(tx), 20000)]
    train_logits, _ = exit_outputs(net, tx[fit], net.slots)
    select_logits, _ = exit_outputs(net, sx, net.slots)
    probs = policies.exit_probs(select_logits)
    last_exit = np.full(len(sy), net.num_exits - 1)
    correct_last = policies.served(probs, last_exit).argmax(1) == sy
    last = policies.evaluate(select_logits, np.ones(select_logits.shape[:3]), sy, costs, 0.5)[f"exit {net.num_exits - 1}"]
    sweep, best = [], None
    for lam in (float(v) for v in args.sweep.split(",")):
        torch.manual_seed(args.seed)
        for g in net.gates:
            g.fc.reset_parameters()
        refit_gates(net, train_logits, ty[fit].numpy(), cum, lam, args.gate_steps, 1e-2, gen)
        _, gate_values = exit_outputs(net, sx, net.slots)
        auto = policies.evaluate(select_logits, gate_values, sy, costs, hp["gate_threshold"])["auto"]
        exits = policies.auto_exits(gate_values, hp["gate_threshold"])
        drop, se = paired_drop(correct_last, policies.served(probs, exits).argmax(1) == sy)
        ok = drop + args.margin_z * se <= args.max_drop
        sweep.append({"lambda": lam, **auto, "drop": drop, "drop_se": se, "accepted": bool(ok),
                      "state": {k: v.clone() for k, v in net.gates.state_dict().items()}})
        print(f"lambda {lam}: select acc {auto['accuracy']:.4f} (last exit {last['accuracy']:.4f}, drop {drop:.4f} "
              f"+- {se:.4f}) compute {auto['compute']:.3f} exits {[round(v, 3) for v in auto['exits']]}"
              f"{'' if ok else '  rejected'}", flush=True)
        if ok and (best is None or auto["compute"] < best["compute"]):
            best = sweep[-1]
    best = best or min(sweep, key=lambda r: r["lambda"])
    net.gates.load_state_dict(best["state"])
    hp["lambda"] = best["lambda"]
    history.append({"sweep": [{k: v for k, v in r.items() if k != "state"} for r in sweep], "chosen": best["lambda"],
                    "last_exit": last, "select_images": len(sy), "max_drop": args.max_drop, "margin_z": args.margin_z})
    print(f"chosen lambda {best['lambda']}: select acc {best['accuracy']:.4f} compute {best['compute']:.3f}", flush=True)
