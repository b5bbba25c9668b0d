"""The interface every evaluated model implements, baselines and the trained model alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ml.evaluation.split import SplitView


@runtime_checkable
class Recommender(Protocol):
    """Fit on one `SplitView`, then score the whole catalog for some of its users.

    `score` returns float [len(user_ids), view.n_items], higher is better. Scores for a user's own
    history items do not matter: the evaluator excludes them, so models need not (and should not
    duplicate that rule). NaN or -inf means "never recommend". `fit` may be called again with
    another view (validation, then train+validation): it must forget the previous fit.
    """

    def fit(self, view: SplitView) -> None: ...

    def score(self, user_ids: Sequence[str]) -> np.ndarray: ...
