"""A precision-recall curve per label, as a PNG."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402


def precision_recall_png(path: Path, truth: list[set[str]], scored) -> None:
    labels = sorted(
        {label for s in scored for label in s.scores} | {label for t in truth for label in t}
    )
    figure, axes = plt.subplots(figsize=(6, 4.5), dpi=100)
    for label in labels:
        y = np.array([label in t for t in truth])
        if not y.any() or y.all():
            continue
        scores = np.array([s.scores.get(label, 0.0) for s in scored])
        precision, recall, _ = precision_recall_curve(y, scores)
        axes.plot(recall, precision, label=f"{label} (n={int(y.sum())})")
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left")
    axes.set_title("carepost moderation: precision-recall")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
