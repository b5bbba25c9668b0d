"""`shoprec train | evaluate | encode | fetch-artifacts`: argparse wiring only.

Importing this module loads neither torch nor faiss (the web app builds its CLI from it);
each handler imports the workflow it runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ml.datasets.readers import FORMATS

MODALITY_CHOICES = ("text", "image", "text,image")


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="train the contrastive recommender and write a versioned artifact")
    _dataset_arguments(train)
    train.add_argument("--out", type=Path, default=Path("artifacts"), help="folder for artifact versions (default ./artifacts)")
    train.add_argument("--modalities", choices=MODALITY_CHOICES, default="text,image", help="content the item tower reads")
    train.add_argument("--pooling", choices=("mean", "recency", "attention"), help="user tower pooling (default: recency)")
    train.add_argument("--max-epochs", type=int, help="upper bound for early stopping (default 40)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--index", choices=("exact", "hnsw"), default="exact", help="FAISS index kind (hnsw for large catalogs)")
    train.set_defaults(handler=_train)

    evaluate = subparsers.add_parser("evaluate", help="baselines, the trained model and its ablations on the evaluation protocol")
    _dataset_arguments(evaluate)
    evaluate.add_argument("--out", type=Path, required=True, help="report folder (report.md, metrics.json, figures)")
    evaluate.add_argument("--no-ablation", action="store_true", help="skip the text-only and image-only variants")
    evaluate.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples over users (0: none)")
    evaluate.set_defaults(handler=_evaluate)

    encode = subparsers.add_parser("encode", help="encode a catalog's text and images into the embedding cache")
    _dataset_arguments(encode)
    encode.add_argument("--modalities", choices=MODALITY_CHOICES, default="text,image")
    encode.set_defaults(handler=_encode)

    fetch = subparsers.add_parser("fetch-artifacts", help="download a dataset and/or model artifact by Google Drive file id")
    fetch.add_argument("--data-id", help="file id of the dataset archive (default $DATA_FILE_ID)")
    fetch.add_argument("--model-id", help="file id of the model artifact archive (default $MODEL_FILE_ID)")
    fetch.add_argument("--dest", type=Path, required=True, help="folder to unpack into (dest/data, dest/model)")
    fetch.add_argument("--sha256", action="append", default=[], metavar="ID=HEX",
                       help="expected SHA-256 of a download (repeatable); without it the artifact's manifest is checked")
    fetch.add_argument("--base-url", help="download URL prefix the id is appended to (default Google Drive)")
    fetch.set_defaults(handler=_fetch)


def _dataset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="dataset folder (or Amazon .jsonl file)")
    parser.add_argument("--format", choices=FORMATS, help="dataset layout (detected when omitted)")
    parser.add_argument("--min-rating", type=float, help="interactions rated below this are not positives")


def _train(args: argparse.Namespace) -> int:
    from ml.workflows import train_and_save

    tower = {"pooling": args.pooling} if args.pooling else {}
    training = {"seed": args.seed, **({"epochs": args.max_epochs} if args.max_epochs else {})}
    train_and_save(args.data, args.format, args.out, args.min_rating, modalities=args.modalities.split(","),
                   tower=tower, training=training, index_kind=args.index)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from ml.workflows import evaluate_all

    evaluate_all(args.data, args.format, args.out, args.min_rating, ablation=not args.no_ablation, bootstrap=args.bootstrap)
    return 0


def _encode(args: argparse.Namespace) -> int:
    from ml.workflows import encode, load

    dataset, _ = load(args.data, args.format, args.min_rating)
    encode(dataset, args.modalities.split(","))
    return 0


def _fetch(args: argparse.Namespace) -> int:
    import os

    from ml.fetch import fetch_artifacts

    expected = {}
    for pair in args.sha256:
        file_id, _, digest = pair.partition("=")
        if not digest:
            raise SystemExit(f"--sha256 expects ID=HEX, got {pair!r}")
        expected[file_id] = digest
    data_id = args.data_id or os.environ.get("DATA_FILE_ID")
    model_id = args.model_id or os.environ.get("MODEL_FILE_ID")
    if not (data_id or model_id):
        raise SystemExit("nothing to fetch: give --data-id/--model-id or set DATA_FILE_ID/MODEL_FILE_ID")
    for role, folder in fetch_artifacts(data_id, model_id, args.dest, expected, args.base_url).items():
        print(f"{role}: {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run these commands without the web app's CLI: `python -m ml.commands train ...`."""
    parser = argparse.ArgumentParser(prog="python -m ml.commands")
    register(parser.add_subparsers(title="commands", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
