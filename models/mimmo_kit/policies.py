"""Where an input leaves a staged model (CONTRACT.md, "Serving a staged model"), in numpy: the gated policy
`auto`, a confidence threshold, a fixed exit; and their scores with the mean compute per input."""
import numpy as np

from .metrics import scores
from .models import softmax


def exit_probs(logits, axis_slots=2):
    """logits [N, E, M, K] of rows that hold one input in every slot -> p_e [N, E, K], the mean over slots."""
    return softmax(logits.astype(np.float64)).mean(axis_slots)


def first_true(stop):
    """stop [N, E] booleans -> the first e where stop holds, E - 1 where it never does."""
    stop = stop.copy()
    stop[:, -1] = True
    return stop.argmax(1)


def auto_exits(gates, threshold):
    """gates [N, E, S'] of one input's member slots -> its exit under `auto`: the mean gate reaches the threshold."""
    return first_true(gates.mean(2) >= threshold)


def confidence_exits(probs, t):
    """probs [N, E, K] -> the first exit whose top probability reaches t."""
    return first_true(probs.max(2) >= t)


def served(probs, exits):
    """probs [N, E, K], exits [N] -> the answer of each input at its exit, [N, K]."""
    return probs[np.arange(len(exits)), exits]


def cumulative(costs):
    return np.cumsum(np.asarray(costs, dtype=np.float64))


def evaluate(logits, gates, labels, costs, threshold, confidences=(0.9, 0.99)):
    """Rows with one input in every slot (k = M). Returns {policy: scores + mean compute + exit shares}."""
    probs = exit_probs(logits)
    exits_count = logits.shape[1]
    policies = {f"exit {e}": np.full(len(labels), e) for e in range(exits_count)}
    policies["auto"] = auto_exits(gates, threshold)
    for t in confidences:
        policies[f"confidence >= {t}"] = confidence_exits(probs, t)
    cum = cumulative(costs)
    out = {}
    for name, exits in policies.items():
        row = scores(served(probs, exits), labels)
        row["compute"] = float(cum[exits].mean())
        row["exits"] = [float((exits == e).mean()) for e in range(exits_count)]
        out[name] = row
    return out


def evaluate_one_per_slot(logits, gates, labels, costs, threshold):
    """Rows of M different inputs (k = 1, the shifted layout: input i in slot 0 of row i). Each input stops at
    its own slot's gate; a row runs until its last input stops, so the compute a row costs is reported too."""
    probs = softmax(logits.astype(np.float64))  # [N, E, M, K]
    slot_exits = np.stack([auto_exits(gates[:, :, s:s + 1], threshold) for s in range(logits.shape[2])], 1)
    exits = slot_exits[:, 0]
    cum = cumulative(costs)
    row = scores(probs[np.arange(len(exits)), exits, 0], labels)
    row["compute"] = float(cum[exits].mean())
    row["row_compute"] = float(cum[slot_exits.max(1)].mean())
    row["exits"] = [float((exits == e).mean()) for e in range(logits.shape[1])]
    full = scores(probs[:, -1, 0], labels)
    full["compute"] = full["row_compute"] = 1.0
    return {"auto": row, "full": full}
