"""Training the two-tower model on one split view, with early stopping on validation targets.

Examples are (history prefix -> next item) pairs from the view's histories only, so neither a
validation nor a test target is ever a training target or a training input. Seeds are fixed:
the same data and config give the same weights (torch runs with a fixed thread count).
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from ml.encoders.base import limit_torch_threads
from ml.evaluation.metrics import ndcg_at_k, recall_at_k, target_ranks, top_k
from ml.evaluation.split import History
from ml.examples import HistoryBatch, next_item_examples, pad_histories
from ml.loss import candidate_log_q, info_nce
from ml.model import TowerConfig, TwoTower


@dataclass
class TrainConfig:
    epochs: int = 40  # an upper bound when validation targets are given (early stopping)
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    temperature: float = 0.07
    n_negatives: int = 512
    logq_weight: float = 1.0  # 0 = no popularity correction, 1 = full logQ
    patience: int = 4
    max_history: int = 50
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    validation: dict[str, float] = field(default_factory=dict)  # recall@10, ndcg@10 when measured


@dataclass
class TrainResult:
    model: TwoTower
    curve: list[EpochRecord]
    best_epoch: int
    seconds: float


def seed_everything(seed: int) -> None:
    limit_torch_threads()  # a fixed thread count also keeps float reductions, and so results, repeatable
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train_two_tower(
    histories: Mapping[str, History],
    content: np.ndarray,
    tower: TowerConfig,
    config: TrainConfig,
    validation_targets: Mapping[str, int] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train on `histories`; with `validation_targets`, keep the epoch with the best NDCG@10."""
    seed_everything(config.seed)
    started = time.perf_counter()
    examples = next_item_examples(dict(histories), config.max_history)
    if len(examples.targets) == 0:
        raise ValueError("no training examples: every history has a single item")
    has_history = np.zeros(tower.n_items, dtype=bool)
    for history in histories.values():
        has_history[history.items] = True
    model = TwoTower(tower, torch.from_numpy(content), torch.from_numpy(has_history))
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)

    target_probability = torch.from_numpy(np.bincount(examples.targets, minlength=tower.n_items) / len(examples.targets)).float()
    log_q = config.logq_weight * candidate_log_q(target_probability, config.batch_size, config.n_negatives, tower.n_items)
    generator = np.random.default_rng(config.seed)

    curve: list[EpochRecord] = []
    best_score, best_epoch, best_state = -1.0, config.epochs, None
    bar = tqdm(range(1, config.epochs + 1), desc="training", unit="epoch", disable=not progress)
    for epoch in bar:
        loss = _train_epoch(model, optimiser, examples.inputs, examples.targets, log_q, config, generator)
        record = EpochRecord(epoch, loss)
        if validation_targets:
            record.validation = validation_metrics(model, histories, validation_targets, config.max_history)
            if record.validation["ndcg@10"] > best_score:
                best_score, best_epoch, best_state = record.validation["ndcg@10"], epoch, copy.deepcopy(model.state_dict())
        curve.append(record)
        bar.set_postfix(loss=f"{loss:.3f}", **{k: f"{v:.4f}" for k, v in record.validation.items()})
        if validation_targets and epoch - best_epoch >= config.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(model, curve, best_epoch, time.perf_counter() - started)


def _train_epoch(model, optimiser, inputs: HistoryBatch, targets: np.ndarray, log_q: torch.Tensor,
                 config: TrainConfig, generator: np.random.Generator) -> float:
    model.train()
    n_items = model.config.n_items
    order = generator.permutation(len(targets))
    total, batches = 0.0, 0
    for start in range(0, len(order), config.batch_size):
        rows = order[start : start + config.batch_size]
        if len(rows) < 2:  # a lone example has no in-batch negative
            continue
        batch = inputs.rows(rows)
        positive_ids = torch.from_numpy(targets[rows])
        negative_ids = torch.from_numpy(generator.integers(0, n_items, config.n_negatives))
        # One item-tower pass over every distinct item the batch touches.
        history_ids = torch.from_numpy(batch.items)
        unique, inverse = torch.unique(torch.cat([history_ids.flatten(), positive_ids, negative_ids]), return_inverse=True)
        vectors = model.items(unique)[inverse]
        n_history = history_ids.numel()
        history = vectors[:n_history].view(*history_ids.shape, -1)
        positives = vectors[n_history : n_history + len(rows)]
        negatives = vectors[n_history + len(rows) :]
        users = model.users(history, torch.from_numpy(batch.mask), torch.from_numpy(batch.age_days))
        loss = info_nce(users, positives, negatives, positive_ids, negative_ids,
                        log_q[positive_ids], log_q[negative_ids], config.temperature)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        total += loss.item()
        batches += 1
    return total / max(batches, 1)


@torch.inference_mode()
def score_users(model: TwoTower, histories: list[History], max_history: int) -> np.ndarray:
    """Cosine scores [len(histories), n_items] of each history's user vector against every item."""
    model.eval()
    item_vectors = model.items.all_items()
    batch = pad_histories(histories, max_history)
    users = model.users(item_vectors[torch.from_numpy(batch.items)], torch.from_numpy(batch.mask), torch.from_numpy(batch.age_days))
    return (users @ item_vectors.T).numpy()


def validation_metrics(model: TwoTower, histories: Mapping[str, History], targets: Mapping[str, int], max_history: int) -> dict[str, float]:
    """Recall@10 and NDCG@10 of the model alone, ranking the catalog minus each user's history."""
    users = list(targets)
    scores = score_users(model, [histories[u] for u in users], max_history)
    return ranking_metrics(scores, [histories[u].items for u in users], [targets[u] for u in users])


def ranking_metrics(scores: np.ndarray, exclude: list[np.ndarray], targets: list[int], k: int = 10) -> dict[str, float]:
    from scipy import sparse

    rows = np.repeat(np.arange(len(exclude)), [len(e) for e in exclude])
    columns = np.concatenate(exclude) if exclude else np.empty(0, dtype=np.int64)
    mask = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=scores.shape)
    ranks = target_ranks(top_k(scores, mask, k), np.asarray(targets))
    return {f"recall@{k}": float(recall_at_k(ranks, k).mean()), f"ndcg@{k}": float(ndcg_at_k(ranks, k).mean())}
