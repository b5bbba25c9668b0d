"""Training examples never leak targets; training learns; the recommender keeps to the protocol."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest

from ml.blend import BlendWeights, blend_item_vectors, blend_user_vectors
from ml.datasets.records import ItemRecord
from ml.evaluation.split import History, SplitView
from ml.examples import next_item_examples
from ml.model import TowerConfig
from ml.recommender import TwoTowerRecommender, hold_out_last_items
from ml.train import TrainConfig, train_two_tower, validation_metrics

TINY_TOWER = {"dim": 8, "hidden": 16, "dropout": 0.0}


def tiny_training(**overrides) -> TrainConfig:
    return TrainConfig(**{"epochs": 15, "batch_size": 32, "n_negatives": 16, "learning_rate": 0.01, "patience": 15, **overrides})


def content(features):
    from ml.features import tower_input

    return tower_input(features)


def test_examples_never_put_the_target_in_its_own_input(histories):
    examples = next_item_examples(dict(histories), max_len=3)
    assert len(examples.targets) == sum(len(h.items) - 1 for h in histories.values())
    for row, (target, user) in enumerate(zip(examples.targets, examples.users, strict=True)):
        prefix = examples.inputs.items[row][examples.inputs.mask[row]]
        assert target not in prefix
        history = histories[user]
        position = int(np.flatnonzero(history.items == target)[0])
        # The input is the (truncated) prefix before the target, nothing after it.
        assert list(prefix) == list(history.items[:position][-3:])


def test_training_reduces_the_loss_and_beats_chance(features, histories):
    x = content(features)
    tower = TowerConfig(content_dim=x.shape[1], n_items=len(x), **TINY_TOWER)
    held_in, targets = hold_out_last_items(histories)
    result = train_two_tower(held_in, x, tower, tiny_training(), None, progress=False)
    losses = [record.loss for record in result.curve]
    # Items of a cluster are interchangeable, so the loss floors near log(cluster size), not 0.
    assert losses[-1] < 0.9 * losses[0]
    # Ten items per cluster, a few already bought: chance recall@10 is about 10 / 37.
    assert validation_metrics(result.model, held_in, targets, 50)["recall@10"] > 0.6


def test_training_is_reproducible(features, histories):
    x = content(features)
    tower = TowerConfig(content_dim=x.shape[1], n_items=len(x), **TINY_TOWER)
    first = train_two_tower(histories, x, tower, tiny_training(epochs=3), None, progress=False)
    second = train_two_tower(histories, x, tower, tiny_training(epochs=3), None, progress=False)
    assert [r.loss for r in first.curve] == [r.loss for r in second.curve]


def test_early_stopping_keeps_the_best_validation_epoch(features, histories):
    x = content(features)
    tower = TowerConfig(content_dim=x.shape[1], n_items=len(x), **TINY_TOWER)
    held_in, targets = hold_out_last_items(histories)
    result = train_two_tower(held_in, x, tower, tiny_training(epochs=8, patience=2), targets, progress=False)
    best = max(result.curve, key=lambda r: r.validation["ndcg@10"])
    assert result.best_epoch == best.epoch
    assert validation_metrics(result.model, held_in, targets, 50)["ndcg@10"] == pytest.approx(best.validation["ndcg@10"])


def test_blended_vectors_score_the_weighted_sum_of_the_parts():
    rng = np.random.default_rng(0)
    model_items, content_items, prior = rng.normal(size=(5, 3)), rng.normal(size=(5, 4)), rng.random(5)
    model_user, content_user = rng.normal(size=(1, 3)), rng.normal(size=(1, 4))
    weights = BlendWeights(1.0, 0.5, 0.2)
    blended = blend_user_vectors(model_user, content_user, weights) @ blend_item_vectors(model_items, content_items, prior).T
    expected = model_user @ model_items.T + 0.5 * content_user @ content_items.T + 0.2 * prior
    assert np.allclose(blended, expected, atol=1e-5)


def view_of(histories, targets=None) -> SplitView:
    items = [ItemRecord(str(i), f"item {i}") for i in range(40)]
    return SplitView("toy", items, MappingProxyType(dict(histories)), MappingProxyType(targets) if targets else None)


def test_recommender_tunes_on_validation_and_refits_with_those_settings(features, histories):
    held_in, targets = hold_out_last_items(histories)
    recommender = TwoTowerRecommender(features, TINY_TOWER, tiny_training(epochs=6, patience=2), content_dim=8, progress=False)
    recommender.fit(view_of(held_in, targets))
    tuned = recommender.tuned
    assert 1 <= tuned.epochs <= 6
    recommender.fit(view_of(histories))  # the test stage: no targets in the view
    assert recommender.tuned is tuned
    assert len(recommender.curve) >= tuned.epochs
    scores = recommender.score(["u0", "u1", "nobody"])
    assert scores.shape == (3, 40)
    # A user with no history is ranked by the popularity prior alone.
    assert np.allclose(scores[2], tuned.blend.popularity * recommender.prior, atol=1e-6)


def test_recommender_without_prior_tuning_holds_out_an_inner_validation(features, histories):
    recommender = TwoTowerRecommender(features, TINY_TOWER, tiny_training(epochs=4, patience=2), content_dim=8, progress=False)
    recommender.fit(view_of(histories))
    assert recommender.tuned is not None
    assert recommender.histories is not None and len(recommender.histories["u0"].items) == len(histories["u0"].items)


def test_hold_out_last_items_removes_exactly_the_target():
    histories = {"a": History(np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0])), "b": History(np.array([4, 5]), np.array([1.0, 2.0]))}
    kept, targets = hold_out_last_items(histories)
    assert dict(targets) == {"a": 3}
    assert list(kept["a"].items) == [1, 2] and list(kept["b"].items) == [4, 5]
