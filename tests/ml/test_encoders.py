"""The offline encoders on a few real items, a broken image among them, and the embedding cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml.datasets.records import ItemRecord
from ml.encoders import EmbeddingCache
from ml.encoders.cache import cache_dir, content_key


@pytest.fixture
def items(tmp_path: Path) -> list[ItemRecord]:
    red, blue = tmp_path / "red.jpg", tmp_path / "blue.jpg"
    Image.new("RGB", (120, 180), (200, 20, 20)).save(red)
    Image.new("RGB", (180, 120), (20, 20, 200)).save(blue)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(red.read_bytes()[:40])  # a truncated JPEG, as a failed upload leaves it
    return [
        ItemRecord("a", "Red summer dress", "Light cotton dress", "Dresses", image_path=red),
        ItemRecord("b", "Blue denim jeans", "Slim fit", "Trousers", image_path=blue),
        ItemRecord("c", "Wool scarf", "Warm and soft", "Accessories", image_path=broken),
        ItemRecord("d", "Canvas tote bag", "", "Bags", image_path=None),
    ]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> EmbeddingCache:
    monkeypatch.setenv("SHOPREC_CACHE_DIR", str(tmp_path / "cache"))
    return EmbeddingCache()


def test_cache_folder_comes_from_the_environment_and_defaults_outside_the_checkout(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOPREC_CACHE_DIR", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x"
    monkeypatch.delenv("SHOPREC_CACHE_DIR")
    assert cache_dir() == Path.home() / ".cache" / "shoprec" / "embeddings"


def test_cache_keys_separate_encoders_and_contents():
    assert content_key("text", b"abc") == content_key("text", b"abc")
    assert content_key("text", b"abc") != content_key("image", b"abc")
    assert content_key("ab", b"c") != content_key("a", b"bc")


def test_text_encoder_gives_unit_vectors_and_caches_them(items, cache, monkeypatch):
    from ml.encoders.text import TextEncoder

    encoder = TextEncoder(cache)
    vectors = encoder.encode(items)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # A second run must come from the cache: encoding anything now would fail the test.
    monkeypatch.setattr(encoder, "_encode_batch", lambda texts: pytest.fail(f"re-encoded {texts}"))
    assert np.allclose(encoder.encode(items), vectors)
    # A changed title is new content: only that item is encoded again.
    encoded = []
    monkeypatch.setattr(encoder, "_encode_batch", lambda texts: encoded.extend(texts) or np.ones((len(texts), 384)))
    items[1].title = "Black denim jeans"
    encoder.encode(items)
    assert len(encoded) == 1 and encoded[0].startswith("Black denim jeans")


def test_image_encoder_flags_missing_and_broken_images_instead_of_failing(items, cache):
    from ml.encoders.image import ImageEncoder

    embedded = ImageEncoder(cache).embed(items)
    assert embedded.vectors.shape == (4, 1280)
    assert list(embedded.missing) == [False, False, True, True]
    assert np.allclose(np.linalg.norm(embedded.vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not embedded.vectors[2:].any()
    assert len(embedded.problems) == 2
    assert any(p.startswith("item c: unreadable image") for p in embedded.problems)
    assert any(p == "item d: no image" for p in embedded.problems)
    # Different pictures, different vectors.
    assert embedded.vectors[0] @ embedded.vectors[1] < 0.999


def test_open_clip_encoder_is_only_importable_with_open_clip():
    import importlib.util

    if importlib.util.find_spec("open_clip") is not None:
        from ml.encoders.open_clip_encoder import OpenClipEncoder

        assert OpenClipEncoder("image").name.endswith("-image")
    else:
        with pytest.raises(ImportError):
            import ml.encoders.open_clip_encoder  # noqa: F401
