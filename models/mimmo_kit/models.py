"""The bundled models' sources: `NAME=CHECKPOINT` arguments of evaluate and reference."""
import numpy as np
import torch

from . import checkpoints


def parse(specs):
    """['fashion-mimmo=runs/mimmo/checkpoint.pt', ...] -> [(name, family, net, checkpoint), ...]"""
    out = []
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            raise SystemExit(f"expected NAME=CHECKPOINT, got {spec!r}")
        family, net, ckpt = checkpoints.load(path)
        out.append((name, family, net, ckpt))
    return out


@torch.no_grad()
def logits(net, rows, batch=500):
    """Runs the network over rows [N, M, 1, 28, 28] (numpy) in batches; returns float32 [N, E, M, K]."""
    net.eval()
    parts = [net(torch.from_numpy(np.ascontiguousarray(rows[i:i + batch]))).numpy()
             for i in range(0, len(rows), batch)]
    return np.concatenate(parts).astype(np.float32)


def same_layout(images, slots):
    """Row i holds image i in every slot."""
    return np.repeat(images[:, None], slots, axis=1)


def shifted_layout(images, slots):
    """Row i holds image (i + s) mod N in slot s."""
    return np.stack([np.roll(images, -s, axis=0) for s in range(slots)], axis=1)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def member_probs(logits_, weights):
    """sum_e w[e][s] softmax(logits[:, e, s]) -> [N, M, K] (float64)."""
    return (softmax(logits_.astype(np.float64)) * np.asarray(weights)[None, :, :, None]).sum(1)


def weights(net):
    return net.exit_weights().detach().double().numpy()
