"""The report's two figures, drawn with matplotlib's file-only backend (no display on servers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402


def plot_metrics(
    test_metrics: Mapping[str, Mapping[str, float]],
    metric_names: Sequence[str],
    intervals: Mapping[str, Mapping[str, tuple[float, float]]],
    path: Path,
) -> None:
    """Grouped bars: one group per metric, one bar per model, bootstrap intervals where known."""
    models = list(test_metrics)
    width = 0.8 / max(len(models), 1)
    positions = np.arange(len(metric_names))
    figure, axes = plt.subplots(figsize=(max(10, 1.6 * len(metric_names) + 0.4 * len(models)), 5.5))
    for offset, model in enumerate(models):
        heights = [test_metrics[model][name] for name in metric_names]
        errors = np.array([_error_bar(heights[i], intervals.get(model, {}).get(name)) for i, name in enumerate(metric_names)]).T
        axes.bar(positions + (offset - (len(models) - 1) / 2) * width, heights, width, yerr=errors, capsize=2, label=model)
    axes.set_xticks(positions, [name.replace("@", "\n@") for name in metric_names])
    axes.set_ylabel("test value (higher is better)")
    axes.set_title("Test-split metrics per model (error bars: 95% bootstrap interval over users)")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_training_curve(history: Sequence[Mapping[str, float]] | None, path: Path) -> None:
    """Loss and validation metrics per epoch from a list of per-epoch dicts.

    Each dict may hold "epoch" (defaults to its 1-based position), "loss" and any validation metric
    named like "recall@10" or "ndcg@10". Without a history the figure says so, so the report
    always has the same four files.
    """
    figure, (loss_axes, metric_axes) = plt.subplots(1, 2, figsize=(11, 4.5))
    if not history:
        for axes in (loss_axes, metric_axes):
            axes.text(0.5, 0.5, "no training history was given", ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
    else:
        epochs = [entry.get("epoch", position + 1) for position, entry in enumerate(history)]
        _plot_series(loss_axes, epochs, history, ["loss"], "training loss")
        metric_names = sorted({key for entry in history for key in entry if "@" in key})
        _plot_series(metric_axes, epochs, history, metric_names, "validation metrics")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _plot_series(axes, epochs, history, names, title) -> None:
    for name in names:
        points = [(epoch, entry[name]) for epoch, entry in zip(epochs, history) if entry.get(name) is not None]
        if points:
            axes.plot(*zip(*points), marker="o", label=name)
    axes.set_xlabel("epoch")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend()


def _error_bar(height: float, interval: tuple[float, float] | None) -> tuple[float, float]:
    if interval is None:
        return (0.0, 0.0)
    return (max(height - interval[0], 0.0), max(interval[1] - height, 0.0))
