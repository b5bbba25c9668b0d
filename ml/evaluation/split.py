"""Per-user temporal leave-last-out split over distinct items (DESIGN.md, "Evaluation protocol").

Each user's interactions are sorted by time (ties keep the dataset's original order, so the split
is deterministic) and only the first occurrence of each item is kept. Users with at least
`MIN_DISTINCT_ITEMS` distinct items are evaluated: their last item is the test target, the
second-to-last the validation target. Every other interaction is training data; users with fewer
distinct items contribute all of theirs.

Two protocols, never mixed:

- validation (tuning, early stopping): fit on `split.train`, rank for the evaluated users
  excluding their `train` history, score against `split.validation_targets`.
- test (the numbers we quote): fit on `split.train_validation` (train plus each evaluated user's
  validation item, so a model tuned on validation is refitted with it), rank excluding that
  history, score against `split.test_targets`.

No view ever contains a test target, and `split.train` never contains a validation target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
from scipy import sparse

from ml.datasets.records import Dataset, InteractionRecord, ItemRecord

MIN_DISTINCT_ITEMS = 3
Stage = Literal["validation", "test"]


@dataclass(frozen=True)
class History:
    """One user's distinct items (catalog columns) in time order, with unix-second timestamps."""

    items: np.ndarray  # int64 [n]
    times: np.ndarray  # float64 [n], non-decreasing


@dataclass(frozen=True)
class SplitView:
    """Everything a recommender may see when it is fitted for one stage.

    `histories` holds every user with at least one training interaction, in a stable order
    (`user_ids`); `items` are the catalog records in column order, for content models.
    `validation_targets` is set only on the `train` view, so a model can early-stop while fitting;
    the view used for the test stage carries no targets at all.
    """

    name: str
    items: Sequence[ItemRecord]
    histories: MappingProxyType[str, History]
    validation_targets: MappingProxyType[str, int] | None = None

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def user_ids(self) -> list[str]:
        return list(self.histories)

    def interaction_matrix(self, user_ids: Sequence[str] | None = None) -> sparse.csr_matrix:
        """Binary [len(user_ids), n_items] matrix of histories; users absent from the view get empty rows."""
        user_ids = self.user_ids if user_ids is None else user_ids
        empty = np.empty(0, dtype=np.int64)
        columns = [self.histories[u].items if u in self.histories else empty for u in user_ids]
        lengths = np.fromiter((len(c) for c in columns), dtype=np.int64, count=len(columns))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.concatenate(columns) if columns else empty
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(user_ids), self.n_items))

    def all_interactions(self) -> tuple[np.ndarray, np.ndarray]:
        """(item columns, timestamps) of every training interaction in the view, flattened."""
        histories = list(self.histories.values())
        if not histories:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        return np.concatenate([h.items for h in histories]), np.concatenate([h.times for h in histories])


@dataclass(frozen=True)
class LeaveLastOutSplit:
    item_ids: tuple[str, ...]  # column -> item id; the full catalog, bought or not
    train: SplitView
    train_validation: SplitView
    validation_targets: MappingProxyType[str, int]
    test_targets: MappingProxyType[str, int]

    @property
    def evaluated_users(self) -> list[str]:
        return list(self.test_targets)

    def stage(self, stage: Stage) -> tuple[SplitView, MappingProxyType[str, int]]:
        """The view to fit on and the targets to score against for one protocol stage."""
        if stage == "validation":
            return self.train, self.validation_targets
        if stage == "test":
            return self.train_validation, self.test_targets
        raise ValueError(f"unknown stage {stage!r}; expected 'validation' or 'test'")

    def sizes(self) -> dict[str, int]:
        train_items, _ = self.train.all_interactions()
        return {
            "items": len(self.item_ids),
            "users": len(self.train.histories),
            "evaluated_users": len(self.test_targets),
            "train_interactions": len(train_items),
            "validation_interactions": len(self.validation_targets),
            "test_interactions": len(self.test_targets),
        }


def leave_last_out_split(dataset: Dataset, min_rating: float | None = None) -> LeaveLastOutSplit:
    """Split a dataset by the evaluation protocol.

    `min_rating`: for datasets with ratings, interactions rated below it are not positives and are
    dropped before anything else; interactions without a rating are kept.
    """
    items = list(dataset.items)
    item_ids = tuple(item.item_id for item in items)
    columns = {item_id: column for column, item_id in enumerate(item_ids)}

    train: dict[str, History] = {}
    train_validation: dict[str, History] = {}
    validation_targets: dict[str, int] = {}
    test_targets: dict[str, int] = {}
    for user_id, history in _distinct_histories(dataset.interactions, columns, min_rating).items():
        if len(history.items) >= MIN_DISTINCT_ITEMS:
            train[user_id] = _head(history, len(history.items) - 2)
            train_validation[user_id] = _head(history, len(history.items) - 1)
            validation_targets[user_id] = int(history.items[-2])
            test_targets[user_id] = int(history.items[-1])
        else:
            train[user_id] = train_validation[user_id] = history

    validation_targets_view = MappingProxyType(validation_targets)
    return LeaveLastOutSplit(
        item_ids=item_ids,
        train=SplitView("train", items, MappingProxyType(train), validation_targets_view),
        train_validation=SplitView("train+validation", items, MappingProxyType(train_validation)),
        validation_targets=validation_targets_view,
        test_targets=MappingProxyType(test_targets),
    )


def _distinct_histories(
    interactions: Sequence[InteractionRecord], columns: dict[str, int], min_rating: float | None
) -> dict[str, History]:
    """Each user's first occurrence of each item, in time order (ties: original order)."""
    by_user: dict[str, list[tuple[float, int, int]]] = {}
    for position, record in enumerate(interactions):
        if min_rating is not None and record.rating is not None and record.rating < min_rating:
            continue
        column = columns.get(record.item_id)
        if column is None:  # readers already drop unknown items; a hand-built dataset might not
            continue
        by_user.setdefault(record.user_id, []).append((record.timestamp.timestamp(), position, column))

    histories = {}
    for user_id, events in by_user.items():
        events.sort()  # by time, then by original position
        seen: set[int] = set()
        items, times = [], []
        for when, _, column in events:
            if column not in seen:
                seen.add(column)
                items.append(column)
                times.append(when)
        histories[user_id] = History(np.array(items, dtype=np.int64), np.array(times, dtype=np.float64))
    return histories


def _head(history: History, length: int) -> History:
    return History(history.items[:length], history.times[:length])
