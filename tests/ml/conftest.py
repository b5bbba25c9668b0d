"""Tiny synthetic catalogs for the two-tower tests: clustered content, users loyal to a cluster.

Small enough that a test trains in about a second; structured enough that learning shows.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest

from ml.encoders.catalog import ContentFeatures
from ml.evaluation.split import History

N_CLUSTERS, ITEMS_PER_CLUSTER, N_USERS = 4, 10, 60


def toy_features(seed: int = 0) -> ContentFeatures:
    """Text 8-d and image 6-d vectors around one centre per cluster; item 3 has no image."""
    rng = np.random.default_rng(seed)
    n_items = N_CLUSTERS * ITEMS_PER_CLUSTER
    cluster = np.arange(n_items) // ITEMS_PER_CLUSTER
    text = rng.normal(size=(N_CLUSTERS, 8))[cluster] + 0.3 * rng.normal(size=(n_items, 8))
    image = rng.normal(size=(N_CLUSTERS, 6))[cluster] + 0.3 * rng.normal(size=(n_items, 6))
    missing = np.zeros(n_items, dtype=bool)
    missing[3] = True
    image[3] = 0.0
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    image[~missing] /= np.linalg.norm(image[~missing], axis=1, keepdims=True)
    return ContentFeatures(text.astype(np.float32), image.astype(np.float32), missing, ["item 3: no image"])


def toy_histories(seed: int = 0) -> dict[str, History]:
    """Each user buys 4-7 distinct items of their own cluster, one a day."""
    rng = np.random.default_rng(seed)
    histories = {}
    for user in range(N_USERS):
        cluster = user % N_CLUSTERS
        length = int(rng.integers(4, 8))
        items = cluster * ITEMS_PER_CLUSTER + rng.choice(ITEMS_PER_CLUSTER, size=length, replace=False)
        times = 1_600_000_000.0 + 86_400.0 * np.arange(length) + user
        histories[f"u{user}"] = History(items.astype(np.int64), times)
    return histories


@pytest.fixture
def features() -> ContentFeatures:
    return toy_features()


@pytest.fixture
def histories() -> MappingProxyType:
    return MappingProxyType(toy_histories())
