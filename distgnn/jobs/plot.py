"""``plot.png``: loss and accuracy per epoch, drawn with matplotlib (Agg)."""
from __future__ import annotations

from typing import Dict, List

__all__ = ["plot_metrics"]


def plot_metrics(rows: List[Dict[str, float]], path: str, title: str = "") -> str:
    """Loss curves on the left, accuracy curves on the right; returns ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in rows]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, kind in ((ax_loss, "loss"), (ax_acc, "acc")):
        keys = sorted({k for r in rows for k in r if k.endswith(kind)})
        for key in keys:
            pts = [(r["epoch"], r[key]) for r in rows if key in r]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=key)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" if kind == "loss" else "accuracy")
        if keys:
            ax.legend()
        ax.grid(alpha=0.3)
    if epochs:
        ax_loss.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
