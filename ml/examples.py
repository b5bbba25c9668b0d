"""Turning time-ordered histories into model inputs: (history prefix -> next item) examples.

The target of an example is always strictly after its prefix in the user's history, so a
target can never appear in the input that predicts it (items are distinct per history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ml.evaluation.split import History

SECONDS_PER_DAY = 86_400.0


@dataclass
class HistoryBatch:
    """Padded, left-aligned histories: row r holds its real items in [0, lengths[r])."""

    items: np.ndarray  # int64 [n, max_len]; 0 where padded
    mask: np.ndarray  # bool [n, max_len]
    age_days: np.ndarray  # float32 [n, max_len]: days before the row's newest item

    def rows(self, index: np.ndarray) -> HistoryBatch:
        return HistoryBatch(self.items[index], self.mask[index], self.age_days[index])


@dataclass
class Examples:
    inputs: HistoryBatch
    targets: np.ndarray  # int64 [n]
    users: list[str]  # the user each example comes from (for tests and diagnostics)


def pad_histories(histories: Sequence[History], max_len: int) -> HistoryBatch:
    """The last `max_len` items of each (non-empty) history, padded to a common length."""
    width = max(1, min(max_len, max((len(h.items) for h in histories), default=1)))
    items = np.zeros((len(histories), width), dtype=np.int64)
    mask = np.zeros((len(histories), width), dtype=bool)
    age = np.zeros((len(histories), width), dtype=np.float32)
    for row, history in enumerate(histories):
        if len(history.items) == 0:
            raise ValueError("an empty history cannot make a user vector")
        kept_items, kept_times = history.items[-width:], history.times[-width:]
        n = len(kept_items)
        items[row, :n] = kept_items
        mask[row, :n] = True
        age[row, :n] = (kept_times[-1] - kept_times) / SECONDS_PER_DAY
    return HistoryBatch(items, mask, age)


def next_item_examples(histories: dict[str, History], max_len: int) -> Examples:
    """Every (prefix -> next item) pair of every history: a history of n items gives n-1 examples."""
    prefixes, targets, users = [], [], []
    for user, history in histories.items():
        for t in range(1, len(history.items)):
            prefixes.append(History(history.items[:t], history.times[:t]))
            targets.append(int(history.items[t]))
            users.append(user)
    return Examples(pad_histories(prefixes, max_len), np.asarray(targets, dtype=np.int64), users)
