"""The served probability (CONTRACT.md, serving semantics) and the evaluation metrics."""
import numpy as np
import torch


def served_probs_same(logits, w):
    """Every slot holds the same input: p = (1/M) sum_s sum_e w[e][s] softmax(logits[:, e, s]). -> [B, K]"""
    return (torch.softmax(logits, -1) * w[None, :, :, None]).sum(1).mean(1)


def served_probs_shifted(logits, w):
    """Member probability per slot: sum_e w[e][s] softmax(logits[:, e, s]). -> [B, M, K]"""
    return (torch.softmax(logits, -1) * w[None, :, :, None]).sum(1)


def scores(probs, labels, bins=15):
    """Accuracy, NLL, ECE (equal-width confidence bins), Brier score (sum over classes, mean over inputs)."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels)
    n = len(labels)
    conf = probs.max(1)
    pred = probs.argmax(1)
    hit = (pred == labels).astype(np.float64)
    nll = -np.log(np.clip(probs[np.arange(n), labels], 1e-12, None)).mean()
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), labels] = 1
    brier = ((probs - onehot) ** 2).sum(1).mean()
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs(hit[inside].mean() - conf[inside].mean())
    return {"accuracy": float(hit.mean()), "nll": float(nll), "ece": float(ece), "brier": float(brier)}


def reliability(probs, labels, bins=15):
    """Per bin: (mean confidence, accuracy, count)."""
    probs = np.asarray(probs)
    conf = probs.max(1)
    hit = probs.argmax(1) == np.asarray(labels)
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        rows.append((float(conf[inside].mean()) if inside.any() else None,
                     float(hit[inside].mean()) if inside.any() else None, int(inside.sum())))
    return rows
