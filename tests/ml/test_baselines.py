from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from ml.datasets.records import Dataset, InteractionRecord, ItemRecord
from ml.evaluation.baselines import EASE, ContentKNN, ItemKNN, Popular, RecentPopular
from ml.evaluation.evaluator import evaluate_ranking, rank_users
from ml.evaluation.split import leave_last_out_split

START = datetime(2024, 1, 1, tzinfo=UTC)
ITEMS = "abcdefgh"


def training_view(baskets):
    """A train view from {user: [(item, day), ...]}; users keep < 3 items so all of it is training."""
    interactions = [
        InteractionRecord(user, item, START + timedelta(days=day))
        for user, basket in baskets.items()
        for item, day in basket
    ]
    dataset = Dataset("toy", Path("."), [ItemRecord(i, f"item {i}") for i in ITEMS], interactions)
    return leave_last_out_split(dataset).train


def best_item(model, view, user):
    model.fit(view)
    return ITEMS[int(rank_users(model, view, [user], 1)[0, 0])]


def test_popular_ranks_the_item_most_users_bought_first():
    view = training_view({"u1": [("c", 1)], "u2": [("c", 1), ("a", 2)], "u3": [("a", 1)], "u4": [("c", 3)], "me": [("h", 1)]})
    model = Popular()
    model.fit(view)
    assert model.score(["me"])[0].argmax() == ITEMS.index("c")
    assert best_item(Popular(), view, "me") == "c"


def test_recent_popular_looks_back_from_the_users_own_last_interaction():
    baskets = {f"old{i}": [("a", 1)] for i in range(5)}
    baskets |= {"new1": [("b", 95)], "new2": [("b", 99)], "late": [("h", 100)], "early": [("h", 2)]}
    baskets |= {"mid1": [("g", 40)], "mid2": [("g", 41)], "mid": [("h", 50)]}
    view = training_view(baskets)
    assert best_item(RecentPopular(window_days=30), view, "late") == "b"
    assert best_item(RecentPopular(window_days=30), view, "mid") == "g"
    assert best_item(RecentPopular(window_days=365), view, "late") == "a"
    # Nothing after the user's own time counts: early on, only "a" had been bought.
    assert best_item(RecentPopular(window_days=30), view, "early") == "a"


def test_item_knn_recommends_the_item_bought_together():
    baskets = {f"pair{i}": [("a", 1), ("b", 1)] for i in range(3)}
    baskets |= {f"fan{i}": [("e", 1)] for i in range(6)}  # e is more popular, but never with a
    baskets |= {"me": [("a", 2)]}
    assert best_item(ItemKNN(neighbours=5, shrink=0.0), training_view(baskets), "me") == "b"


def test_item_knn_similarity_is_cosine_with_shrinkage():
    baskets = {f"ab{i}": [("a", 1), ("b", 1)] for i in range(3)} | {"ac": [("a", 1), ("c", 1)], "me": [("b", 2)]}
    model = ItemKNN(neighbours=5, shrink=2.0)
    model.fit(training_view(baskets))
    # a and b: 3 shared users, 4 users each: 3 / (sqrt(4 * 4) + 2).
    assert model.score(["me"])[0, ITEMS.index("a")] == pytest.approx(0.5)


def test_item_knn_keeps_only_the_nearest_neighbours():
    baskets = {f"ab{i}": [("a", 1), ("b", 1)] for i in range(3)} | {"ac": [("a", 1), ("c", 1)], "me": [("c", 2)]}
    view = training_view(baskets)
    # a's nearest neighbour is b; c is its second, dropped when only one neighbour is kept.
    for neighbours, expected_positive in ((1, False), (2, True)):
        model = ItemKNN(neighbours=neighbours, shrink=0.0)
        model.fit(view)
        assert (model.score(["me"])[0, ITEMS.index("a")] > 0) == expected_positive


def test_ease_recovers_an_obvious_pattern_over_popularity():
    baskets = {f"pair{i}": [("a", 1), ("b", 1)] for i in range(4)}
    baskets |= {f"fan{i}": [("e", 1), ("f", 1)] for i in range(8)}
    baskets |= {"me": [("a", 2)]}
    assert best_item(EASE(l2=1.0), training_view(baskets), "me") == "b"


def test_ease_scores_items_nobody_bought_as_zero():
    view = training_view({"u": [("a", 1), ("b", 1)], "me": [("a", 2)]})
    model = EASE(l2=1.0)
    model.fit(view)
    scores = model.score(["me"])[0]
    assert scores.shape == (len(ITEMS),)
    assert np.all(scores[[ITEMS.index(i) for i in "cdefgh"]] == 0)


def test_content_knn_ranks_by_cosine_to_the_mean_history_vector():
    embeddings = np.zeros((len(ITEMS), 3), dtype=np.float32)
    embeddings[ITEMS.index("a")] = [1, 0, 0]
    embeddings[ITEMS.index("b")] = [2, 0.2, 0]  # same direction as a, longer: length must not matter
    embeddings[ITEMS.index("c")] = [0, 1, 0]
    embeddings[ITEMS.index("d")] = [0, 0, 1]
    embeddings[ITEMS.index("e")] = [1, 1, 0]
    view = training_view({"me": [("a", 1)], "both": [("a", 1), ("c", 1)]})
    assert best_item(ContentKNN(embeddings), view, "me") == "b"
    # The mean of a and c points at e.
    assert best_item(ContentKNN(embeddings), view, "both") == "e"


def test_content_knn_rejects_embeddings_of_another_catalog():
    with pytest.raises(ValueError, match="embeddings"):
        ContentKNN(np.ones((3, 2))).fit(training_view({"me": [("a", 1)]}))


def test_the_users_own_items_are_never_recommended():
    view = training_view({"u1": [("c", 1)], "u2": [("c", 1), ("a", 1)], "u3": [("a", 1)], "me": [("c", 2)]})
    model = Popular()
    model.fit(view)
    top = rank_users(model, view, ["me"], 3)[0]
    assert ITEMS.index("c") not in top
    assert top[0] == ITEMS.index("a")
    result = evaluate_ranking(model, view, {"me": ITEMS.index("c")}, ks=(10,))
    assert result.per_user["recall@10"].tolist() == [0.0]
