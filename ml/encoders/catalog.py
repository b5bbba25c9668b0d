"""Content features of a whole catalog: the inputs of the item tower."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ml.datasets.records import ItemRecord
from ml.encoders.cache import EmbeddingCache

MODALITIES = ("text", "image")


@dataclass
class ContentFeatures:
    """Per-item content vectors in catalog order; a modality left out is None."""

    text: np.ndarray | None  # float32 [n_items, 384]
    image: np.ndarray | None  # float32 [n_items, 1280]; zero rows where image_missing
    image_missing: np.ndarray  # bool [n_items]
    problems: list[str]

    def blocks(self) -> list[np.ndarray]:
        return [block for block in (self.text, self.image) if block is not None]


def encode_catalog(items: Sequence[ItemRecord], modalities: Sequence[str] = MODALITIES,
                   cache: EmbeddingCache | None = None) -> ContentFeatures:
    """Encode every item with the offline encoders of the chosen modalities (cached)."""
    unknown = set(modalities) - set(MODALITIES)
    if unknown or not modalities:
        raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}, got {list(modalities)}")
    text = image = None
    missing = np.zeros(len(items), dtype=bool)
    problems: list[str] = []
    if "text" in modalities:
        from ml.encoders.text import TextEncoder

        text = TextEncoder(cache).encode(items)
    if "image" in modalities:
        from ml.encoders.image import ImageEncoder

        embedded = ImageEncoder(cache).embed(items)
        image, missing, problems = embedded.vectors, embedded.missing, embedded.problems
    return ContentFeatures(text, image, missing, problems)
