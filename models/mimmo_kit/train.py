"""Training: one recipe for every family (README.md, "The recipe"): MIMO batches (input and batch repetition),
pad-and-crop and flip augmentation, AdamW with weight decay, one cosine learning-rate schedule over the whole run,
the MIMMO depth-weighted loss, MIMONet's key regularization.

One line of progress per epoch; a checkpoint (weights, hyper-parameters, history, and the optimizer, schedule and
random-generator state) after every epoch. `--resume` continues a run exactly where its last epoch ended (the same
schedule, data order and augmentation), `--max-minutes` ends a session after the epoch that would otherwise
overrun it, so a run can span sessions; `--init` starts a new run (a fresh schedule) from another run's weights."""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data, nets
from .metrics import served_probs_same, served_probs_shifted

STOPPED = 3  # exit code of a run that the session cap stopped before its last epoch (resume it)
# The arguments that define a run: --resume refuses to continue a checkpoint written with other values.
RUN_KEYS = ("family", "epochs", "batch_size", "lr", "weight_decay", "slots", "channels", "width", "convs",
            "exit_width", "strided_first", "stem", "batch_repetition", "input_repetition", "alpha",
            "key_regularization", "augment", "pad", "flip", "seed", "subset", "max_batches", "monitor", "init",
            "precision")


def add_arguments(p, recipe_only=False):
    """train's arguments; recipe_only: those of the recipe and the trunk only (for pilot and estimate)."""
    if not recipe_only:
        p.add_argument("--family", required=True, choices=["mimmo", "mimonet", "single"])
        p.add_argument("--out", required=True, help="run directory: checkpoint.pt, history.json")
        p.add_argument("--resume", action="store_true", help="continue the run in --out if it has a checkpoint (a "
                       "finished run is left as it is); start it otherwise")
        p.add_argument("--init", help="start a new run from this checkpoint's weights (same family and sizes)")
        p.add_argument("--width", type=float, default=1.0,
                       help="multiplies --channels, --exit-width and --stem (the pilot compares widths)")
    add_loop_arguments(p)
    p.add_argument("--channels", default="48,96,192", help="channels of the trunk blocks at width 1")
    p.add_argument("--convs", type=int, default=1, help="convolutions per trunk block")
    p.add_argument("--exit-width", type=int, default=64)
    p.add_argument("--strided-first", action="store_true",
                   help="the first block halves the side with a strided convolution instead of a pool")
    p.add_argument("--stem", type=int, default=0, help="MIMONet: channels of the per-slot stem (key size) at width 1; "
                   "0: the first of --channels, the trunk then has the others (the same trunk as MIMMO's)")
    p.add_argument("--key-regularization", type=float, default=0.1,
                   help="MIMONet: weight of the keys' orthonormality penalty")
    p.add_argument("--subset", type=int, default=0, help="train on the first N images only (tests)")
    p.add_argument("--monitor", type=int, default=data.MONITOR, help="held-out images evaluated per epoch")
    p.add_argument("--data", default=None, help="Fashion-MNIST directory")


def add_loop_arguments(p):
    """The arguments that fit() reads (the recipe's MIMO rows, optimizer, schedule, augmentation and precision),
    shared by train and mimoize."""
    p.add_argument("--epochs", type=int, default=20, help="epochs of the run; the cosine schedule spans all of them")
    p.add_argument("--max-minutes", type=float, default=0, help="session cap; 0 = none. The session ends after the "
                   "last epoch that fits; --resume continues (the schedule does not depend on the cap)")
    p.add_argument("--batch-size", type=int, default=128, help="distinct images per step (before repetition)")
    p.add_argument("--lr", type=float, default=2e-3, help="AdamW's peak learning rate")
    p.add_argument("--weight-decay", type=float, default=0.0,
                   help="AdamW's decoupled weight decay on convolution and linear weights")
    p.add_argument("--slots", type=int, default=3)
    p.add_argument("--batch-repetition", type=int, default=2)
    p.add_argument("--input-repetition", type=float, default=0.5,
                   help="probability that a row puts one image in all slots")
    p.add_argument("--alpha", type=float, default=1.0, help="MIMMO: weight of KL(depth weights || uniform)")
    p.add_argument("--augment", action="store_true", help="pad-and-crop and horizontal flips")
    p.add_argument("--pad", type=int, default=2, help="pixels of padding of pad-and-crop")
    p.add_argument("--no-flip", dest="flip", action="store_false", help="augment without horizontal flips")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-batches", type=int, default=0, help="steps per epoch cap (tests)")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="bf16: the training forward pass under bfloat16 autocast (weights, optimizer and the loss stay "
                   "float32; evaluation and export are float32); 2.4-2.9x faster steps on CPUs with AVX-512 BF16")
    p.add_argument("--threads", type=int, default=2)


