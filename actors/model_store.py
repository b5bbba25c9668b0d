"""The model a worker process serves, loaded once and swapped when a newer artifact appears.

Checks are cheap (a directory listing and one query every few seconds), so a new `shoprec
train` output is picked up by running workers without a restart, and vectors of products
added after training are read from the database and appended to the in-memory index.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlmodel import Session, col, select

from shoprec_app.models import Product, ProductVector

logger = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 5.0


class ModelStore:
    def __init__(self, artifacts_dir: Path, check_every: float = CHECK_EVERY_SECONDS) -> None:
        self.artifacts_dir = Path(artifacts_dir)
        self.check_every = check_every
        self._lock = threading.Lock()
        self._index = None
        self._folder: Path | None = None
        self._checked_at = float("-inf")
        self._synced_until: datetime | None = None

    def current(self, session: Session):
        """The CatalogIndex to serve with (None while no artifact exists), kept up to date."""
        with self._lock:
            if time.monotonic() - self._checked_at >= self.check_every:
                self._checked_at = time.monotonic()
                self._load_newest()
                if self._index is not None:
                    self._sync_new_products(session)
            return self._index

    def _load_newest(self) -> None:
        from ml.artifacts import ArtifactError, find_artifact_folder, load_artifact
        from ml.serving import CatalogIndex, serve_single_threaded

        try:
            folder = find_artifact_folder(self.artifacts_dir)
        except ArtifactError:
            return
        if folder == self._folder:
            return
        started = time.perf_counter()
        serve_single_threaded()
        try:
            index = CatalogIndex(load_artifact(folder))
            # Load the text encoder now, not on a shopper's first search (seconds, once).
            index.search("warm up", 1)
        except (ArtifactError, OSError, ValueError) as error:
            # Keep serving the model we have; a broken new artifact must not take the shop down.
            logger.error("could not load artifact %s, keeping %s: %s", folder, self._folder, error)
            return
        self._index, self._folder, self._synced_until = index, folder, None
        logger.info("serving model %s (%d items) loaded in %.1fs", index.version, len(index.item_ids), time.perf_counter() - started)

    def _sync_new_products(self, session: Session) -> None:
        statement = (
            select(Product.external_id, ProductVector.vector, ProductVector.text_vector, ProductVector.created_at)
            .join(Product, col(Product.id) == col(ProductVector.product_id))
            .where(ProductVector.model_version == self._index.version)
        )
        if self._synced_until is not None:
            statement = statement.where(col(ProductVector.created_at) > self._synced_until)
        rows = session.exec(statement.order_by(col(ProductVector.created_at))).all()
        if not rows:
            return
        vectors = np.stack([np.frombuffer(vector, dtype=np.float32) for _, vector, _, _ in rows])
        texts = None if rows[0][2] is None else np.stack([np.frombuffer(text, dtype=np.float32) for _, _, text, _ in rows])
        added = self._index.add_items([external_id for external_id, *_ in rows], vectors, texts)
        self._synced_until = rows[-1][3]
        if added:
            logger.info("added %d new products to the index", added)
