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
from ml.index import search_excluding


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

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.rows

    def add_items(self, item_ids: Sequence[str], vectors: np.ndarray) -> int:
        """Append items the index does not hold yet; returns how many were added."""
        new = [(item_id, vector) for item_id, vector in zip(item_ids, vectors, strict=True) if item_id not in self.rows]
        if not new:
            return 0
        block = np.ascontiguousarray(np.stack([vector for _, vector in new]), dtype=np.float32)
        self.index.add(block)
        self.vectors = np.vstack([self.vectors, block])
        for item_id, _ in new:
            self.rows[item_id] = len(self.item_ids)
            self.item_ids.append(item_id)
        return len(new)

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

    def search(self, text: str, k: int, exclude: Iterable[str] = ()) -> list[Suggestion]:
        """Items whose content means what the text says (the query goes through the text encoder)."""
        query = self.model.query_vector(text)
        excluded = {self.rows[i] for i in exclude if i in self.rows}
        scores, rows = search_excluding(self.index, query, k, excluded)
        return [Suggestion(self.item_ids[r], float(s)) for r, s in zip(rows, scores, strict=True)]


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