def scaled(value, width):
    return max(1, int(round(value * width)))


def hyper_parameters(args):
    slots = 1 if args.family == "single" else args.slots
    width = getattr(args, "width", 1.0)
    channels = [scaled(int(c), width) for c in args.channels.split(",")]
    stem = scaled(args.stem, width) if args.stem else channels[0]
    if args.family == "mimonet" and not args.stem:
        channels = channels[1:]
    hp = {"slots": slots, "classes": len(data.LABELS), "channels": channels,
          "convs": args.convs, "exit_width": scaled(args.exit_width, width), "width": width,
          "strided_first": args.strided_first, "stem": stem, "key_seed": 1234 + args.seed}
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


def batch(tx, ty, index, slots, repetition, rho, gen, args):
    """One step's rows: the batch's images (augmented once each, before repetition, as the MIMO reference
    augments its input pipeline) placed in slots by make_rows -> (x [R, M, *item_shape], y [R, M])."""
    images, labels = tx[index], ty[index]
    if images.dtype == torch.uint8:  # 8-bit images (mimoize's) stay bytes in memory: scaled to [0, 1] per step
        images = images.float() / 255
    if getattr(args, "augment", False):
        images = data.augment(images, gen, args.pad, args.flip)
    rows = make_rows(torch.arange(len(index)), slots, repetition, rho, gen)
    return images[rows], labels[rows]


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


def forward_of(net, x, args):
    """The training forward pass: float32 logits, computed under bfloat16 autocast with --precision bf16 (mixed
    precision: convolutions and matrix products in bfloat16, the parameters and their gradients in float32)."""
    if getattr(args, "precision", "fp32") == "bf16":
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = net(x)
        return logits.float()
    return net(x)


def loss_of(net, x, y, args):
    loss = mimmo_loss(forward_of(net, x, args), y, net, args.alpha)
    if isinstance(net, nets.MimoNet) and args.key_regularization:
        loss = loss + args.key_regularization * net.key_regularization()
    return loss


def optimizer(net, args):
    """AdamW; weight decay on convolution and linear weights only (not on biases, batch-norm parameters, MIMMO's
    depth logits theta or MIMONet's keys, which have their own regularization)."""
    decay, rest = [], []
    for name, p in net.named_parameters():
        if p.requires_grad:
            (decay if p.ndim > 1 and name not in ("theta", "keys") else rest).append(p)
    groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=args.lr)


def cosine(total_steps):
    """The learning-rate factor of step s: one cosine from 1 to 0 over the whole run."""
    return lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total_steps) / total_steps))


