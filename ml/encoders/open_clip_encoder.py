"""OpenCLIP ViT-B-32 (what the original project used), for deployments that can reach the model hub.

This module imports `open_clip` at the top on purpose: it is importable only where open_clip
is installed, and the offline encoders never depend on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import open_clip  # noqa: F401  (the point of this module: fail early where it is absent)

from ml.datasets.records import ItemRecord
from ml.encoders.base import Embeddings, Encoder, limit_torch_threads
from ml.encoders.cache import EmbeddingCache
from ml.encoders.image import read_image_bytes
from ml.encoders.pipeline import UnusableContent, encode_cached


class OpenClipEncoder(Encoder):
    """One modality of a CLIP model: "image" encodes photos, "text" encodes `ItemRecord.text()`."""

    dim = 512

    def __init__(self, modality: str, model_name: str = "ViT-B-32", pretrained: str = "laion2b_s34b_b79k",
                 cache: EmbeddingCache | None = None, batch_size: int = 32):
        if modality not in ("image", "text"):
            raise ValueError(f"modality must be 'image' or 'text', not {modality!r}")
        self.modality = modality
        self.name = f"open_clip-{model_name}-{pretrained}-{modality}"
        self.cache = cache
        self.batch_size = batch_size
        self._model_name, self._pretrained = model_name, pretrained
        self._loaded = None

    def _load(self):
        if self._loaded is None:
            limit_torch_threads()
            model, _, preprocess = open_clip.create_model_and_transforms(self._model_name, pretrained=self._pretrained)
            self._loaded = (model.eval(), preprocess, open_clip.get_tokenizer(self._model_name))
        return self._loaded

    def embed(self, items: Sequence[ItemRecord]) -> Embeddings:
        ids = [item.item_id for item in items]
        if self.modality == "text":
            contents = [item.text().encode("utf-8") for item in items]
            return encode_cached(self.name, self.dim, ids, contents, lambda raw: raw.decode("utf-8"),
                                 self._encode_texts, self.batch_size, self.cache)
        contents = [read_image_bytes(item) for item in items]
        return encode_cached(self.name, self.dim, ids, contents, self._prepare_image,
                             self._encode_images, self.batch_size, self.cache)

    def _prepare_image(self, raw: bytes):
        import io

        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(raw)) as image:
                return self._load()[1](image.convert("RGB"))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise UnusableContent(f"unreadable image: {error}") from error

    def _encode_images(self, pixels: list) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self._load()[0].encode_image(torch.stack(pixels)).numpy()

    def _encode_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        model, _, tokenizer = self._load()
        with torch.inference_mode():
            return model.encode_text(tokenizer(texts)).numpy()
