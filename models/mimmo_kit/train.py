"""Training: MIMO batches (input and batch repetition), the MIMMO depth-weighted loss, a wall-clock cap.

One line of progress per epoch; a checkpoint (weights, hyper-parameters, history) after every epoch, so a run
stopped by its time cap or by hand still leaves a usable model."""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data, nets
from .metrics import served_probs_same, served_probs_shifted


def add_arguments(p):
    p.add_argument("--family", required=True, choices=["mimmo", "mimonet", "single"])
    p.add_argument("--out", required=True, help="run directory: checkpoint.pt, history.json")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--max-minutes", type=float, default=0, help="wall-clock cap; 0 = none. The cosine "
                   "schedule follows whichever of epochs and minutes runs out first")
    p.add_argument("--batch-size", type=int, default=128, help="distinct images per step (before repetition)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--slots", type=int, default=3)
    p.add_argument("--channels", default="48,96,192")
    p.add_argument("--convs", type=int, default=1, help="convolutions per trunk block")
    p.add_argument("--exit-width", type=int, default=64)
    p.add_argument("--strided-first", action="store_true",
                   help="the first block halves the side with a strided convolution instead of a pool")
    p.add_argument("--stem", type=int, default=64, help="MIMONet: channels of the per-slot stem (key size)")
    p.add_argument("--batch-repetition", type=int, default=2)
    p.add_argument("--input-repetition", type=float, default=0.5,
                   help="probability that a row puts one image in all slots")
    p.add_argument("--alpha", type=float, default=1.0, help="MIMMO: weight of KL(depth weights || uniform)")
    p.add_argument("--init", help="start from this checkpoint's weights (same family and sizes)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subset", type=int, default=0, help="train on the first N images only (tests)")
    p.add_argument("--max-batches", type=int, default=0, help="steps per epoch cap (tests)")
    p.add_argument("--monitor", type=int, default=data.MONITOR, help="held-out images evaluated per epoch")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default=None, help="Fashion-MNIST directory")


def hyper_parameters(args):
    slots = 1 if args.family == "single" else args.slots
    hp = {"slots": slots, "classes": len(data.LABELS), "channels": [int(c) for c in args.channels.split(",")],
          "convs": args.convs, "exit_width": args.exit_width,
          "strided_first": args.strided_first, "stem": args.stem, "key_seed": 1234 + args.seed}
    return hp


def make_rows(index, slots, repetition, rho, gen):
    """MIMO batch construction: the batch's image indices are repeated `repetition` times, each slot takes its
    own permutation of them, and with probability rho a row shows slot 0's image in every slot."""
    base = index.repeat(repetition)
    rows = torch.stack([base[torch.randperm(len(base), generator=gen)] for _ in range(slots)], dim=1)
    if slots > 1 and rho > 0:
        same = torch.rand(len(base), generator=gen) < rho
        rows[same] = rows[same, :1]
    return rows


def mimmo_loss(logits, targets, net, alpha):
    """Ferianc & Rodrigues (2023), as in yamle's MIMMOMethod: sum over exits e and members m of
    w[e, m] * mean cross-entropy, w = softmax over e of theta, plus alpha * KL(w || uniform over exits)."""
    e_count, m_count = logits.shape[1], logits.shape[2]
    ce = F.cross_entropy(logits.permute(0, 3, 1, 2), targets[:, None, :].expand(-1, e_count, -1),
                         reduction="none").mean(0)
    if e_count == 1:
        return ce.sum()
    w = net.exit_weights()
    kl = (w * torch.log(w * e_count + 1e-12)).sum()
    return (w * ce).sum() + alpha * kl


@torch.no_grad()
def monitor(net, images, labels, batch=500):
    """Accuracy of the served probability with every slot on one image (k = M) and with one image per slot."""
    net.eval()
    w = net.exit_weights()
    correct_same = correct_one = 0
    for i in range(0, len(images), batch):
        x = images[i:i + batch]
        y = labels[i:i + batch]
        m = net.slots
        same = net(x[:, None].expand(-1, m, -1, -1, -1))
        correct_same += (served_probs_same(same, w).argmax(-1) == y).sum().item()
        if m > 1:
            shifted = torch.stack([torch.roll(x, -s, 0) for s in range(m)], dim=1)
            probs = served_probs_shifted(net(shifted), w)[:, 0]
            correct_one += (probs.argmax(-1) == y).sum().item()
    net.train()
    n = len(images)
    return correct_same / n, (correct_one / n if net.slots > 1 else correct_same / n)


def save(out, net, family, hp, args, history):
    path = os.path.join(out, "checkpoint.pt")
    torch.save({"family": family, "hp": hp, "state": net.state_dict(), "args": vars(args), "history": history},
               path + ".tmp")
    os.replace(path + ".tmp", path)
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)


def run(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    (tx, ty), (mx, my) = data.train_and_monitor(args.data)
    if args.subset:
        tx, ty = tx[:args.subset], ty[:args.subset]
    tx, ty = torch.from_numpy(tx), torch.from_numpy(ty)
    mx, my = torch.from_numpy(mx[:args.monitor]), torch.from_numpy(my[:args.monitor])
    hp = hyper_parameters(args)
    net = nets.build(args.family, hp)
    history = []
    if args.init:
        init = torch.load(args.init, map_location="cpu")
        net.load_state_dict(init["state"])
        history = list(init.get("history", []))
    slots = hp["slots"]
    repetition = args.batch_repetition if slots > 1 else 1
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=args.lr,
                           weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(tx) / args.batch_size)
    if args.max_batches:
        steps_per_epoch = min(steps_per_epoch, args.max_batches)
    total_steps = steps_per_epoch * args.epochs
    budget = args.max_minutes * 60
    start = time.time()
    first = len(history)
    step = 0
    print(f"{args.family}: {sum(p.numel() for p in net.parameters())} parameters, hp={json.dumps(hp)}, "
          f"{len(tx)} training images, {steps_per_epoch} steps per epoch", flush=True)
    for epoch in range(first + 1, first + args.epochs + 1):
        t0 = time.time()
        order = torch.randperm(len(tx), generator=gen)
        total = 0.0
        steps = 0
        for b in range(steps_per_epoch):
            progress = step / total_steps
            if budget:
                progress = max(progress, (time.time() - start) / budget)
                if progress >= 1.0 and steps:
                    break  # the cap ends the run mid-epoch: the schedule has already reached zero
            for g in opt.param_groups:
                g["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
            rows = make_rows(order[b * args.batch_size:(b + 1) * args.batch_size], slots, repetition,
                             args.input_repetition, gen)
            loss = mimmo_loss(net(tx[rows]), ty[rows], net, args.alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            step += 1
            steps += 1
        acc_same, acc_one = monitor(net, mx, my)
        w = [[round(v, 3) for v in row] for row in net.exit_weights().tolist()]
        entry = {"epoch": epoch, "steps": steps, "loss": total / steps, "monitor_acc_k_all": acc_same,
                 "monitor_acc_k1": acc_one, "exit_weights": w, "seconds": time.time() - t0,
                 "lr_end": opt.param_groups[0]["lr"]}
        history.append(entry)
        save(args.out, net, args.family, hp, args, history)
        print(f"epoch {epoch:3d}  loss {entry['loss']:.4f}  monitor acc k=M {acc_same:.4f}  k=1 {acc_one:.4f}  "
              f"lr {entry['lr_end']:.2e}  {entry['seconds']:.0f}s  w={w}", flush=True)
        if budget and time.time() - start >= budget:
            print(f"stopping: the {args.max_minutes} min cap is reached", flush=True)
            break
    return net
