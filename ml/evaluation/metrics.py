"""Top-K ranking and the metrics we quote, for one held-out target per user.

With exactly one relevant item per user, every metric is a function of the target's 1-based rank
r in the user's top-K list (no hit when it is not in the list):

- Recall@K    = 1 if hit else 0 (the one relevant item was retrieved)
- Precision@K = 1/K if hit else 0 (so it is at most 1/K)
- NDCG@K      = 1/log2(r + 1) if hit else 0 (the ideal DCG with one relevant item is 1)
- MAP@K       = 1/r if hit else 0 (average precision with one relevant item is the precision at
                its rank; the mean over users is the mean reciprocal rank cut at K)
- coverage@K  = fraction of catalog items that appear in at least one user's top K.

Per-user arrays are returned (not only means) so confidence intervals can be bootstrapped over users.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import sparse

NO_ITEM = -1  # fills a top-K slot when a user has fewer than K rankable items


def top_k(scores: np.ndarray, exclude: sparse.spmatrix, k: int) -> np.ndarray:
    """Columns of the k best-scored items per row, best first, never an excluded item.

    `exclude` is a [n_users, n_items] matrix whose non-zeros are the items each user must not be
    shown (their own history). NaN and -inf scores are never recommended: such slots hold NO_ITEM.
    Ties are broken by argpartition/argsort, deterministic for the same input.
    """
    scores = np.array(scores, dtype=np.float64)
    rows, columns = sparse.csr_matrix(exclude).nonzero()
    scores[rows, columns] = -np.inf
    scores[np.isnan(scores)] = -np.inf
    k = min(k, scores.shape[1])
    candidates = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    candidate_scores = np.take_along_axis(scores, candidates, axis=1)
    order = np.argsort(-candidate_scores, axis=1, kind="stable")
    top = np.take_along_axis(candidates, order, axis=1)
    top[np.take_along_axis(candidate_scores, order, axis=1) == -np.inf] = NO_ITEM
    return top


def target_ranks(top: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """1-based rank of each user's target in their top list; 0 when it is not there."""
    matches = top == np.asarray(targets)[:, None]
    return np.where(matches.any(axis=1), matches.argmax(axis=1) + 1, 0)


def recall_at_k(ranks: np.ndarray, k: int) -> np.ndarray:
    return _hits(ranks, k).astype(np.float64)


def precision_at_k(ranks: np.ndarray, k: int) -> np.ndarray:
    return _hits(ranks, k) / k


def ndcg_at_k(ranks: np.ndarray, k: int) -> np.ndarray:
    return np.where(_hits(ranks, k), 1.0 / np.log2(np.maximum(ranks, 1) + 1.0), 0.0)


def map_at_k(ranks: np.ndarray, k: int) -> np.ndarray:
    return np.where(_hits(ranks, k), 1.0 / np.maximum(ranks, 1), 0.0)


def coverage_at_k(top: np.ndarray, k: int, n_items: int) -> float:
    shown = top[:, :k]
    return len(np.unique(shown[shown != NO_ITEM])) / n_items


PER_USER_METRICS = {
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "precision": precision_at_k,
    "map": map_at_k,
}


def per_user_metrics(ranks: np.ndarray, ks: Iterable[int]) -> dict[str, np.ndarray]:
    """{"recall@10": [n_users], "ndcg@10": ..., ...} for every metric and K."""
    return {f"{name}@{k}": metric(ranks, k) for k in ks for name, metric in PER_USER_METRICS.items()}


def _hits(ranks: np.ndarray, k: int) -> np.ndarray:
    ranks = np.asarray(ranks)
    return (ranks >= 1) & (ranks <= k)
