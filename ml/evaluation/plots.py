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
    """Grouped bars: one group per metric, one bar per model, bootstrap intervals where known.

    Coverage gets its own panel: it is an order of magnitude larger than the accuracy metrics and
    would flatten them on a shared axis.
    """
    coverage = [name for name in metric_names if name.startswith("coverage")]
    accuracy = [name for name in metric_names if name not in coverage]
    panels = [names for names in (accuracy, coverage) if names]
    figure, axes_list = plt.subplots(
        1, len(panels), figsize=(4 + 1.5 * len(metric_names) + 0.3 * len(test_metrics), 5.5),
        gridspec_kw={"width_ratios": [len(names) for names in panels]}, squeeze=False,
    )
    for axes, names in zip(axes_list[0], panels):
        _grouped_bars(axes, test_metrics, names, intervals)
    axes_list[0][0].set_ylabel("test value (higher is better)")
    axes_list[0][-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    figure.suptitle("Test-split metrics per model (error bars: 95% bootstrap interval over users)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _grouped_bars(axes, test_metrics, metric_names, intervals) -> None:
    models = list(test_metrics)
    width = 0.8 / max(len(models), 1)
    positions = np.arange(len(metric_names))
    for offset, model in enumerate(models):
        heights = [test_metrics[model][name] for name in metric_names]
        known = [intervals.get(model, {}).get(name) for name in metric_names]
        errors = np.array([_error_bar(h, i) for h, i in zip(heights, known)]).T if any(known) else None
        axes.bar(positions + (offset - (len(models) - 1) / 2) * width, heights, width, yerr=errors, capsize=3, label=model)
    axes.set_xticks(positions, [name.replace("@", "\n@") for name in metric_names])
    axes.grid(axis="y", alpha=0.3)


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
    if interval is None:  # NaN draws no bar, where zero would draw a stray cap
        return (np.nan, np.nan)
    return (max(height - interval[0], 0.0), max(interval[1] - height, 0.0))
