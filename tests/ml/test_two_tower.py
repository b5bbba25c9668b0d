"""Shapes and invariants of the towers, and the loss on a case worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from ml.loss import candidate_log_q, info_nce
from ml.model import TowerConfig, TwoTower


def make_model(pooling: str = "recency", n_items: int = 7, content_dim: int = 5, **overrides) -> TwoTower:
    torch.manual_seed(0)
    config = TowerConfig(content_dim=content_dim, n_items=n_items, dim=4, hidden=6, pooling=pooling, **overrides)
    has_history = torch.tensor([True] * (n_items - 2) + [False] * 2)
    return TwoTower(config, torch.randn(n_items, content_dim), has_history)


@pytest.mark.parametrize("pooling", ["mean", "recency", "attention"])
def test_towers_give_unit_vectors_of_the_shared_dimension(pooling):
    model = make_model(pooling).eval()
    items = model.items(torch.tensor([[0, 1, 2], [3, 4, 5]]))
    assert items.shape == (2, 3, 4)
    assert torch.allclose(items.norm(dim=-1), torch.ones(2, 3), atol=1e-5)
    history = torch.tensor([[0, 1, 2], [3, 0, 0]])
    mask = torch.tensor([[True, True, True], [True, False, False]])
    users = model.user_vectors(history, mask, torch.tensor([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]]))
    assert users.shape == (2, 4)
    assert torch.allclose(users.norm(dim=-1), torch.ones(2), atol=1e-5)


@pytest.mark.parametrize("pooling", ["mean", "recency", "attention"])
def test_padding_does_not_change_a_user_vector(pooling):
    model = make_model(pooling).eval()
    short = model.user_vectors(torch.tensor([[1, 2]]), torch.tensor([[True, True]]), torch.tensor([[1.0, 0.0]]))
    padded = model.user_vectors(torch.tensor([[1, 2, 6, 6]]), torch.tensor([[True, True, False, False]]),
                                torch.tensor([[1.0, 0.0, 9.0, 9.0]]))
    assert torch.allclose(short, padded, atol=1e-6)


def test_recency_pooling_weighs_the_newest_item_most():
    model = make_model("recency").eval()
    vectors = model.items(torch.tensor([[0, 1]]))
    mask = torch.tensor([[True, True]])
    weights = model.users._weights(vectors, mask, torch.tensor([[30.0, 0.0]]))  # item 1 is newest
    assert weights[0, 1] > weights[0, 0]
    assert torch.allclose(weights.sum(), torch.tensor(1.0))


def test_new_items_get_content_vectors_and_ids_only_help_items_with_history():
    model = make_model(use_item_ids=True).eval()
    with torch.no_grad():
        model.items.ids.weight.fill_(1.0)
    new_item = torch.tensor([6])  # has_history is False for the last two items
    from_content = model.items.from_content(model.items.content[new_item])
    assert torch.allclose(model.items(new_item), from_content, atol=1e-6)
    old_item = torch.tensor([0])
    assert not torch.allclose(model.items(old_item), model.items.from_content(model.items.content[old_item]), atol=1e-3)


def test_info_nce_matches_a_hand_computed_cross_entropy():
    users = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    positives = torch.tensor([[1.0, 0.0], [1.0, 0.0]])  # user 1's target is far from it
    negatives = torch.tensor([[0.0, 1.0]])
    loss = info_nce(users, positives, negatives, torch.tensor([10, 11]), torch.tensor([12]),
                    torch.zeros(2), torch.zeros(1), temperature=1.0)
    # user 0 logits [1, 1, 0] (target first); user 1 logits [0, 0, 1] (target second).
    expected_0 = -math.log(math.e / (math.e + math.e + 1))
    expected_1 = -math.log(1 / (1 + 1 + math.e))
    assert loss.item() == pytest.approx((expected_0 + expected_1) / 2, rel=1e-6)


def test_info_nce_masks_accidental_hits_and_applies_log_q():
    users = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    positives = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    negatives = torch.tensor([[1.0, 0.0]])
    same = torch.tensor([5, 5])
    # Both rows target item 5 and the sampled negative is item 5 too: nothing is left to contrast.
    masked = info_nce(users, positives, negatives, same, torch.tensor([5]), torch.zeros(2), torch.zeros(1), 1.0)
    assert masked.item() == pytest.approx(0.0, abs=1e-6)
    # A large log-q on the negative lowers its logit, so the loss shrinks.
    plain = info_nce(users, positives, negatives, torch.tensor([5, 6]), torch.tensor([7]), torch.zeros(2), torch.zeros(1), 1.0)
    corrected = info_nce(users, positives, negatives, torch.tensor([5, 6]), torch.tensor([7]), torch.zeros(2), torch.tensor([5.0]), 1.0)
    assert corrected < plain


def test_candidate_log_q_grows_with_popularity():
    log_q = candidate_log_q(torch.tensor([0.5, 0.1, 0.0]), batch_size=10, n_sampled=5, n_items=3)
    assert log_q[0] > log_q[1] > log_q[2]
    assert log_q[2].item() == pytest.approx(math.log(5 / 3), rel=1e-5)
