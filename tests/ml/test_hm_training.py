"""Integration: a brief training run on the real H&M data beats Popular on the validation split.

Quality only, not timing. Uses the text encoder alone (its cache makes re-runs fast); the
dataset must exist under CI=true (fails loudly) and is skipped with a reason elsewhere.
"""

from __future__ import annotations

import pytest

from tests.conftest import dataset_path


@pytest.mark.slow
def test_brief_training_on_hm_beats_popular_on_validation():
    from ml.evaluation.baselines import Popular
    from ml.evaluation.evaluator import evaluate_stage
    from ml.recommender import TwoTowerRecommender
    from ml.train import TrainConfig
    from ml.workflows import encode, load

    dataset, split = load(dataset_path("hm"), "hm", None)
    features = encode(dataset, ["text"])
    model = TwoTowerRecommender(features, training=TrainConfig(epochs=6, patience=2), progress=False)
    trained = evaluate_stage(model, split, "validation").summary()
    popular = evaluate_stage(Popular(), split, "validation").summary()
    assert trained["recall@10"] > popular["recall@10"]
    assert trained["ndcg@10"] > popular["ndcg@10"]
