"""Embedding cache outside the checkout, so re-runs encode only new or changed items.

The key is SHA-256 of (encoder name, content): a changed title or a replaced photo gets a new
key, an unchanged item is never encoded twice, and two encoders never share vectors.
One SQLite file holds every vector: atomic writes, safe for concurrent readers, one file to delete.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np

DEFAULT_CACHE_DIR = Path("~/.cache/shoprec/embeddings")


def cache_dir() -> Path:
    return Path(os.environ.get("SHOPREC_CACHE_DIR") or DEFAULT_CACHE_DIR).expanduser()


def content_key(encoder_name: str, content: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(encoder_name.encode("utf-8"))
    digest.update(b"\0")  # keeps ("ab", "c") and ("a", "bc") apart
    digest.update(content)
    return digest.hexdigest()


class EmbeddingCache:
    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else cache_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.folder / "embeddings.sqlite3", timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):  # SQLite limits bound parameters per statement
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, entries: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in entries.items()],
            )

    def close(self) -> None:
        self._db.close()