@torch.no_grad()
def monitor(net, images, labels, batch=500):
    """Accuracy and NLL of the served probability with every slot on one image (k = M) and with one image per
    slot (k = 1; for M = 1 both are the same)."""
    net.eval()
    w = net.exit_weights()
    m = net.slots
    correct = {"same": 0, "one": 0}
    nll = {"same": 0.0, "one": 0.0}
    for i in range(0, len(images), batch):
        x = images[i:i + batch]
        y = labels[i:i + batch]
        outs = {"same": served_probs_same(net(x[:, None].expand(-1, m, *x.shape[1:])), w)}
        if m > 1:
            shifted = torch.stack([torch.roll(x, -s, 0) for s in range(m)], dim=1)
            outs["one"] = served_probs_shifted(net(shifted), w)[:, 0]
        for key, probs in outs.items():
            correct[key] += (probs.argmax(-1) == y).sum().item()
            nll[key] -= torch.log(probs[torch.arange(len(y)), y].clamp(min=1e-12)).sum().item()
    net.train()
    n = len(images)
    if m == 1:
        correct["one"], nll["one"] = correct["same"], nll["same"]
    return {"acc_k_all": correct["same"] / n, "acc_k1": correct["one"] / n,
            "nll_k_all": nll["same"] / n, "nll_k1": nll["one"] / n}


def save(out, net, family, hp, args, history, train_state=None):
    path = os.path.join(out, "checkpoint.pt")
    torch.save({"family": family, "hp": hp, "state": net.state_dict(), "args": vars(args), "history": history,
                "train_state": train_state}, path + ".tmp")
    os.replace(path + ".tmp", path)
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)


def run_args(args, keys=RUN_KEYS):
    return {k: getattr(args, k, None) for k in keys}


def check_same_run(saved, args, directory, keys=RUN_KEYS):
    """--resume continues the run the checkpoint holds: every run-defining argument must be the same."""
    wanted = run_args(args, keys)
    diff = [f"{k}: checkpoint {saved.get(k)!r}, now {v!r}" for k, v in wanted.items() if saved.get(k) != v]
    if diff:
        raise SystemExit(f"{directory}: --resume of a different run ({'; '.join(diff)}); use another run directory")


def load_resume(args, directory, keys=RUN_KEYS):
    """The checkpoint in the run directory to continue, or None to start the run."""
    path = os.path.join(directory, "checkpoint.pt")
    if not (getattr(args, "resume", False) and os.path.exists(path)):
        return None
    ckpt = torch.load(path, map_location="cpu")
    if not ckpt.get("train_state"):
        raise SystemExit(f"{path} has no training state (it was written before --resume existed); use --init")
    check_same_run(ckpt["args"], args, directory, keys)
    return ckpt


