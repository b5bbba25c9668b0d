"""From encoder outputs to the two content inputs of the recommender.

- `tower_input`: what the item tower reads (text, image, and a flag for a missing image, so the
  tower can tell "no photo" from "a photo that looks like nothing").
- `ContentProjection`: untrained content similarity for the blend. Centring removes the
  direction every catalog item shares (cosines between raw sentence embeddings are all high);
  PCA to a small dimension keeps the served vectors short. On H&M validation this measured
  better than raw cosine (ContentKNN recall@10 0.074 at 256 dims, 0.063 at 128, 0.060 raw).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.encoders.base import l2_normalise
from ml.encoders.catalog import ContentFeatures


def tower_input(features: ContentFeatures) -> np.ndarray:
    blocks = features.blocks()
    if features.image is not None:
        blocks = [*blocks, features.image_missing[:, None].astype(np.float32)]
    return np.hstack(blocks).astype(np.float32)


def similarity_input(features: ContentFeatures) -> np.ndarray:
    """Each modality L2-normalised then concatenated, so each counts equally in a cosine."""
    return np.hstack([l2_normalise(block) for block in features.blocks()]).astype(np.float32)


@dataclass
class ContentProjection:
    mean: np.ndarray  # float32 [d_in]
    components: np.ndarray  # float32 [d_out, d_in]

    @classmethod
    def fit(cls, content: np.ndarray, dim: int = 256) -> ContentProjection:
        """PCA of the catalog's own content (no interactions involved, so nothing can leak)."""
        mean = content.mean(axis=0)
        _, _, vt = np.linalg.svd(content - mean, full_matrices=False)
        return cls(mean.astype(np.float32), vt[: min(dim, vt.shape[0])].astype(np.float32))

    def transform(self, content: np.ndarray) -> np.ndarray:
        return l2_normalise((content - self.mean) @ self.components.T)
