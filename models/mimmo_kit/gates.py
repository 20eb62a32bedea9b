"""Train a staged early-exit model (JEI-DNN) from a trained MIMMO checkpoint: the trunk and the last exit stay
frozen, the intermediate exit heads and the gates are trained jointly with the accuracy and cost trade-off.

As in JEI-DNN, the gates define for each input a distribution over exits, q_e = g_e prod_{j<e} (1 - g_j); the
objective is the expected loss plus lambda times the expected compute, sum_e q_e (CE_e + lambda C_e), C_e the
cumulative compute share up to exit e. The gates learn it through its per-input minimiser: the exit e* that
minimises CE_e + lambda C_e is the target of a logistic loss on g_0..g_{e*} (stay before e*, leave at e*). The
exit heads are trained on sum_e (1/(2E) + q_e / 2) CE_e: every head keeps learning, and each is weighted more on
the inputs that will leave through it. Afterwards the gates alone are refitted for a list of lambdas on the
exits' cached outputs, and the lambda kept is the cheapest whose held-out accuracy is within --max-drop of the
last exit's."""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data, policies, staged
from .models import softmax
from .train import make_rows


def add_arguments(p):
    p.add_argument("--init", required=True, help="a trained MIMMO checkpoint.pt")
    p.add_argument("--out", required=True, help="run directory: checkpoint.pt, history.json")
    p.add_argument("--epochs", type=int, default=2, help="joint epochs of exit heads and gates")
    p.add_argument("--lam", type=float, default=0.1, help="lambda of the joint epochs")
    p.add_argument("--sweep", default="0.01,0.02,0.05,0.1,0.2,0.3,0.4,0.6", help="lambdas the gates are refitted for")
    p.add_argument("--max-drop", type=float, default=0.002, help="held-out accuracy the gates may lose")
    p.add_argument("--gate-steps", type=int, default=600, help="steps of each refit of the gates")
    p.add_argument("--alpha", type=float, default=0.1, help="conformal sets miss the true class at most this often")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--batch-repetition", type=int, default=2)
    p.add_argument("--input-repetition", type=float, default=0.5)
    p.add_argument("--subset", type=int, default=0, help="train on the first N images only (tests)")
    p.add_argument("--max-batches", type=int, default=0, help="steps per epoch cap (tests)")
    p.add_argument("--monitor", type=int, default=data.MONITOR, help="held-out images for the choice of lambda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default=None, help="Fashion-MNIST directory")


def oracle_exits(ce, cumulative_costs, lam):
    """ce [..., E] -> the exit minimising CE_e + lambda C_e."""
    return (ce + lam * cumulative_costs).argmin(-1)


def gate_loss(gate_probs, target):
    """gate_probs [..., E-1], target [...] in 0..E-1: logistic loss of 'stay' before the target, 'leave' at it."""
    e = torch.arange(gate_probs.shape[-1])
    wanted = (e == target[..., None]).float()
    mask = (e <= target[..., None]).float()
    bce = F.binary_cross_entropy(gate_probs.clamp(1e-6, 1 - 1e-6), wanted, reduction="none")
    return (bce * mask).sum() / mask.sum().clamp(min=1)


def exit_distribution(gate_probs):
    """gate_probs [..., E-1] -> q [..., E]: q_e = g_e prod_{j<e} (1 - g_j), the last exit takes the rest."""
    stay = torch.cumprod(1 - gate_probs, -1)
    reach = torch.cat([torch.ones_like(stay[..., :1]), stay], -1)
    leave = torch.cat([gate_probs, torch.ones_like(gate_probs[..., :1])], -1)
    return reach * leave


def step_losses(net, x, y, cum, lam):
    """x [N, M, 1, 28, 28], y [N, M]; the trunk runs without gradients."""
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
    q = exit_distribution(gate_probs)
    e_count = logits.shape[2]
    heads = (ce * (0.5 / e_count + 0.5 * q.detach())).sum(-1).mean()
    gates = gate_loss(gate_probs, oracle_exits(ce.detach(), cum, lam))
    return heads, gates


@torch.no_grad()
def exit_outputs(net, images, slots, batch=500):
    """Rows with the image in every slot -> (logits [N, E, M, K], gates [N, E, M]) as numpy."""
    net.eval()
    parts = [net.staged(images[i:i + batch, None].expand(-1, slots, -1, -1, -1)) for i in range(0, len(images), batch)]
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


def save(out, net, hp, args, history):
    path = os.path.join(out, "checkpoint.pt")
    torch.save({"family": "jeidnn", "hp": hp, "state": net.state_dict(), "args": vars(args), "history": history},
               path + ".tmp")
    os.replace(path + ".tmp", path)
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)


