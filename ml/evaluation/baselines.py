"""Baselines every trained model is compared with, on the same split (DESIGN.md).

All of them see only the `SplitView` they are fitted on, and use distinct (user, item) pairs:
"popularity" counts buyers, not units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from ml.evaluation.recommender import Recommender
from ml.evaluation.split import SplitView
from ml.evaluation.tuning import Grid

SECONDS_PER_DAY = 86_400.0


class Popular:
    """Items ranked by how many training users interacted with them."""

    def fit(self, view: SplitView) -> None:
        items, _ = view.all_interactions()
        self.counts = np.bincount(items, minlength=view.n_items).astype(np.float32)

    def score(self, user_ids: Sequence[str]) -> np.ndarray:
        return np.tile(self.counts, (len(user_ids), 1))


class RecentPopular:
    """Items most bought in the `window_days` up to the user's own last training interaction.

    Why the user's own time rather than the end of the training data: leave-last-out holds out each
    user's last item wherever it falls in time (H&M spans two years), so "recent" must be recent
    for that user; and the window only looks back, so it uses nothing after the user's history.
    Ties (including every item outside the window) are broken by all-time popularity.
    """

    def __init__(self, window_days: float = 30.0):
        self.window_days = window_days

    def fit(self, view: SplitView) -> None:
        items, times = view.all_interactions()
        order = np.argsort(times, kind="stable")
        self.items, self.times = items[order], times[order]
        self.n_items = view.n_items
        all_time = np.bincount(items, minlength=view.n_items).astype(np.float64)
        # Scaled below 1 so it can only reorder items with equal window counts.
        self.tie_break = all_time / (all_time.max(initial=0.0) + 1.0)
        self.last_seen = {user: float(h.times[-1]) for user, h in view.histories.items() if len(h.times)}
        self.end_of_data = float(times.max(initial=0.0))

    def score(self, user_ids: Sequence[str]) -> np.ndarray:
        scores = np.tile(self.tie_break, (len(user_ids), 1))
        for row, user in enumerate(user_ids):
            until = self.last_seen.get(user, self.end_of_data)
            start = np.searchsorted(self.times, until - self.window_days * SECONDS_PER_DAY, side="left")
            stop = np.searchsorted(self.times, until, side="right")
            scores[row] += np.bincount(self.items[start:stop], minlength=self.n_items)
        return scores


class ItemKNN:
    """Item-item cosine similarity over the binary user-item matrix.

    similarity(i, j) = |U_i ∩ U_j| / (sqrt(|U_i| |U_j|) + shrink): `shrink` discounts pairs seen by
    few users. Each item keeps only its `neighbours` most similar items; a user's score for item j
    is the summed similarity of j to the items in their history.
    """

    def __init__(self, neighbours: int = 100, shrink: float = 10.0):
        self.neighbours = neighbours
        self.shrink = shrink

    def fit(self, view: SplitView) -> None:
        matrix = view.interaction_matrix()
        co_counts = (matrix.T @ matrix).tocoo()
        norms = np.sqrt(co_counts.diagonal())
        off_diagonal = co_counts.row != co_counts.col
        rows, cols = co_counts.row[off_diagonal], co_counts.col[off_diagonal]
        values = co_counts.data[off_diagonal] / (norms[rows] * norms[cols] + self.shrink)
        similarity = sparse.csr_matrix((values, (rows, cols)), shape=co_counts.shape)
        self.view = view
        # Row j keeps j's nearest neighbours, so score = history @ similarity.T sums sim(j, history).
        self.similarity_t = _keep_top_per_row(similarity, self.neighbours).T.tocsr()

    def score(self, user_ids: Sequence[str]) -> np.ndarray:
        history = self.view.interaction_matrix(user_ids)
        return np.asarray((history @ self.similarity_t).todense(), dtype=np.float32)


class EASE:
    """Embarrassingly Shallow Autoencoder (Steck, 2019): closed-form item-item weights.

    B = I - P / diag(P) with P = (XᵀX + l2·I)⁻¹, diagonal forced to zero. Items nobody bought in
    training get all-zero weights in the full solution, so the inverse is computed over the bought
    items only: same scores, a much smaller matrix to invert.
    """

    def __init__(self, l2: float = 500.0):
        self.l2 = l2

    def fit(self, view: SplitView) -> None:
        matrix = view.interaction_matrix()
        self.active = np.flatnonzero(np.asarray(matrix.sum(axis=0)).ravel())
        active_matrix = matrix[:, self.active]
        gram = (active_matrix.T @ active_matrix).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        inverse = np.linalg.inv(gram)
        weights = inverse / -np.diag(inverse)
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights = weights.astype(np.float32)
        self.view = view

    def score(self, user_ids: Sequence[str]) -> np.ndarray:
        history = self.view.interaction_matrix(user_ids)[:, self.active]
        scores = np.zeros((len(user_ids), self.view.n_items), dtype=np.float32)
        scores[:, self.active] = history @ self.weights
        return scores


class ContentKNN:
    """User = mean of the (untrained) content embeddings of their history; score = cosine to each item.

    `embeddings` is [n_items, d] in the split's column order. Rows are L2-normalised here; an
    all-zero row (an item with no usable content) scores 0 for everyone and adds nothing to a user.
    """

    def __init__(self, embeddings: np.ndarray):
        norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
        self.embeddings = (embeddings / np.maximum(norms, 1e-12)).astype(np.float32)

    def fit(self, view: SplitView) -> None:
        if self.embeddings.shape[0] != view.n_items:
            raise ValueError(f"{self.embeddings.shape[0]} embeddings for a catalog of {view.n_items} items")
        self.view = view

    def score(self, user_ids: Sequence[str]) -> np.ndarray:
        history = self.view.interaction_matrix(user_ids)
        # The mean's length does not change a cosine, so the sum is normalised directly.
        users = np.asarray(history @ self.embeddings)
        users /= np.maximum(np.linalg.norm(users, axis=1, keepdims=True), 1e-12)
        return users @ self.embeddings.T


def default_baselines(content_embeddings: np.ndarray | None = None) -> dict[str, Recommender | Grid]:
    """The DESIGN.md baselines with their validation grids; ContentKNN only when embeddings are given."""
    baselines: dict[str, Recommender | Grid] = {
        "Popular": Popular(),
        "RecentPopular": Grid(RecentPopular, [{"window_days": days} for days in (7, 30, 90, 365)]),
        "ItemKNN": Grid(ItemKNN, [{"neighbours": k, "shrink": s} for k in (20, 50, 100, 200) for s in (0.0, 10.0, 50.0)]),
        "EASE": Grid(EASE, [{"l2": l2} for l2 in (10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0)]),
    }
    if content_embeddings is not None:
        baselines["ContentKNN"] = ContentKNN(content_embeddings)
    return baselines


def _keep_top_per_row(matrix: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """The k largest entries of each row of a CSR matrix (all of them when a row has fewer)."""
    matrix = matrix.tocsr()
    keep = np.zeros(matrix.nnz, dtype=bool)
    for row in range(matrix.shape[0]):
        start, stop = matrix.indptr[row], matrix.indptr[row + 1]
        if stop - start <= k:
            keep[start:stop] = True
        else:
            best = np.argpartition(-matrix.data[start:stop], k - 1)[:k]
            keep[start + best] = True
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    return sparse.csr_matrix((matrix.data[keep], (rows[keep], matrix.indices[keep])), shape=matrix.shape)
