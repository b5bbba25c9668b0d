"""Products added after the model was trained get a vector from their content alone.

`embed_new_products` finds the products the serving model does not know and that have no
stored vector for its version, encodes their text and photo, and stores the vectors; every
worker then appends them to its index on its next request (see actors/model_store.py).
"""

from __future__ import annotations

import logging

import dramatiq
import numpy as np
from sqlmodel import col, select

from actors.broker import CATALOG_QUEUE
from actors.recommend import model_store
from shoprec_app.db import session_scope
from shoprec_app.models import Product, ProductVector
from shoprec_app.settings import get_settings

logger = logging.getLogger(__name__)
BATCH_SIZE = 64


@dramatiq.actor(queue_name=CATALOG_QUEUE, max_retries=3, time_limit=30 * 60_000, max_age=24 * 3600_000)
def embed_new_products() -> None:
    from ml.datasets.database import item_record

    media_dir = get_settings().media_dir
    with session_scope() as session:
        index = model_store().current(session)
        if index is None:
            logger.info("no model yet: new products get vectors when one is trained")
            return
        stored = set(session.exec(select(ProductVector.product_id).where(ProductVector.model_version == index.version)).all())
        products = [p for p in session.exec(select(Product).order_by(col(Product.id))).all() if p.external_id not in index and p.id not in stored]
    logger.info("encoding %d new products for model %s", len(products), index.version)
    for start in range(0, len(products), BATCH_SIZE):
        batch = products[start : start + BATCH_SIZE]
        records = [
            item_record(media_dir, p.external_id, p.title, p.description, p.category, p.details, p.price, p.image_path)
            for p in batch
        ]
        vectors = index.model.new_item_vectors(records)
        with session_scope() as session:
            for n, product in enumerate(batch):
                text = None if vectors.texts is None else vectors.texts[n].astype(np.float32).tobytes()
                session.merge(ProductVector(
                    product_id=product.id, model_version=index.version,
                    vector=vectors.items[n].astype(np.float32).tobytes(), text_vector=text,
                ))
