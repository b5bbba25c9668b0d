"""The encoder interface: items in, one L2-normalised float32 vector per item out."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ml.datasets.records import ItemRecord


@dataclass
class Embeddings:
    """Vectors for a list of items, with the items whose content could not be encoded."""

    vectors: np.ndarray  # float32 [n_items, dim]; L2-normalised rows, zero rows where `missing`
    missing: np.ndarray  # bool [n_items]: no usable content (e.g. a missing or broken image)
    problems: list[str] = field(default_factory=list)


class Encoder(ABC):
    """A content encoder. Subclasses implement `embed`; `encode` returns only the vectors."""

    name: str
    dim: int

    @abstractmethod
    def embed(self, items: Sequence[ItemRecord]) -> Embeddings: ...

    def encode(self, items: Sequence[ItemRecord]) -> np.ndarray:
        return self.embed(items).vectors


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def available_cores() -> int:
    """Cores this process may use (cgroup/affinity aware), so torch does not oversubscribe them."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# Set by a serving process (see ml.serving.serve_single_threaded); None lets torch use every core.
_thread_cap: int | None = None


def cap_threads(threads: int) -> None:
    """Keep torch (and so every encoder loaded later) to this many threads in this process."""
    global _thread_cap
    _thread_cap = threads
    limit_torch_threads()


def limit_torch_threads() -> None:
    """torch defaults to every core it sees; one thread per available core is fastest here."""
    import torch

    torch.set_num_threads(min(available_cores(), _thread_cap or available_cores()))
