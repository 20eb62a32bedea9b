"""The report's figures, drawn with matplotlib (Agg, no display)."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def draw(results, curves, directory):
    return [reliability_diagram(curves, directory), accuracy_per_pass(results, directory)]


def reliability_diagram(curves, directory):
    keys = list(curves)
    cols = 3
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 4 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        bins = curves[key]
        width = 1 / len(bins)
        centres = [(i + 0.5) * width for i in range(len(bins))]
        acc = [b[1] if b[1] is not None else 0 for b in bins]
        conf = [b[0] if b[0] is not None else c for b, c in zip(bins, centres)]
        ax.bar(centres, acc, width=width, edgecolor="black", label="accuracy")
        ax.bar(centres, [c - a if b[2] else 0 for c, a, b in zip(conf, acc, bins)], bottom=acc, width=width,
               color="red", alpha=0.3, label="gap to confidence")
        ax.plot([0, 1], [0, 1], "k--", linewidth=1)
        ax.set_title(f"{key[0]} ({key[1]})")
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    axes.flat[0].legend(loc="upper left")
    fig.tight_layout()
    path = os.path.join(directory, "reliability.png")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def accuracy_per_pass(results, directory):
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in results.items():
        points = sorted((s["inputs_per_pass"], s["accuracy"]) for s in r["scenarios"].values())
        xs, ys = zip(*points)
        ax.plot(xs, ys, marker="o", label=name)
    ax.set_xlabel("distinct inputs per forward pass")
    ax.set_ylabel("test accuracy")
    ax.set_xticks([1, 2, 3])
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title("Accuracy versus inputs per pass (Fashion-MNIST test)")
    fig.tight_layout()
    path = os.path.join(directory, "accuracy_per_pass.png")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
