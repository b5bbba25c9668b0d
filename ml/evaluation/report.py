"""Every model on the same split in one run: report.md, metrics.json, metrics.png, training_curve.png.

Baselines and the trained model (and its ablations) are all just entries of `recommenders`, so
they are tuned, refitted and ranked by the same code on the same users.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ml.evaluation.bootstrap import DEFAULT_SAMPLES, confidence_interval, paired_difference, resample_indices
from ml.evaluation.evaluator import COVERAGE_K
from ml.evaluation.plots import plot_metrics, plot_training_curve
from ml.evaluation.recommender import Recommender
from ml.evaluation.split import LeaveLastOutSplit
from ml.evaluation.tuning import Grid, ModelResult, validate_then_test

REPORTED_METRICS = ("recall@10", "ndcg@10", "precision@10", "map@10", "recall@20", "ndcg@20", f"coverage@{COVERAGE_K}")
BOOTSTRAPPED_METRICS = ("recall@10", "ndcg@10")
PROTOCOL = (
    "Per-user temporal leave-last-out over distinct items; users with >= 3 distinct items evaluated. "
    "Parameters chosen on the validation item (fit on train); test numbers come from a refit on "
    "train+validation, ranking the full catalog minus each user's own history."
)


def run_evaluation(
    split: LeaveLastOutSplit,
    recommenders: Mapping[str, Recommender | Grid],
    out_dir: Path | str,
    *,
    dataset_name: str = "",
    training_history: Sequence[Mapping[str, float]] | None = None,
    reference: str | None = None,
    bootstrap_samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Evaluate each recommender by the protocol and write the four report files into `out_dir`.

    `training_history`: the trained model's per-epoch dicts ("loss", "recall@10", "ndcg@10", ...).
    `reference`: a model name (e.g. the best baseline) every other model is compared with by a
    paired bootstrap over users. `bootstrap_samples=0` skips intervals and comparisons.
    Returns what metrics.json holds.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if reference is not None and reference not in recommenders:
        raise ValueError(f"reference {reference!r} is not one of the recommenders")

    results: dict[str, ModelResult] = {}
    for name, model in recommenders.items():
        results[name] = validate_then_test(model, split)
        print(f"evaluated {name}: test ndcg@10={results[name].test.summary()['ndcg@10']:.4f}", flush=True)

    report = _metrics_document(split, results, dataset_name, reference, bootstrap_samples, seed)
    (out_dir / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = _markdown(report)
    (out_dir / "report.md").write_text(markdown)
    plot_metrics(
        {name: model["test"] for name, model in report["models"].items()},
        REPORTED_METRICS,
        {name: model.get("test_intervals", {}) for name, model in report["models"].items()},
        out_dir / "metrics.png",
    )
    plot_training_curve(training_history, out_dir / "training_curve.png")
    print(markdown, flush=True)
    return report


def _metrics_document(
    split: LeaveLastOutSplit,
    results: Mapping[str, ModelResult],
    dataset_name: str,
    reference: str | None,
    bootstrap_samples: int,
    seed: int,
) -> dict[str, Any]:
    indices = resample_indices(len(split.test_targets), bootstrap_samples, seed) if bootstrap_samples else None
    models = {}
    for name, result in results.items():
        entry: dict[str, Any] = {
            "params": result.params,
            "validation": result.validation.summary(),
            "test": result.test.summary(),
        }
        if indices is not None:
            entry["test_intervals"] = {
                metric: confidence_interval(result.test.per_user[metric], indices) for metric in BOOTSTRAPPED_METRICS
            }
            if reference is not None and name != reference:
                entry[f"vs_{reference}"] = {
                    metric: paired_difference(result.test.per_user[metric], results[reference].test.per_user[metric], indices)
                    for metric in BOOTSTRAPPED_METRICS
                }
        if result.trials:
            entry["tuning"] = result.trials
        models[name] = entry
    return {
        "dataset": dataset_name,
        "protocol": PROTOCOL,
        "split": split.sizes(),
        "bootstrap": {"samples": bootstrap_samples, "seed": seed, "level": 0.95},
        "reference": reference,
        "models": models,
    }


def _markdown(report: Mapping[str, Any]) -> str:
    sizes = report["split"]
    lines = [
        f"# Evaluation report{': ' + report['dataset'] if report['dataset'] else ''}",
        "",
        report["protocol"],
        "",
        f"Catalog: {sizes['items']:,} items. Users: {sizes['users']:,} ({sizes['evaluated_users']:,} evaluated). "
        f"Split: {sizes['train_interactions']:,} training interactions, "
        f"{sizes['validation_interactions']:,} validation and {sizes['test_interactions']:,} test targets.",
        "",
        "| model | " + " | ".join(REPORTED_METRICS) + " | parameters |",
        "|---|" + "---:|" * len(REPORTED_METRICS) + "---|",
    ]
    for name, model in report["models"].items():
        cells = [_cell(model, metric) for metric in REPORTED_METRICS]
        params = ", ".join(f"{key}={value}" for key, value in model["params"].items()) or "—"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {params} |")
    if report["bootstrap"]["samples"]:
        lines += ["", f"Brackets: 95% bootstrap interval over users ({report['bootstrap']['samples']} resamples)."]
    reference = report["reference"]
    if reference and report["bootstrap"]["samples"]:
        lines += ["", f"## Paired bootstrap against {reference}", "", "| model | metric | difference | 95% interval | share of resamples not better |", "|---|---|---:|---|---:|"]
        for name, model in report["models"].items():
            for metric, comparison in model.get(f"vs_{reference}", {}).items():
                lines.append(
                    f"| {name} | {metric} | {comparison['difference']:+.4f} | "
                    f"[{comparison['low']:+.4f}, {comparison['high']:+.4f}] | {comparison['share_not_better']:.3f} |"
                )
    return "\n".join(lines) + "\n"


def _cell(model: Mapping[str, Any], metric: str) -> str:
    value = f"{model['test'][metric]:.4f}"
    interval = model.get("test_intervals", {}).get(metric)
    return f"{value} [{interval[0]:.4f}, {interval[1]:.4f}]" if interval else value
