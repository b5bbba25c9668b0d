"""FAISS retrieval over item vectors: exact inner product by default, HNSW for large catalogs.

Vectors are L2-normalised, so inner product is cosine similarity. HNSW trades a little recall
for speed; `recall_against_exact` measures how much, so the choice is made on numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np

HNSW_NEIGHBOURS = 32  # graph degree M: recall/memory trade-off, 32 is the usual default
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128


def build_index(vectors: np.ndarray, kind: str = "exact", ef_construction: int = HNSW_EF_CONSTRUCTION) -> faiss.Index:
    """An inner-product index over float32 [n, d] vectors; kind is "exact" or "hnsw".

    `ef_construction` (HNSW only): a smaller value builds a million-item graph several times
    faster for slightly lower recall; measure with `recall_against_exact`.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if kind == "exact":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index kind {kind!r}; expected 'exact' or 'hnsw'")
    index.add(vectors)
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) [n_queries, k]; rows are -1 where the index has fewer than k items."""
    return index.search(np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32), k)


def search_excluding(index: faiss.Index, query: np.ndarray, k: int, exclude: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
    """The k best rows for one query that are not in `exclude` (e.g. the shopper's own likes).

    FAISS has no per-query exclusion list, so this over-fetches k + |exclude| and filters: that
    many results always leave k allowed ones, whatever the excluded rows score.
    """
    excluded = set(int(row) for row in exclude)
    fetch = min(index.ntotal, k + len(excluded))
    scores, rows = search(index, query, fetch)
    keep = [(s, r) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0 and r not in excluded][:k]
    return np.array([s for s, _ in keep], dtype=np.float32), np.array([r for _, r in keep], dtype=np.int64)


def recall_against_exact(approximate: faiss.Index, exact: faiss.Index, queries: np.ndarray, k: int = 10) -> float:
    """Mean fraction of the exact top-k that the approximate index also returns."""
    _, truth = search(exact, queries, k)
    _, found = search(approximate, queries, k)
    hits = [len(set(t[t >= 0]) & set(f[f >= 0])) / max(1, (t >= 0).sum()) for t, f in zip(truth, found, strict=True)]
    return float(np.mean(hits))


def save_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_index(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))

