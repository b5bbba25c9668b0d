import time

import numpy as np
import pytest
from scipy import sparse

from ml.evaluation.metrics import (
    NO_ITEM,
    coverage_at_k,
    map_at_k,
    ndcg_at_k,
    per_user_metrics,
    precision_at_k,
    recall_at_k,
    target_ranks,
    top_k,
)

# Target ranks of four users: first, third, beyond 10 but within 20, not retrieved at all.
RANKS = np.array([1, 3, 12, 0])


def test_recall_counts_a_hit_within_k():
    assert recall_at_k(RANKS, 10).tolist() == [1, 1, 0, 0]
    assert recall_at_k(RANKS, 20).tolist() == [1, 1, 1, 0]


def test_precision_is_one_hit_over_k():
    assert precision_at_k(RANKS, 10).tolist() == [0.1, 0.1, 0, 0]


def test_ndcg_discounts_by_log2_of_rank_plus_one():
    assert ndcg_at_k(RANKS, 10) == pytest.approx([1.0, 0.5, 0.0, 0.0])
    assert ndcg_at_k(RANKS, 20) == pytest.approx([1.0, 0.5, 1 / np.log2(13), 0.0])


def test_map_with_one_relevant_item_is_reciprocal_rank_cut_at_k():
    assert map_at_k(RANKS, 10) == pytest.approx([1.0, 1 / 3, 0.0, 0.0])
    assert map_at_k(RANKS, 20) == pytest.approx([1.0, 1 / 3, 1 / 12, 0.0])


def test_per_user_metrics_names_every_metric_at_every_k():
    metrics = per_user_metrics(RANKS, (10, 20))
    assert set(metrics) == {f"{m}@{k}" for m in ("recall", "ndcg", "precision", "map") for k in (10, 20)}
    assert metrics["recall@20"].mean() == pytest.approx(0.75)


def test_coverage_counts_distinct_recommended_items_over_catalog():
    top = np.array([[0, 1], [1, 2], [2, NO_ITEM]])
    assert coverage_at_k(top, 2, n_items=10) == pytest.approx(0.3)
    assert coverage_at_k(top, 1, n_items=10) == pytest.approx(0.3)  # 0, 1, 2 are each someone's first
    assert coverage_at_k(np.array([[0, 1], [0, 2]]), 1, n_items=4) == pytest.approx(0.25)


def test_top_k_orders_best_first_and_skips_excluded_items():
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [4.0, 3.0, 2.0, 1.0]])
    exclude = sparse.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 0]]))
    assert top_k(scores, exclude, 3).tolist() == [[3, 2, 0], [0, 1, 2]]


def test_top_k_never_recommends_nan_or_excluded_items_even_when_short_of_items():
    scores = np.array([[np.nan, 2.0, 1.0]])
    exclude = sparse.csr_matrix(np.array([[0, 0, 1]]))
    assert top_k(scores, exclude, 3).tolist() == [[1, NO_ITEM, NO_ITEM]]


def test_target_ranks_are_one_based_and_zero_when_missing():
    top = np.array([[5, 6, 7], [5, 6, 7], [5, 6, 7]])
    assert target_ranks(top, np.array([5, 7, 9])).tolist() == [1, 3, 0]


def test_ranking_a_shop_sized_catalog_is_fast():
    rng = np.random.default_rng(0)
    scores = rng.random((1000, 6000), dtype=np.float32)
    exclude = sparse.random(1000, 6000, density=0.002, format="csr", random_state=0)
    started = time.perf_counter()
    top = top_k(scores, exclude, 20)
    assert time.perf_counter() - started < 2.0
    rows, columns = exclude.nonzero()
    assert not any(column in top[row] for row, column in zip(rows, columns))
