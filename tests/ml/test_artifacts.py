"""Artifacts: hashes catch corruption, and a loaded artifact serves what the trained model scored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from ml.artifacts import ArtifactError, load_artifact, read_manifest, verify_artifact
from ml.datasets.records import Dataset, InteractionRecord, ItemRecord
from ml.encoders.catalog import ContentFeatures
from ml.evaluation.split import SplitView
from ml.recommender import TwoTowerRecommender
from ml.train import TrainConfig

START = datetime(2024, 1, 1, tzinfo=UTC)


def fit_toy(features: ContentFeatures, histories) -> TwoTowerRecommender:
    items = [ItemRecord(str(i), f"item {i}") for i in range(len(features.image_missing))]
    recommender = TwoTowerRecommender(features, {"dim": 8, "hidden": 16},
                                      TrainConfig(epochs=2, batch_size=32, n_negatives=8, patience=1), content_dim=8, progress=False)
    recommender.fit(SplitView("toy", items, MappingProxyType(dict(histories))))
    return recommender


def toy_dataset(histories) -> Dataset:
    items = [ItemRecord(str(i), f"item {i}") for i in range(40)]
    interactions = [InteractionRecord(user, str(item), START + timedelta(seconds=float(t - 1_600_000_000)))
                    for user, h in histories.items() for item, t in zip(h.items, h.times, strict=True)]
    return Dataset("toy", Path("."), items, interactions)


def save(tmp_path, features, histories):
    from ml.artifacts import save_artifact

    recommender = fit_toy(features, histories)
    dataset = toy_dataset(histories)
    folder = save_artifact(recommender, dataset, [item.item_id for item in dataset.items], tmp_path / "artifacts",
                           details={"metrics": {"test": {"ndcg@10": 0.5}}})
    return recommender, folder


def test_artifact_has_a_versioned_folder_and_a_complete_manifest(tmp_path, features, histories):
    _, folder = save(tmp_path, features, histories)
    manifest = verify_artifact(folder)
    assert folder.name == manifest["version"] and folder.name.endswith(manifest["dataset"]["fingerprint"][:8])
    assert set(manifest["files"]) == {
        "model.pt", "item_vectors.npy", "index.faiss", "id_maps.json", "content_projection.npz", "text_vectors.npy"
    }
    assert manifest["packages"]["torch"] and manifest["metrics"]["test"]["ndcg@10"] == 0.5
    assert manifest["model"]["blend"] and manifest["model"]["tower"]["dim"] == 8


@pytest.mark.parametrize("name", ["item_vectors.npy", "model.pt", "index.faiss"])
def test_a_flipped_byte_is_caught_and_the_file_named(tmp_path, features, histories, name):
    _, folder = save(tmp_path, features, histories)
    path = folder / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=name):
        verify_artifact(folder)
    with pytest.raises(ArtifactError, match=name):
        load_artifact(folder)


def test_a_missing_file_is_named(tmp_path, features, histories):
    _, folder = save(tmp_path, features, histories)
    (folder / "id_maps.json").unlink()
    with pytest.raises(ArtifactError, match="id_maps.json"):
        verify_artifact(folder)


def test_loaded_artifact_serves_the_scores_of_the_fitted_model(tmp_path, features, histories):
    recommender, folder = save(tmp_path, features, histories)
    serving = load_artifact(tmp_path / "artifacts")  # the newest version under the root
    assert serving.version == folder.name
    history = histories["u3"]
    liked = [str(i) for i in history.items]
    when = [START + timedelta(seconds=float(t - 1_600_000_000)) for t in history.times]
    # Likes arrive in any order; the timestamps decide recency.
    vector = serving.user_vector(liked[::-1], when[::-1])
    assert np.allclose(vector, recommender.user_vectors([history])[0], atol=1e-5)
    assert np.allclose(serving.item_vectors @ vector, recommender.score(["u3"])[0], atol=1e-4)
    scores, rows = serving.index.search(vector[None, :], 5)
    assert np.allclose(scores[0], np.sort(serving.item_vectors @ vector)[::-1][:5], atol=1e-4)
    # Unknown items are ignored; nothing known leaves only the popularity prior.
    cold = serving.user_vector(["no-such-item"], [START])
    assert not cold[:-1].any() and cold[-1] == pytest.approx(read_manifest(folder)["model"]["blend"]["popularity"])


def test_text_search_vectors_and_vectors_for_new_items(tmp_path, histories):
    rng = np.random.default_rng(0)
    text = rng.normal(size=(40, 384)).astype(np.float32)
    features = ContentFeatures(text / np.linalg.norm(text, axis=1, keepdims=True), None, np.zeros(40, dtype=bool), [])
    _, folder = save(tmp_path, features, histories)
    serving = load_artifact(folder)
    # The items' sentence embeddings are stored (as float16) for search by meaning.
    assert np.allclose(serving.text_vectors, features.text, atol=1e-3)
    query = serving.query_vector("warm wool scarf")
    assert query.shape == (384,) and np.linalg.norm(query) == pytest.approx(1.0, abs=1e-4)
    # A product the model never saw gets an item vector from its content alone.
    new = serving.new_item_vectors([ItemRecord("new-1", "Warm wool scarf", "Soft and thick.", "Accessories")])
    assert new.items.shape == (1, serving.item_vectors.shape[1])
    assert new.items[0, -1] == 0.0  # no buyers yet: no popularity prior
    assert np.isfinite(new.items).all() and new.texts.shape == (1, 384)

