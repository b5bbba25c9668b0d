"""The recommend actor: a shopper's shelf, similar items or a text search, stored then replied.

Idempotent per request id: a redelivered message (a worker died, the broker restarted)
recomputes, but only the first result is stored, and the reply is sent again harmlessly.
"""

from __future__ import annotations

import logging
import time
import uuid
from functools import lru_cache

import dramatiq
from sqlmodel import Session, col, select

from actors.broker import RECOMMEND_QUEUE
from actors.replies import deliver
from shoprec_app.db import session_scope
from shoprec_app.models import Like, Product, RecommendationRequest
from shoprec_app.services import recommendations
from shoprec_app.settings import get_settings

logger = logging.getLogger(__name__)
SHELF_SIZE = 12
SIMILAR_SIZE = 8
SEARCH_SIZE = 24


class MalformedRequest(ValueError):
    """A message no retry can fix: it goes straight to the dead-letter queue."""


@lru_cache(maxsize=1)
def model_store():
    from actors.model_store import ModelStore

    return ModelStore(get_settings().artifacts_dir)


@dramatiq.actor(
    queue_name=RECOMMEND_QUEUE, max_retries=3, min_backoff=100, max_backoff=2_000,
    time_limit=20_000, max_age=60_000, throws=(MalformedRequest,),
)
def recommend(request_id: str) -> None:
    if not isinstance(request_id, str):
        raise MalformedRequest(f"request id must be a string, not {type(request_id).__name__}")
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise MalformedRequest(f"not a request id: {request_id[:60]!r}") from None
    started = time.perf_counter()
    with session_scope() as session:
        request = session.get(RecommendationRequest, request_id)
        if request is None:
            raise MalformedRequest(f"no request {request_id}")
        if request.status == "done":
            logger.info("request %s was already done; replying again", request_id)
        else:
            index = model_store().current(session)
            items = compute(session, index, request)
            version = index.version if index is not None else "no-model"
            recommendations.complete(session, request_id, items, version, (time.perf_counter() - started) * 1000)
    deliver.send(request_id)


def mark_failed_and_reply(request_id: str, reason: str) -> None:
    with session_scope() as session:
        failed = recommendations.fail(session, request_id, recommendations.UNAVAILABLE)
    if failed:  # no reply for ids that name no pending request (a malformed message)
        logger.warning("request %s marked failed: %s", request_id, reason)
        deliver.send(request_id)


def compute(session: Session, index, request: RecommendationRequest) -> list[dict]:
    if request.kind == "for_you":
        return _for_you(session, index, request.user_id)
    if request.kind == "similar":
        return _similar(session, index, request.subject_product_id)
    if request.kind == "search":
        return _search(session, index, request.query)
    raise MalformedRequest(f"unknown kind {request.kind!r}")


def _for_you(session: Session, index, user_id: int | None) -> list[dict]:
    liked = session.exec(
        select(Product.id, Product.external_id, Product.title, Like.created_at)
        .join(Like, col(Like.product_id) == col(Product.id))
        .where(Like.user_id == user_id)
        .order_by(col(Like.created_at))
    ).all()
    liked_external = [external for _, external, _, _ in liked]
    picks = index.for_user(liked_external, [moment for *_, moment in liked], SHELF_SIZE) if index is not None else []
    if not picks:
        return _popular_and_varied(session, SHELF_SIZE, exclude=set(liked_external))
    titles = {external: title for _, external, title, _ in liked}
    return _items(session, [(p.item_id, p.score, f"Because you liked {titles[p.because]}") for p in picks])


def _similar(session: Session, index, product_id: int | None) -> list[dict]:
    product = session.get(Product, product_id) if product_id is not None else None
    if product is None:
        return []
    if index is not None and product.external_id in index:
        return _items(session, [(p.item_id, p.score, "") for p in index.similar(product.external_id, SIMILAR_SIZE)])
    # Not in the model yet: the best sellers of the same category stand in.
    same_category = session.exec(
        select(Product.external_id, Product.popularity)
        .where(Product.category == product.category, Product.id != product.id)
        .order_by(col(Product.popularity).desc())
        .limit(SIMILAR_SIZE)
    ).all()
    return _items(session, [(external, float(popularity), "") for external, popularity in same_category])


def _search(session: Session, index, query: str) -> list[dict]:
    if index is None or not query.strip():
        return []
    return _items(session, [(p.item_id, p.score, "") for p in index.search(query, SEARCH_SIZE)])


def _popular_and_varied(session: Session, k: int, exclude: set[str]) -> list[dict]:
    from ml.serving import popular_and_varied

    catalog = session.exec(select(Product.external_id, Product.popularity, Product.category)).all()
    picks = popular_and_varied(catalog, k, exclude)
    categories = {external: category for external, _, category in catalog}
    return _items(session, [(external, 0.0, f"Popular in {categories[external]}") for external in picks])


def _items(session: Session, picks: list[tuple[str, float, str]]) -> list[dict]:
    """Product ids for the picked external ids; products deleted meanwhile are left out."""
    externals = [external for external, _, _ in picks]
    ids = dict(session.exec(select(Product.external_id, Product.id).where(col(Product.external_id).in_(externals))).all())
    return [
        {"product_id": ids[external], "score": round(score, 5), "reason": reason}
        for external, score, reason in picks
        if external in ids
    ]
