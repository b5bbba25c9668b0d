"""Serving from a loaded artifact: a shopper's picks with reasons, similar items, text search.

Loaded once per worker process. Products added after training are appended to the same
FAISS index with vectors computed from their content, so they are recommendable at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ml.artifacts import ServingModel
from ml.index import build_index, search_excluding

# Cosine between a query's and an item's sentence embeddings below which the item is not
# taken to mean what the query says. Measured on the demo and H&M catalogs: nonsense
# queries ("zzzyxxq", "asdf qwerty") peak at 0.18-0.35, real ones ("footwear",
# "bag for my laptop") start at 0.45-0.6.
MEANING_THRESHOLD = 0.38


@dataclass(frozen=True)
class Suggestion:
    item_id: str
    score: float
    # The liked item that most resembles this one: the "because you liked X" of the shelf.
    because: str | None = None


class CatalogIndex:
    def __init__(self, model: ServingModel) -> None:
        self.model = model
        self.version = model.version
        self.item_ids: list[str] = list(model.item_ids)
        self.rows = {item_id: row for row, item_id in enumerate(self.item_ids)}
        self.vectors = np.ascontiguousarray(model.item_vectors, dtype=np.float32)
        self.index = model.index
        # Rows of the text index are the same rows as the item index; large catalogs use HNSW for both.
        kind = model.manifest.get("index", "exact")
        self.text_index = build_index(model.text_vectors, kind) if model.text_vectors is not None else None

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.rows

    def add_items(self, item_ids: Sequence[str], vectors: np.ndarray, text_vectors: np.ndarray | None) -> int:
        """Append items the index does not hold yet; returns how many were added."""
        fresh = [n for n, item_id in enumerate(item_ids) if item_id not in self.rows]
        if not fresh:
            return 0
        block = np.ascontiguousarray(vectors[fresh], dtype=np.float32)
        self.index.add(block)
        self.vectors = np.vstack([self.vectors, block])
        if self.text_index is not None:
            if text_vectors is None:
                raise ValueError("this model searches by text: new items need their text vectors too")
            self.text_index.add(np.ascontiguousarray(text_vectors[fresh], dtype=np.float32))
        for n in fresh:
            self.rows[item_ids[n]] = len(self.item_ids)
            self.item_ids.append(item_ids[n])
        return len(fresh)

    def for_user(
        self, liked: Sequence[str], liked_at: Sequence[datetime], k: int, exclude: Iterable[str] = ()
    ) -> list[Suggestion]:
        """The k best items for a shopper from what they liked; [] when no like is known to the model."""
        known = [(item_id, moment) for item_id, moment in zip(liked, liked_at, strict=True) if item_id in self.rows]
        if not known:
            return []
        user = self.model.user_vector([i for i, _ in known], [m for _, m in known])
        liked_rows = np.array([self.rows[i] for i, _ in known])
        excluded = set(liked_rows.tolist()) | {self.rows[i] for i in exclude if i in self.rows}
        scores, rows = search_excluding(self.index, user, k, excluded)
        # Explain each pick by the liked item whose vector it is closest to.
        closeness = self.vectors[rows] @ self.vectors[liked_rows].T
        because = [known[j][0] for j in closeness.argmax(axis=1)] if len(rows) else []
        return [Suggestion(self.item_ids[r], float(s), b) for r, s, b in zip(rows, scores, because, strict=True)]

    def similar(self, item_id: str, k: int, exclude: Iterable[str] = ()) -> list[Suggestion]:
        if item_id not in self.rows:
            return []
        row = self.rows[item_id]
        excluded = {row} | {self.rows[i] for i in exclude if i in self.rows}
        scores, rows = search_excluding(self.index, self.vectors[row], k, excluded)
        return [Suggestion(self.item_ids[r], float(s), item_id) for r, s in zip(rows, scores, strict=True)]

    def search(self, text: str, k: int, threshold: float = MEANING_THRESHOLD) -> list[Suggestion]:
        """Items whose text means what the query says: sentence embeddings compared by cosine."""
        if self.text_index is None or not text.strip():
            return []
        scores, rows = search_excluding(self.text_index, self.model.query_vector(text), k, ())
        return [Suggestion(self.item_ids[r], float(s)) for r, s in zip(rows, scores, strict=True) if s >= threshold]


def serve_single_threaded() -> None:
    """One torch and one FAISS thread per serving process.

    A request is a one-row matrix product and a search: splitting it over threads costs more
    than it saves (measured at 6,000 items: the user tower 7 ms on 2 threads, 0.1 ms on 1;
    a query embedding 190 ms against 14 ms). Parallelism comes from Dramatiq's processes
    and threads instead.
    """
    import faiss

    from ml.encoders.base import cap_threads

    cap_threads(1)
    faiss.omp_set_num_threads(1)


def popular_and_varied(catalog: Sequence[tuple[str, int, str]], k: int, exclude: Iterable[str] = ()) -> list[str]:
    """A cold-start shelf: the most popular items, taken in turn from each category.

    `catalog` holds (item_id, popularity, category). Categories take turns in the order of
    their best seller, so the shelf shows the shop's range rather than one busy category.
    """
    excluded = set(exclude)
    by_category: dict[str, list[tuple[int, str]]] = {}
    for item_id, popularity, category in catalog:
        if item_id not in excluded:
            by_category.setdefault(category, []).append((popularity, item_id))
    queues = [sorted(items, key=lambda p: (-p[0], p[1])) for items in by_category.values()]
    queues.sort(key=lambda items: (-items[0][0], items[0][1]))
    picks: list[str] = []
    while len(picks) < k and any(queues):
        for queue in queues:
            if queue and len(picks) < k:
                picks.append(queue.pop(0)[1])
    return picks
