"""A `dramatiq` worker module that serves the way the original project did, for comparison.

    dramatiq original_worker --path <repo> <repo>/bench --processes 1 --threads N --queues recommendations catalog

The same actors as `actors.worker`, but `actors.recommend.model_store` is replaced by
`_serving.OriginalStore`: every request parses every item vector from JSON text and builds a
new FAISS index before computing. Used by bench_throughput.py only; never by the app.
"""

from __future__ import annotations

import logging
import threading
import time

import _serving
from actors import recommend
from actors.worker import broker  # noqa: F401 - declares the actors; the dramatiq CLI finds the broker here
from shoprec_app.settings import get_settings

logger = logging.getLogger("original_worker")
_lock = threading.Lock()
_store: _serving.OriginalStore | None = None


def original_store() -> _serving.OriginalStore:
    global _store
    with _lock:
        if _store is None:
            started = time.perf_counter()
            _store = _serving.OriginalStore(get_settings().artifacts_dir)
            logger.info("serving model %s the original way (JSON rebuild per request), loaded in %.1fs",
                        _store.model.version, time.perf_counter() - started)
        return _store


recommend.model_store = original_store
