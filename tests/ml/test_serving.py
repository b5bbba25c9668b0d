"""Serving on a tiny hand-made catalog: exclusions, reasons, new items, the meaning threshold."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from ml.artifacts import ServingModel
from ml.index import build_index
from ml.serving import CatalogIndex, popular_and_varied

# Two clear clusters: shoes along x, bags along y.
ITEMS = ["shoe-a", "shoe-b", "shoe-c", "bag-a", "bag-b"]
VECTORS = np.array([[1, 0.1], [1, 0.0], [0.9, 0.2], [0.1, 1], [0.0, 1]], dtype=np.float32)
VECTORS /= np.linalg.norm(VECTORS, axis=1, keepdims=True)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def serving(text_vectors=VECTORS, query=(1.0, 0.0)) -> CatalogIndex:
    def user_vector(liked, _times):
        rows = [ITEMS.index(i) for i in liked]
        vector = VECTORS[rows].mean(axis=0)
        return vector / np.linalg.norm(vector)

    model = ServingModel(
        version="v1", item_ids=list(ITEMS), item_vectors=VECTORS.copy(), index=build_index(VECTORS),
        user_vector=user_vector, query_vector=lambda _text: np.array(query, dtype=np.float32),
        manifest={}, text_vectors=text_vectors, new_item_vectors=lambda records: None,
    )
    return CatalogIndex(model)


def test_for_user_leaves_out_liked_items_and_explains_with_the_closest_like() -> None:
    picks = serving().for_user(["shoe-a", "bag-a"], [NOW, NOW], k=3)
    ids = [p.item_id for p in picks]
    assert "shoe-a" not in ids and "bag-a" not in ids and len(ids) == 3
    reasons = {p.item_id: p.because for p in picks}
    assert reasons["shoe-b"] == "shoe-a" and reasons["bag-b"] == "bag-a"


def test_for_user_with_no_known_like_returns_nothing_for_the_fallback() -> None:
    assert serving().for_user(["unknown"], [NOW], k=3) == []


def test_similar_excludes_the_item_itself() -> None:
    picks = serving().similar("bag-a", k=2)
    assert [p.item_id for p in picks] == ["bag-b", "shoe-c"]


def test_new_items_become_recommendable_and_searchable() -> None:
    index = serving()
    added = index.add_items(["shoe-new", "shoe-a"], np.array([[1, 0.05], [1, 0]], dtype=np.float32), np.array([[1, 0], [1, 0]], dtype=np.float32))
    assert added == 1  # an item the index already holds is not added twice
    assert "shoe-new" in {p.item_id for p in index.for_user(["shoe-b"], [NOW], k=2)}
    assert "shoe-new" in {p.item_id for p in index.search("boots", k=6)}


def test_search_keeps_only_items_that_mean_what_the_query_says() -> None:
    assert {p.item_id for p in serving(query=(1.0, 0.0)).search("footwear", k=5)} == {"shoe-a", "shoe-b", "shoe-c"}
    assert serving(query=(-1.0, 0.0)).search("zzzyxxq", k=5) == []
    assert serving(text_vectors=None).search("footwear", k=5) == []


def test_a_model_that_searches_by_text_refuses_new_items_without_text_vectors() -> None:
    with pytest.raises(ValueError):
        serving().add_items(["x"], np.ones((1, 2), dtype=np.float32), None)


def test_popular_and_varied_takes_turns_across_categories() -> None:
    catalog = [("t1", 50, "Tops"), ("t2", 40, "Tops"), ("t3", 30, "Tops"), ("s1", 20, "Shoes"), ("b1", 10, "Bags"), ("s2", 5, "Shoes")]
    assert popular_and_varied(catalog, 5, exclude={"t2"}) == ["t1", "s1", "b1", "t3", "s2"]
    assert popular_and_varied(catalog, 2, exclude=()) == ["t1", "s1"]
