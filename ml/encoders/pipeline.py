"""Cached, batched encoding shared by every encoder: look up, encode the rest, store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from ml.encoders.base import Embeddings, l2_normalise
from ml.encoders.cache import EmbeddingCache, content_key

Prepared = TypeVar("Prepared")


class UnusableContent(ValueError):
    """An item's content cannot be encoded (e.g. a truncated JPEG); the item gets a zero vector."""


def encode_cached(
    encoder_name: str,
    dim: int,
    item_ids: Sequence[str],
    contents: Sequence[bytes | str],
    prepare: Callable[[bytes], Prepared],
    encode_batch: Callable[[list[Prepared]], np.ndarray],
    batch_size: int,
    cache: EmbeddingCache | None,
) -> Embeddings:
    """Vectors for `contents`, one per item.

    `contents[i]` is the raw content (text bytes, image bytes) of item `item_ids[i]`, or a str
    saying why it has none. `prepare` turns raw content into a model input and raises UnusableContent when it
    cannot. Only contents absent from the cache are prepared and encoded.
    """
    n = len(contents)
    vectors = np.zeros((n, dim), dtype=np.float32)
    missing = np.zeros(n, dtype=bool)
    problems: list[str] = []
    keys: dict[int, str] = {}
    for i, content in enumerate(contents):
        if isinstance(content, str):
            missing[i] = True
            problems.append(f"item {item_ids[i]}: {content}")
        else:
            keys[i] = content_key(encoder_name, content)
    cached = cache.get_many(keys.values()) if cache else {}
    todo = [i for i, key in keys.items() if key not in cached]
    for i, key in keys.items():
        if key in cached:
            vectors[i] = cached[key]

    fresh: dict[str, np.ndarray] = {}
    with tqdm(total=len(todo), desc=f"encoding with {encoder_name}", unit="item", disable=not todo) as progress:
        for start in range(0, len(todo), batch_size):
            batch, inputs = [], []
            for i in todo[start : start + batch_size]:
                try:
                    inputs.append(prepare(contents[i]))
                    batch.append(i)
                except UnusableContent as error:
                    missing[i] = True
                    problems.append(f"item {item_ids[i]}: {error}")
            if inputs:
                encoded = l2_normalise(encode_batch(inputs))
                for i, vector in zip(batch, encoded, strict=True):
                    vectors[i] = vector
                    fresh[keys[i]] = vector
            progress.update(len(todo[start : start + batch_size]))
    if cache and fresh:
        cache.put_many(fresh)
    return Embeddings(vectors, missing, problems)
