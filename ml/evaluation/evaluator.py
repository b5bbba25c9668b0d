"""Rank the catalog for the evaluated users and score the rankings against held-out targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ml.evaluation.metrics import coverage_at_k, per_user_metrics, target_ranks, top_k
from ml.evaluation.recommender import Recommender
from ml.evaluation.split import LeaveLastOutSplit, SplitView, Stage

DEFAULT_KS = (10, 20)
COVERAGE_K = 10
# Scores are dense [users, items]: batching bounds memory on large catalogs.
USERS_PER_BATCH = 1024


@dataclass
class StageResult:
    """One model on one stage: per-user metrics (for bootstrapping) and catalog coverage."""

    user_ids: list[str]
    per_user: dict[str, np.ndarray]
    coverage: float

    def summary(self) -> dict[str, float]:
        means = {name: float(values.mean()) if len(values) else 0.0 for name, values in self.per_user.items()}
        return {**means, f"coverage@{COVERAGE_K}": self.coverage}


def rank_users(recommender: Recommender, view: SplitView, user_ids: Sequence[str], k: int) -> np.ndarray:
    """Top-k catalog columns per user, excluding the history that `view` gives each user."""
    batches = []
    for start in range(0, len(user_ids), USERS_PER_BATCH):
        batch = list(user_ids[start : start + USERS_PER_BATCH])
        scores = np.asarray(recommender.score(batch))
        if scores.shape != (len(batch), view.n_items):
            raise ValueError(f"{type(recommender).__name__}.score returned {scores.shape}, expected {(len(batch), view.n_items)}")
        batches.append(top_k(scores, view.interaction_matrix(batch), k))
    return np.concatenate(batches) if batches else np.empty((0, k), dtype=np.int64)


def evaluate_ranking(
    recommender: Recommender, view: SplitView, targets: Mapping[str, int], ks: Sequence[int] = DEFAULT_KS
) -> StageResult:
    """Metrics of an already fitted recommender; a model can call this per epoch on validation."""
    user_ids = list(targets)
    top = rank_users(recommender, view, user_ids, max(*ks, COVERAGE_K))
    ranks = target_ranks(top, np.fromiter((targets[u] for u in user_ids), dtype=np.int64, count=len(user_ids)))
    return StageResult(user_ids, per_user_metrics(ranks, ks), coverage_at_k(top, COVERAGE_K, view.n_items))


def evaluate_stage(
    recommender: Recommender, split: LeaveLastOutSplit, stage: Stage, ks: Sequence[int] = DEFAULT_KS
) -> StageResult:
    """Fit on the stage's view, then rank and score against the stage's targets."""
    view, targets = split.stage(stage)
    recommender.fit(view)
    return evaluate_ranking(recommender, view, targets, ks)
