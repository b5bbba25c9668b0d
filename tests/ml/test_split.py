import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from ml.datasets.readers import read_dataset
from ml.datasets.records import Dataset, InteractionRecord, ItemRecord
from ml.evaluation.split import leave_last_out_split

START = datetime(2024, 1, 1, tzinfo=UTC)
HM = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "hm"


def toy_dataset(events, items="abcdefg"):
    """events: (user, item, day[, rating]) in file order."""
    interactions = [
        InteractionRecord(user, item, START + timedelta(days=day), *(rest or [None]))
        for user, item, day, *rest in events
    ]
    return Dataset("toy", Path("."), [ItemRecord(item, f"item {item}") for item in items], interactions)


def column_ids(split, columns):
    return [split.item_ids[c] for c in columns]


def test_last_distinct_item_is_test_and_second_to_last_is_validation():
    split = leave_last_out_split(toy_dataset([("u", "a", 1), ("u", "b", 2), ("u", "c", 3), ("u", "d", 4)]))
    assert split.item_ids[split.test_targets["u"]] == "d"
    assert split.item_ids[split.validation_targets["u"]] == "c"
    assert column_ids(split, split.train.histories["u"].items) == ["a", "b"]
    assert column_ids(split, split.train_validation.histories["u"].items) == ["a", "b", "c"]


def test_interactions_are_sorted_by_time_and_ties_keep_file_order():
    events = [("u", "d", 5), ("u", "a", 1), ("u", "c", 3), ("u", "b", 3)]
    split = leave_last_out_split(toy_dataset(events))
    assert column_ids(split, split.train_validation.histories["u"].items) == ["a", "c", "b"]
    assert split.item_ids[split.test_targets["u"]] == "d"
    assert np.all(np.diff(split.train_validation.histories["u"].times) >= 0)


def test_repeated_items_count_once_at_their_first_occurrence():
    # a is bought again last: its first purchase stands, so c (not a) is the test target.
    events = [("u", "a", 1), ("u", "b", 2), ("u", "c", 3), ("u", "a", 4)]
    split = leave_last_out_split(toy_dataset(events))
    assert split.item_ids[split.test_targets["u"]] == "c"
    assert split.item_ids[split.validation_targets["u"]] == "b"
    assert column_ids(split, split.train.histories["u"].items) == ["a"]


def test_users_with_fewer_than_three_distinct_items_are_not_evaluated_but_train():
    events = [("short", "a", 1), ("short", "b", 2), ("short", "a", 3), ("long", "a", 1), ("long", "b", 2), ("long", "c", 3)]
    split = leave_last_out_split(toy_dataset(events))
    assert split.evaluated_users == ["long"]
    assert column_ids(split, split.train.histories["short"].items) == ["a", "b"]
    assert column_ids(split, split.train_validation.histories["short"].items) == ["a", "b"]


def test_no_target_leaks_into_the_history_it_is_ranked_against():
    rng = np.random.default_rng(1)
    events = [(f"u{rng.integers(20)}", "abcdefg"[rng.integers(7)], int(rng.integers(30))) for _ in range(200)]
    split = leave_last_out_split(toy_dataset(events))
    assert split.evaluated_users
    for user in split.evaluated_users:
        assert split.test_targets[user] not in split.train_validation.histories[user].items
        assert split.test_targets[user] not in split.train.histories[user].items
        assert split.validation_targets[user] not in split.train.histories[user].items
        train_last = split.train.histories[user].times[-1]
        assert split.train_validation.histories[user].times[-1] >= train_last


def test_only_the_train_view_carries_validation_targets():
    split = leave_last_out_split(toy_dataset([("u", "a", 1), ("u", "b", 2), ("u", "c", 3)]))
    assert dict(split.train.validation_targets) == dict(split.validation_targets)
    assert split.train_validation.validation_targets is None
    assert split.stage("validation") == (split.train, split.validation_targets)
    assert split.stage("test") == (split.train_validation, split.test_targets)


def test_min_rating_drops_interactions_that_are_not_positives():
    events = [("u", "a", 1, 5.0), ("u", "b", 2, 1.0), ("u", "c", 3, 4.0), ("u", "d", 4, 5.0)]
    split = leave_last_out_split(toy_dataset(events), min_rating=4.0)
    assert column_ids(split, split.train_validation.histories["u"].items) == ["a", "c"]
    assert leave_last_out_split(toy_dataset(events)).train.histories["u"].items.size == 2


def test_interaction_matrix_rows_follow_the_requested_users():
    split = leave_last_out_split(toy_dataset([("u", "a", 1), ("u", "b", 2), ("u", "c", 3), ("v", "g", 1)]))
    matrix = split.train.interaction_matrix(["v", "nobody", "u"]).toarray()
    assert matrix.shape == (3, 7)
    assert matrix[0].nonzero()[0].tolist() == [6]
    assert matrix[1].sum() == 0
    assert matrix[2].nonzero()[0].tolist() == [0]


def test_hm_split_matches_the_protocol():
    if not HM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"H&M dataset missing at {HM}")
        pytest.skip(f"H&M dataset not found at {HM}")
    split = leave_last_out_split(read_dataset(HM, check_images=False))
    sizes = split.sizes()
    assert sizes["items"] == 6000 and sizes["users"] == 1037
    assert sizes["evaluated_users"] == sizes["validation_interactions"] == sizes["test_interactions"] > 500
    for user in split.evaluated_users:
        assert split.test_targets[user] not in split.train_validation.histories[user].items