def seed(args):
    """Threads and seeds of a run: initialisation, data order, augmentation and MIMO rows are deterministic."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)


def finished(resume, args, directory):
    """Whether the checkpoint to continue has run all of args.epochs (a finished run is left as it is)."""
    if resume and resume["train_state"]["epoch"] >= args.epochs:
        print(f"{directory}: finished ({resume['train_state']['epoch']} of {args.epochs} epochs); nothing to do",
              flush=True)
        return True
    return False


def train(args):
    """Runs (or continues) a training run; returns (network, finished)."""
    seed(args)
    os.makedirs(args.out, exist_ok=True)
    resume = load_resume(args, args.out)
    hp = hyper_parameters(args)
    net = nets.build(args.family, hp)
    history = []
    if resume:
        net.load_state_dict(resume["state"])
        history = list(resume["history"])
        if finished(resume, args, args.out):
            return net, True
    elif args.init:
        init = torch.load(args.init, map_location="cpu")
        net.load_state_dict(init["state"])
        history = list(init.get("history", []))
    (tx, ty), (mx, my) = data.train_and_monitor(args.data)
    if args.subset:
        tx, ty = tx[:args.subset], ty[:args.subset]
    monitor_set = torch.from_numpy(mx[:args.monitor]), torch.from_numpy(my[:args.monitor])
    return fit(net, args.family, hp, args, args.out, (torch.from_numpy(tx), torch.from_numpy(ty)), monitor_set,
               resume, history)


def fit(net, family, hp, args, directory, train_set, monitor_set, resume=None, history=()):
    """The epochs of a run, shared by train and mimoize: MIMO rows, the loss, AdamW and the cosine schedule, the
    monitor and a checkpoint (directory/checkpoint.pt) after every epoch, the session cap, resume from `resume`.
    train_set: (images [N, *item_shape], float32 or uint8 bytes of [0, 1], labels [N]) tensors; monitor_set: the
    same with float32 images. Returns (network, finished)."""
    gen = torch.Generator().manual_seed(args.seed)
    history = list(history)
    (tx, ty), (mx, my) = train_set, monitor_set
    slots = net.slots
    repetition = args.batch_repetition if slots > 1 else 1
    opt = optimizer(net, args)
    steps_per_epoch = math.ceil(len(tx) / args.batch_size)
    if args.max_batches:
        steps_per_epoch = min(steps_per_epoch, args.max_batches)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, cosine(steps_per_epoch * args.epochs))
    done, session = 0, 1
    if resume:
        state = resume["train_state"]
        opt.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        done, session = state["epoch"], state["session"] + 1
    budget = args.max_minutes * 60
    start = time.time()
    params = sum(p.numel() for p in net.parameters())
    print(f"{family}: {params} parameters, hp={json.dumps(hp)}, {len(tx)} training images, {steps_per_epoch} "
          f"steps per epoch, epochs {done + 1}..{args.epochs} (session {session})", flush=True)
    net.train()
    for epoch in range(done + 1, args.epochs + 1):
        t0, c0 = time.time(), time.process_time()
        order = torch.randperm(len(tx), generator=gen)
        total = 0.0
        for b in range(steps_per_epoch):
            x, y = batch(tx, ty, order[b * args.batch_size:(b + 1) * args.batch_size], slots, repetition,
                         args.input_repetition, gen, args)
            loss = loss_of(net, x, y, args)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            total += loss.item()
        seconds, cpu = time.time() - t0, time.process_time() - c0
        mon = monitor(net, mx, my)
        w = [[round(v, 3) for v in row] for row in net.exit_weights().tolist()]
        entry = {"epoch": epoch, "steps": steps_per_epoch, "loss": total / steps_per_epoch,
                 "monitor_acc_k_all": mon["acc_k_all"], "monitor_acc_k1": mon["acc_k1"],
                 "monitor_nll_k_all": mon["nll_k_all"], "monitor_nll_k1": mon["nll_k1"], "exit_weights": w,
                 "seconds": seconds, "cpu_seconds": cpu, "load_average": [round(v, 2) for v in os.getloadavg()],
                 "threads": args.threads, "session": session, "lr_end": opt.param_groups[0]["lr"]}
        history.append(entry)
        state = {"epoch": epoch, "session": session, "optimizer": opt.state_dict(), "schedule": schedule.state_dict(),
                 "generator": gen.get_state(), "torch_rng": torch.get_rng_state()}
        if epoch == args.epochs:
            # A finished run keeps its weights and history; what only resuming needs (the optimizer's moments, two
            # copies of the weights' size) is dropped, so that finished checkpoints are small enough to carry over.
            state = {"epoch": epoch, "session": session, "finished": True}
        save(directory, net, family, hp, args, history, state)
        print(f"epoch {epoch:3d}/{args.epochs}  loss {entry['loss']:.4f}  monitor acc k=M {mon['acc_k_all']:.4f} "
              f"k=1 {mon['acc_k1']:.4f}  nll k=M {mon['nll_k_all']:.4f} k=1 {mon['nll_k1']:.4f}  "
              f"lr {entry['lr_end']:.2e}  wall {seconds:.0f}s  cpu {cpu:.0f}s  load {entry['load_average']}  w={w}",
              flush=True)
        elapsed = time.time() - start
        if budget and epoch < args.epochs and elapsed + elapsed / (epoch - done) > budget:
            print(f"stopping after epoch {epoch} of {args.epochs}: the next would pass the {args.max_minutes} min "
                  f"session cap; --resume continues", flush=True)
            return net, False
    return net, True


def run(args):
    _, complete = train(args)
    return 0 if complete else STOPPED
