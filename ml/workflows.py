"""The long jobs behind `shoprec train`, `shoprec evaluate` and `shoprec encode`.

Both train and evaluate follow the evaluation protocol: tune on the validation split, refit on
train+validation, measure on test. The artifact serves exactly the model whose test metrics its
manifest reports (fitted on train+validation: each evaluated user's very last item is unseen).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ml.datasets.readers import read_dataset
from ml.datasets.records import Dataset
from ml.encoders import MODALITIES, ContentFeatures, EmbeddingCache, encode_catalog
from ml.evaluation.split import LeaveLastOutSplit, leave_last_out_split

MODEL_NAME = "TwoTower"


def load(data: Path | str, fmt: str | None, min_rating: float | None) -> tuple[Dataset, LeaveLastOutSplit]:
    # Images are checked by the image encoder, which records broken ones instead of stopping.
    return split_dataset(read_dataset(data, fmt, check_images=False), min_rating)


def split_dataset(dataset: Dataset, min_rating: float | None) -> tuple[Dataset, LeaveLastOutSplit]:
    split = leave_last_out_split(dataset, min_rating=min_rating)
    print(f"{dataset.name}: {len(dataset.items):,} items, {len(dataset.interactions):,} interactions, "
          f"{len(dataset.problems):,} bad rows; split {split.sizes()}", flush=True)
    return dataset, split


def encode(dataset: Dataset, modalities: Sequence[str] = MODALITIES) -> ContentFeatures:
    started = time.perf_counter()
    features = encode_catalog(dataset.items, modalities, cache=EmbeddingCache())
    print(f"content features ({'+'.join(modalities)}) ready in {time.perf_counter() - started:.1f}s; "
          f"{int(features.image_missing.sum())} items without a usable image", flush=True)
    for problem in features.problems[:10]:
        print(f"  {problem}", flush=True)
    if len(features.problems) > 10:
        print(f"  ... and {len(features.problems) - 10} more", flush=True)
    return features


def only(features: ContentFeatures, modalities: Sequence[str]) -> ContentFeatures:
    """The same features with the other modalities left out (for ablations)."""
    return ContentFeatures(
        text=features.text if "text" in modalities else None,
        image=features.image if "image" in modalities else None,
        image_missing=features.image_missing,
        problems=features.problems if "image" in modalities else [],
    )


def train_and_save(data: Path | str, fmt: str | None, out: Path | str, min_rating: float | None = None,
                   **options) -> Path:
    """Train on a dataset folder and write an artifact version (see `train_dataset_and_save`)."""
    return train_dataset_and_save(*load(data, fmt, min_rating), out, min_rating, **options)


def train_dataset_and_save(dataset: Dataset, split: LeaveLastOutSplit, out: Path | str, min_rating: float | None = None,
                           modalities: Sequence[str] = MODALITIES, tower: Mapping | None = None,
                           training: Mapping | None = None, index_kind: str = "exact", progress: bool = True) -> Path:
    from ml.artifacts import save_artifact
    from ml.evaluation.tuning import validate_then_test
    from ml.recommender import TwoTowerRecommender
    from ml.train import TrainConfig

    features = encode(dataset, modalities)
    started = time.perf_counter()
    recommender = TwoTowerRecommender(features, tower, TrainConfig(**(training or {})), progress=progress)
    result = validate_then_test(recommender, split)
    elapsed = time.perf_counter() - started
    metrics = {"validation": result.validation.summary(), "test": result.test.summary()}
    folder = save_artifact(recommender, dataset, split.item_ids, out, index_kind=index_kind, details={
        "split": split.sizes(),
        "min_rating": min_rating,
        "metrics": metrics,
        "tuned": {"epochs": recommender.tuned.epochs, "blend": recommender.tuned.blend.to_dict(),
                  "model_only_validation": recommender.tuned.model_only_validation},
        "training_curve": training_history(recommender),
        "training_seconds": round(elapsed, 1),
        "encoding_problems": len(features.problems),
        "served_model": "fitted on train+validation with the hyper-parameters chosen on validation",
    })
    print(f"trained in {elapsed:.1f}s (both fits, excluding encoding); epochs {recommender.tuned.epochs}, "
          f"blend {recommender.tuned.blend.to_dict()}")
    for stage, summary in metrics.items():
        print(f"  {stage:10s} " + "  ".join(f"{k}={v:.4f}" for k, v in summary.items()))
    print(f"artifact written to {folder}", flush=True)
    return folder


def training_history(recommender) -> list[dict[str, float]]:
    """Per-epoch loss and validation metrics of the validation-stage fit (for the report's curve)."""
    return [{"epoch": record.epoch, "loss": record.loss, **record.validation} for record in recommender.curve]


def evaluate_all(data: Path | str, fmt: str | None, out: Path | str, min_rating: float | None = None,
                 ablation: bool = True, bootstrap: int = 1000, progress: bool = True) -> dict:
    """Baselines, the trained model and its per-modality ablations in one report (ml.evaluation)."""
    from ml.evaluation.baselines import ContentKNN, default_baselines
    from ml.evaluation.cli import content_variants
    from ml.evaluation.report import run_evaluation
    from ml.recommender import TwoTowerRecommender

    dataset, split = load(data, fmt, min_rating)
    features = encode(dataset, MODALITIES)
    recommenders = default_baselines()
    variants = ["text", "image", "text+image"] if ablation else ["text+image"]
    for variant, embeddings in content_variants(dataset.items, variants).items():
        recommenders[f"ContentKNN ({variant})"] = ContentKNN(embeddings)
    model = TwoTowerRecommender(features, progress=progress)
    # The report plots the training curve it is handed up front, so the validation-stage fit runs
    # once here; run_evaluation refits it identically (fixed seeds) inside the protocol.
    model.fit(split.train)
    history = training_history(model)
    recommenders[f"{MODEL_NAME} (text+image)"] = model
    if ablation:
        for modality in MODALITIES:
            recommenders[f"{MODEL_NAME} ({modality})"] = TwoTowerRecommender(only(features, [modality]), progress=progress)
    return run_evaluation(split, recommenders, out, dataset_name=dataset.name, training_history=history,
                          reference="ContentKNN (text+image)", bootstrap_samples=bootstrap)
