"""`python -m ml.evaluation`: the baselines on one dataset, reported by the shared protocol.

ContentKNN runs once per content modality set (text, image, text+image), matching the trained
model's ablations, so each of them has an untrained counterpart to beat.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ml.datasets.readers import FORMATS, read_dataset
from ml.evaluation.baselines import ContentKNN, default_baselines
from ml.evaluation.report import run_evaluation
from ml.evaluation.split import leave_last_out_split

CONTENT_VARIANTS = {"text": ("text",), "image": ("image",), "text+image": ("text", "image")}


def content_variants(items, variants: Sequence[str]) -> dict[str, np.ndarray]:
    """Untrained content vectors per variant: each modality's L2-normalised block, concatenated.

    Concatenating unit blocks (scaled by 1/sqrt(blocks)) makes the cosine of two items the mean of
    their per-modality cosines, so neither modality dominates because of its dimension.
    Each modality is encoded once (and cached on disk) however many variants use it.
    """
    from ml.encoders import EmbeddingCache, encode_catalog

    modalities = sorted({modality for variant in variants for modality in CONTENT_VARIANTS[variant]})
    if not modalities:
        return {}
    features = encode_catalog(items, modalities, cache=EmbeddingCache())
    blocks = {"text": features.text, "image": features.image}
    embeddings = {}
    for variant in variants:
        parts = [blocks[m] / np.maximum(np.linalg.norm(blocks[m], axis=1, keepdims=True), 1e-12) for m in CONTENT_VARIANTS[variant]]
        embeddings[variant] = np.concatenate(parts, axis=1) / np.sqrt(len(parts))
    return embeddings


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ml.evaluation", description="Run the baselines on a dataset by the evaluation protocol.")
    parser.add_argument("--dataset", required=True, type=Path, help="dataset folder (or Amazon .jsonl file)")
    parser.add_argument("--format", choices=FORMATS, help="dataset layout (detected when omitted)")
    parser.add_argument("--out", required=True, type=Path, help="folder for report.md, metrics.json and the figures")
    parser.add_argument("--min-rating", type=float, help="ratings below this are not positives")
    parser.add_argument("--content", nargs="*", choices=list(CONTENT_VARIANTS), default=list(CONTENT_VARIANTS),
                        help="ContentKNN variants to run (needs the offline encoders; none: --content)")
    parser.add_argument("--history", type=Path, help="JSON list of per-epoch dicts for training_curve.png")
    parser.add_argument("--reference", default="Popular", help="model the others are compared with (paired bootstrap)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples over users (0: none)")
    args = parser.parse_args(argv)

    dataset = read_dataset(args.dataset, args.format, check_images=False)
    split = leave_last_out_split(dataset, min_rating=args.min_rating)
    recommenders = default_baselines()
    for variant, embeddings in content_variants(dataset.items, args.content).items():
        recommenders[f"ContentKNN ({variant})"] = ContentKNN(embeddings)
    history = json.loads(args.history.read_text()) if args.history else None
    run_evaluation(split, recommenders, args.out, dataset_name=dataset.name, training_history=history,
                   reference=args.reference, bootstrap_samples=args.bootstrap)