def run(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
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
    (tx, ty), (mx, my) = data.train_and_monitor(args.data)
    if args.subset:
        tx, ty = tx[:args.subset], ty[:args.subset]
    tx, ty = torch.from_numpy(tx), torch.from_numpy(ty)
    mx, my = torch.from_numpy(mx[:args.monitor]), my[:args.monitor]
    # As in JEI-DNN, the backbone (trunk and final classifier) stays as trained; the intermediate exits and gates learn.
    frozen = [net.mimmo.blocks, net.mimmo.exits[-1]]
    for module in frozen:
        module.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=args.lr)
    steps = math.ceil(len(tx) / args.batch_size)
    if args.max_batches:
        steps = min(steps, args.max_batches)
    history = []
    total_steps, step = steps * args.epochs, 0
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        net.train()
        for module in frozen:
            module.eval()  # its batch-norm statistics stay as trained
        order = torch.randperm(len(tx), generator=gen)
        sums = [0.0, 0.0]
        for b in range(steps):
            for g in opt.param_groups:
                g["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * step / total_steps))
            rows = make_rows(order[b * args.batch_size:(b + 1) * args.batch_size], net.slots, args.batch_repetition,
                             args.input_repetition, gen)
            heads, gates = step_losses(net, tx[rows], ty[rows], cum, args.lam)
            opt.zero_grad()
            (heads + gates).backward()
            opt.step()
            sums[0] += heads.item()
            sums[1] += gates.item()
            step += 1
        logits, gate_values = exit_outputs(net, mx, net.slots)
        table = policies.evaluate(logits, gate_values, my, costs, hp["gate_threshold"])
        entry = {"epoch": epoch, "head_loss": sums[0] / steps, "gate_loss": sums[1] / steps, "lambda": args.lam,
                 "monitor": {k: table[k] for k in ("auto", f"exit {net.num_exits - 1}")}, "seconds": time.time() - t0}
        history.append(entry)
        save(args.out, net, hp, args, history)
        print(f"epoch {epoch}  heads {entry['head_loss']:.4f}  gates {entry['gate_loss']:.4f}  monitor: "
              + "  ".join(f"{k} acc {v['accuracy']:.4f} compute {v['compute']:.3f}" for k, v in entry["monitor"].items())
              + f"  {entry['seconds']:.0f}s", flush=True)
    choose_lambda(args, net, hp, costs, cum, tx, ty, mx, my, gen, history)
    hp["conformal"] = calibrate(net, mx, my, args.alpha)
    print(f"conformal thresholds (alpha {args.alpha}): {hp['conformal']['thresholds']}", flush=True)
    save(args.out, net, hp, args, history)
    return net


def calibrate(net, images, labels, alpha):
    """Split-conformal thresholds per exit and per ensemble size, on held-out images the gates were not fitted on:
    k = M from rows with the image in every slot, k = 1 from slot 0 of rows of three different images."""
    thresholds = {}
    logits, _ = exit_outputs(net, images, net.slots)
    thresholds[str(net.slots)] = policies.conformal_thresholds(policies.exit_probs(logits), labels, alpha)
    rows = torch.stack([torch.roll(images, -s, 0) for s in range(net.slots)], dim=1)
    with torch.no_grad():
        shifted = torch.cat([net.staged(rows[i:i + 500])[0] for i in range(0, len(rows), 500)]).numpy()
    one = softmax(shifted[:, :, 0].astype(np.float64))  # [N, E, K]: slot 0 holds image i
    thresholds["1"] = policies.conformal_thresholds(one, labels, alpha)
    return {"alpha": alpha, "thresholds": thresholds}


def choose_lambda(args, net, hp, costs, cum, tx, ty, mx, my, gen, history):
    """Refits the gates for each lambda of the sweep; keeps the cheapest within --max-drop on held-out images."""
    fit = torch.randperm(len(tx), generator=gen)[:min(len(tx), 20000)]
    train_logits, _ = exit_outputs(net, tx[fit], net.slots)
    monitor_logits, _ = exit_outputs(net, mx, net.slots)
    last = policies.evaluate(monitor_logits, np.ones(monitor_logits.shape[:3]), my, costs, 0.5)[f"exit {net.num_exits - 1}"]
    sweep, best = [], None
    for lam in (float(v) for v in args.sweep.split(",")):
        torch.manual_seed(args.seed)
        for g in net.gates:
            g.fc.reset_parameters()
        refit_gates(net, train_logits, ty[fit].numpy(), cum, lam, args.gate_steps, 1e-2, gen)
        _, gate_values = exit_outputs(net, mx, net.slots)
        auto = policies.evaluate(monitor_logits, gate_values, my, costs, hp["gate_threshold"])["auto"]
        sweep.append({"lambda": lam, **auto, "state": {k: v.clone() for k, v in net.gates.state_dict().items()}})
        print(f"lambda {lam}: monitor acc {auto['accuracy']:.4f} (last exit {last['accuracy']:.4f}) "
              f"compute {auto['compute']:.3f} exits {[round(v, 3) for v in auto['exits']]}", flush=True)
        if auto["accuracy"] >= last["accuracy"] - args.max_drop and (best is None or auto["compute"] < best["compute"]):
            best = sweep[-1]
    best = best or min(sweep, key=lambda r: r["lambda"])
    net.gates.load_state_dict(best["state"])
    hp["lambda"] = best["lambda"]
    history.append({"sweep": [{k: v for k, v in r.items() if k != "state"} for r in sweep], "chosen": best["lambda"],
                    "last_exit": last})
    print(f"chosen lambda {best['lambda']}: monitor acc {best['accuracy']:.4f} compute {best['compute']:.3f}", flush=True)
