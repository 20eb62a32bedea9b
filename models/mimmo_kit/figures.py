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
        filled = [((i + 0.5) * width, conf, acc) for i, (conf, acc, count) in enumerate(bins) if count]
        centres = [c for c, _, _ in filled]
        ax.bar(centres, [a for _, _, a in filled], width=width, edgecolor="black", label="accuracy")
        ax.bar(centres, [abs(c - a) for _, c, a in filled], bottom=[min(c, a) for _, c, a in filled],
               width=width, color="red", alpha=0.35, label="gap to mean confidence")
        ax.plot([0, 1], [0, 1], "k--", linewidth=1)
        ax.set_title(f"{key[0]} ({key[1]})", fontsize=10)
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
