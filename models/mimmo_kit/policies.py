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


def coverage(probs, exits, labels, thresholds):
    """The conformal sets' share holding the true class and their mean size."""
    sets = conformal_sets(probs, exits, thresholds)
    return {"coverage": float(sets[np.arange(len(labels)), labels].mean()), "set_size": float(sets.sum(1).mean())}


def evaluate(logits, gates, labels, costs, threshold, confidences=(0.7, 0.8, 0.9, 0.99), conformal=None):
    """Rows with one input in every slot (k = M). Returns {policy: scores + mean compute + exit shares}, and the
    conformal sets' coverage and size with conformal thresholds per exit."""
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
        if conformal:
            row.update(coverage(probs, exits, labels, conformal))
        out[name] = row
    return out


def evaluate_one_per_slot(logits, gates, labels, costs, threshold, conformal=None):
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
    if conformal:
        row.update(coverage(probs[:, :, 0], exits, labels, conformal))
        full.update(coverage(probs[:, :, 0], np.full(len(labels), logits.shape[1] - 1), labels, conformal))
    return {"auto": row, "full": full}


def conformal_thresholds(probs, labels, alpha):
    """Split conformal per exit (as JEI-DNN calibrates each exit): probs [N, E, K] of calibration inputs ->
    q_e, the ceil((N + 1)(1 - alpha)) / N empirical quantile of the score 1 - p_e[label]. The set of an
    input answered at exit e is {c : 1 - p_e[c] <= q_e}; it holds the true class with probability >= 1 - alpha."""
    n = len(labels)
    scores_ = 1 - probs[np.arange(n), :, labels]  # [N, E]
    level = min(1.0, np.ceil((n + 1) * (1 - alpha)) / n)
    return [float(np.quantile(scores_[:, e], level, method="higher")) for e in range(probs.shape[1])]


def quantile_threshold(scores_, alpha):
    """The split-conformal threshold of calibration scores: their ceil((n + 1)(1 - alpha)) / n empirical quantile;
    1 (every class in the set) when n is too small for that level."""
    n = len(scores_)
    level = np.ceil((n + 1) * (1 - alpha)) / n if n else 2.0
    return 1.0 if level > 1 else float(np.quantile(scores_, level, method="higher"))


def exit_thresholds(probs, exits, labels, alpha, minimum):
    """Split conformal per exit on the inputs that leave there (JEI-DNN): probs [N, E, K] of calibration inputs,
    exits [N] the exit each takes. Exit e's threshold comes from the scores 1 - p_e[label] of the inputs with
    exits == e, so that the set of an input answered at e covers its class with probability >= 1 - alpha given
    that it left at e; with fewer than `minimum` such inputs, from all calibration inputs at exit e (pooled).
    Returns (thresholds [E], inputs per exit [E], pooled [E] booleans)."""
    n = len(labels)
    scores_ = 1 - probs[np.arange(n), :, labels]  # [N, E]
    thresholds, counts, pooled = [], [], []
    for e in range(probs.shape[1]):
        mine = exits == e
        counts.append(int(mine.sum()))
        pooled.append(bool(mine.sum() < minimum))
        thresholds.append(quantile_threshold(scores_[:, e] if pooled[-1] else scores_[mine, e], alpha))
    return thresholds, counts, pooled


def conformal_sets(probs, exits, thresholds):
    """probs [N, E, K], exits [N] -> boolean sets [N, K] at each input's exit."""
    answered = served(probs, exits)
    return 1 - answered <= np.asarray(thresholds)[exits][:, None]
