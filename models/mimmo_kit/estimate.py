"""Estimate the full training's time from a few measured training steps: for each family of train_all.sh at the
given width (the recipe's arguments), times --batches steps (after one untimed step) and multiplies by the steps
of the chain: the single network and each deep-ensemble member (--members), MIMMO, MIMONet, and the JEI-DNN
gates (warm-up and joint epochs on the frozen MIMMO trunk). Wall seconds depend on the load; the load average is
printed with them."""
import argparse
import math
import os

import torch

from . import cost, data, gates, nets, policies, staged, train


def add_arguments(p):
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--batches", type=int, default=3, help="timed steps per family")
    p.add_argument("--members", type=int, default=3, help="single networks trained (the deep ensemble's members)")
    p.add_argument("--gate-epochs", type=int, default=3, help="warm-up plus joint epochs of the gates")
    p.add_argument("--train-images", type=int, default=60000 - data.MONITOR)
    train.add_arguments(p, recipe_only=True)


def rows_of(args, family, gen):
    ns = argparse.Namespace(**vars(args))
    ns.family = family
    hp = train.hyper_parameters(ns)
    net = nets.build(family, hp)
    slots = hp["slots"]
    repetition = args.batch_repetition if slots > 1 else 1
    images = torch.rand(args.batch_size, *data.ITEM_SHAPE)
    labels = torch.randint(0, 10, (args.batch_size,))
    return ns, hp, net, lambda: train.batch(images, labels, torch.arange(args.batch_size), slots, repetition,
                                            args.input_repetition, gen, ns)


def measure(args, family, gen):
    ns, hp, net, make = rows_of(args, family, gen)
    opt = train.optimizer(net, ns)
    net.train()

    def step():
        x, y = make()
        loss = train.loss_of(net, x, y, ns)
        opt.zero_grad()
        loss.backward()
        opt.step()

    wall, cpu = cost.seconds_per_step(step, args.batches)
    return net, wall, cpu


def measure_gates(args, mimmo, gen):
    costs, _ = staged.stage_costs(mimmo)
    net = staged.StagedNet(mimmo, costs)
    net.mimmo.blocks.requires_grad_(False)
    net.mimmo.exits[-1].requires_grad_(False)
    cum = torch.tensor(policies.cumulative(costs), dtype=torch.float32)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
    _, _, _, make = rows_of(args, "mimmo", gen)

    def step():
        x, y = make()
        heads, g = gates.step_losses(net, x, y, cum, 0.1)
        opt.zero_grad()
        (heads + g).backward()
        opt.step()

    return cost.seconds_per_step(step, args.batches)


def run(args):
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    steps = math.ceil(args.train_images / args.batch_size)
    plan = {"single": args.members, "mimmo": 1, "mimonet": 1}
    lines = [f"width {args.width}, {args.batches} timed steps each, {args.threads} threads, batch {args.batch_size} "
             f"images (x{args.batch_repetition} rows for M > 1), {steps} steps per epoch, {args.epochs} epochs; "
             f"load average at the start {[round(v, 2) for v in os.getloadavg()]}", "",
             "| run | parameters | MACs per row | s / step | CPU s / step | runs x epochs | CPU hours |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    total = 0.0
    mimmo = None
    for family, count in plan.items():
        net, wall, cpu = measure(args, family, gen)
        if family == "mimmo":
            mimmo = net
        hours = cpu * steps * args.epochs * count / 3600
        total += hours
        lines.append(f"| {family} | {cost.parameters(net)} | {cost.macs_per_row(net) / 1e6:.1f} M | {wall:.3f} | "
                     f"{cpu:.3f} | {count} x {args.epochs} | {hours:.2f} |")
    wall, cpu = measure_gates(args, mimmo, gen)
    hours = cpu * steps * args.gate_epochs / 3600
    total += hours
    lines.append(f"| gates (JEI-DNN) | - | - | {wall:.3f} | {cpu:.3f} | 1 x {args.gate_epochs} | {hours:.2f} |")
    lines += ["", f"Training steps alone: {total:.1f} CPU hours, {total / 2:.1f} hours of wall time on two cores given to "
              f"the training alone if a step costs there the CPU time measured here (under load it costs more); "
              f"per-epoch monitoring, the pilot, evaluation and export come on top."]
    print("\n".join(lines), flush=True)
    return 0
