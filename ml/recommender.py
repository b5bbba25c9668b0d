"""The trained two-tower model behind the evaluation `Recommender` protocol (fit on a view, score users).

Hyper-parameters are chosen on validation only:
- fit on a view WITH validation targets (the validation stage): train with early stopping on
  validation NDCG@10, then pick the blend weights on the same validation targets; both are kept
  as `self.tuned`.
- fit on a view WITHOUT targets (the test stage, train+validation): forget the weights and
  retrain from scratch for exactly the tuned number of epochs with the tuned blend. If nothing
  was tuned yet, the tuning first runs on an inner split of that view (each user's last item
  held out), so no fit ever looks at a target it is scored on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from ml.blend import BlendWeights, blend_item_vectors, blend_user_vectors, choose_weights, popularity_prior
from ml.encoders.catalog import ContentFeatures
from ml.evaluation.split import MIN_DISTINCT_ITEMS, History, SplitView
from ml.examples import pad_histories
from ml.features import ContentProjection, similarity_input, tower_input
from ml.model import TowerConfig, TwoTower
from ml.train import EpochRecord, TrainConfig, ranking_metrics, train_two_tower


@dataclass
class Tuned:
    epochs: int
    blend: BlendWeights
    validation: dict[str, float] = field(default_factory=dict)  # blended model on validation targets
    model_only_validation: dict[str, float] = field(default_factory=dict)


class TwoTowerRecommender:
    def __init__(self, content: ContentFeatures, tower: Mapping | None = None, training: TrainConfig | None = None,
                 content_dim: int = 256, tune_blend: bool = True, progress: bool = True):
        self.content = content
        self.tower_overrides = dict(tower or {})
        self.training = training or TrainConfig()
        self.tune_blend = tune_blend
        self.progress = progress
        self.tuned: Tuned | None = None
        self.curve: list[EpochRecord] = []
        self.train_seconds = 0.0
        self._tower_input = tower_input(content)
        self.projection = ContentProjection.fit(similarity_input(content), content_dim)
        self.content_vectors = self.projection.transform(similarity_input(content))

    # -- Recommender protocol -------------------------------------------------------------
    def fit(self, view: SplitView) -> None:
        if view.validation_targets:
            self._fit_and_tune(view.histories, view.validation_targets)
            return
        if self.tuned is None:
            histories, targets = hold_out_last_items(view.histories)
            self._fit_and_tune(histories, targets)
        config = replace(self.training, epochs=self.tuned.epochs)
        result = train_two_tower(view.histories, self._tower_input, self._tower_config(), config, None, self.progress)
        self._adopt(result.model, view.histories, self.tuned.blend)
        self.train_seconds += result.seconds

    def score(self, user_ids: Sequence[str]) -> np.ndarray:
        known = [u for u in user_ids if u in self.histories]
        users = np.zeros((len(user_ids), self.item_vectors.shape[1]), dtype=np.float32)
        if known:
            rows = [i for i, u in enumerate(user_ids) if u in self.histories]
            users[rows] = self.user_vectors([self.histories[u] for u in known])
        # A user without history gets only the popularity part of the blend.
        users[[i for i, u in enumerate(user_ids) if u not in self.histories], -1] = self.blend.popularity
        return users @ self.item_vectors.T

    # -- serving ---------------------------------------------------------------------------
    def user_vectors(self, histories: Sequence[History]) -> np.ndarray:
        """Blended user vectors; their inner product with `item_vectors` is the served score."""
        import torch

        batch = pad_histories(histories, self.training.max_history)
        with torch.inference_mode():
            model_users = self.model.users(self.model_items[torch.from_numpy(batch.items)],
                                           torch.from_numpy(batch.mask), torch.from_numpy(batch.age_days)).numpy()
        content_users = np.stack([self.content_vectors[h.items].mean(axis=0) for h in histories])
        content_users /= np.maximum(np.linalg.norm(content_users, axis=1, keepdims=True), 1e-12)
        return blend_user_vectors(model_users, content_users, self.blend)

    # -- internals -------------------------------------------------------------------------
    def _tower_config(self) -> TowerConfig:
        return TowerConfig(content_dim=self._tower_input.shape[1], n_items=len(self._tower_input), **self.tower_overrides)

    def _fit_and_tune(self, histories: Mapping[str, History], targets: Mapping[str, int]) -> None:
        result = train_two_tower(histories, self._tower_input, self._tower_config(), self.training, targets, self.progress)
        self.curve, self.train_seconds = result.curve, result.seconds
        self._adopt(result.model, histories, BlendWeights())
        users = list(targets)
        user_histories = [histories[u] for u in users]
        exclude = [h.items for h in user_histories]
        goal = [targets[u] for u in users]

        def validation(weights: BlendWeights) -> dict[str, float]:
            self.blend = weights
            return ranking_metrics(self.user_vectors(user_histories) @ self.item_vectors.T, exclude, goal)

        model_only = validation(BlendWeights())
        if self.tune_blend:
            weights, _ = choose_weights(lambda w: validation(w)["ndcg@10"])
        else:
            weights = BlendWeights()
        self.tuned = Tuned(result.best_epoch, weights, validation(weights), model_only)
        self.blend = weights

    def _adopt(self, model: TwoTower, histories: Mapping[str, History], blend: BlendWeights) -> None:
        import torch

        self.model, self.histories, self.blend = model, histories, blend
        with torch.inference_mode():
            self.model_items = model.items.all_items()
        items = np.concatenate([h.items for h in histories.values()])
        self.prior = popularity_prior(items, len(self._tower_input))
        self.item_vectors = blend_item_vectors(self.model_items.numpy(), self.content_vectors, self.prior)


def hold_out_last_items(histories: Mapping[str, History]) -> tuple[Mapping[str, History], Mapping[str, int]]:
    """An inner validation split of a view: the last item of each user with enough items."""
    kept: dict[str, History] = {}
    targets: dict[str, int] = {}
    for user, history in histories.items():
        if len(history.items) >= MIN_DISTINCT_ITEMS:
            kept[user] = History(history.items[:-1], history.times[:-1])
            targets[user] = int(history.items[-1])
        else:
            kept[user] = history
    return MappingProxyType(kept), MappingProxyType(targets)
