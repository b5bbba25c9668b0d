"""Validation-then-test for one model: hyper-parameters are chosen on validation only."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ml.evaluation.evaluator import DEFAULT_KS, StageResult, evaluate_stage
from ml.evaluation.recommender import Recommender
from ml.evaluation.split import LeaveLastOutSplit

DEFAULT_SELECTION_METRIC = "ndcg@10"


@dataclass(frozen=True)
class Grid:
    """A recommender family whose parameters are tuned: `build(**params)` for each candidate."""

    build: Callable[..., Recommender]
    candidates: Sequence[Mapping[str, Any]]
    select_by: str = DEFAULT_SELECTION_METRIC


@dataclass
class ModelResult:
    params: dict[str, Any]
    validation: StageResult
    test: StageResult
    trials: list[dict[str, Any]] = field(default_factory=list)  # every candidate's validation summary


def validate_then_test(model: Recommender | Grid, split: LeaveLastOutSplit, ks: Sequence[int] = DEFAULT_KS) -> ModelResult:
    """The protocol for one model.

    A `Grid` fits every candidate on train and keeps the best on validation (`select_by`; ties go
    to the earlier candidate); the chosen one, like a plain `Recommender`, is then refitted on
    train+validation and ranked for the test targets.
    """
    if isinstance(model, Grid):
        params, validation, trials = _select(model, split, ks)
        final = model.build(**params)
    else:
        params, trials, final = {}, [], model
        validation = evaluate_stage(final, split, "validation", ks)
    return ModelResult(params, validation, evaluate_stage(final, split, "test", ks), trials)


def _select(grid: Grid, split: LeaveLastOutSplit, ks: Sequence[int]) -> tuple[dict[str, Any], StageResult, list[dict[str, Any]]]:
    if not grid.candidates:
        raise ValueError("a Grid needs at least one candidate")
    best: tuple[float, dict[str, Any], StageResult] | None = None
    trials = []
    for candidate in grid.candidates:
        params = dict(candidate)
        result = evaluate_stage(grid.build(**params), split, "validation", ks)
        summary = result.summary()
        trials.append({"params": params, "validation": summary})
        if best is None or summary[grid.select_by] > best[0]:
            best = (summary[grid.select_by], params, result)
    return best[1], best[2], trials
