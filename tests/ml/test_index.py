"""FAISS retrieval: exact search, exclusion of a shopper's own items, and HNSW recall measurement."""

from __future__ import annotations

import numpy as np

from ml.encoders.base import l2_normalise
from ml.index import build_index, recall_against_exact, search, search_excluding


def random_unit_vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return l2_normalise(np.random.default_rng(seed).normal(size=(n, dim)))


def test_exact_index_returns_the_true_inner_product_ranking():
    vectors = random_unit_vectors(200)
    query = random_unit_vectors(1, seed=1)
    scores, rows = search(build_index(vectors), query, 5)
    expected = np.argsort(-(vectors @ query[0]))[:5]
    assert list(rows[0]) == list(expected)
    assert np.allclose(scores[0], (vectors @ query[0])[expected], atol=1e-5)


def test_search_excluding_skips_excluded_rows_and_still_returns_k():
    vectors = random_unit_vectors(50)
    index = build_index(vectors)
    query = vectors[7]
    _, unfiltered = search(index, query, 6)
    excluded = set(unfiltered[0][:4].tolist())  # the four best, including item 7 itself
    scores, rows = search_excluding(index, query, 5, excluded)
    assert len(rows) == 5
    assert not excluded & set(rows.tolist())
    assert list(rows[:2]) == list(unfiltered[0][4:6])
    assert np.all(np.diff(scores) <= 1e-6)


def test_recall_against_exact_is_one_for_itself_and_measures_a_worse_index():
    vectors = random_unit_vectors(2000)
    queries = random_unit_vectors(50, seed=2)
    exact = build_index(vectors)
    assert recall_against_exact(build_index(vectors), exact, queries, 10) == 1.0
    hnsw = build_index(vectors, "hnsw")
    assert 0.9 <= recall_against_exact(hnsw, exact, queries, 10) <= 1.0
    # An index over the wrong vectors finds almost none of the true neighbours.
    wrong = build_index(random_unit_vectors(2000, seed=3))
    assert recall_against_exact(wrong, exact, queries, 10) < 0.1
