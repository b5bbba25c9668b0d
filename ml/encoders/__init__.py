"""Content encoders behind one small interface (`Encoder`), with an on-disk embedding cache.

The torch-backed encoders live in their own modules (`ml.encoders.text`, `ml.encoders.image`,
`ml.encoders.open_clip_encoder`) and load torch only when they first encode something.
"""

from ml.encoders.base import Embeddings, Encoder, l2_normalise
from ml.encoders.cache import EmbeddingCache, cache_dir
from ml.encoders.catalog import MODALITIES, ContentFeatures, encode_catalog

__all__ = ["MODALITIES", "ContentFeatures", "Embeddings", "EmbeddingCache", "Encoder", "cache_dir", "encode_catalog", "l2_normalise"]
