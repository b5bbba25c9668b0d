"""Recommendation requests and their stored results.

The web backend creates a request row, then sends its id to the workers; a worker writes
the result into the same row. The row is the single source of truth: a page load shows the
newest stored result even if its push to the browser was missed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from shoprec_app.models import Like, Product, RecommendationRequest, utcnow
from shoprec_app.services.catalog import image_url, price_label

KINDS = ("for_you", "similar", "search")
# A request still pending after this long is reported as failed (its message expired or was lost).
REQUEST_TIMEOUT = timedelta(seconds=60)
UNAVAILABLE = "Recommendations are unavailable right now."


@dataclass(frozen=True)
class RecommendedCard:
    id: int
    title: str
    category: str
    price: str
    image_url: str
    reason: str


@dataclass(frozen=True)
class RecommendationView:
    request_id: str
    status: str  # pending, done, failed
    requested_at: str  # ISO-8601, comparable as text: newer requests sort later
    cards: list[RecommendedCard]
    error: str


def create_request(
    session: Session,
    kind: str,
    *,
    user_id: int | None = None,
    subject_product_id: int | None = None,
    query: str = "",
    client_token: str = "",
) -> RecommendationRequest:
    if kind not in KINDS:
        raise ValueError(f"unknown recommendation kind {kind!r}")
    request = RecommendationRequest(
        id=str(uuid.uuid4()),
        kind=kind,
        user_id=user_id,
        subject_product_id=subject_product_id,
        query=query[:200],
        client_token=client_token[:64],
    )
    session.add(request)
    session.flush()
    return request


def complete(session: Session, request_id: str, items: list[dict], model_version: str, latency_ms: float) -> bool:
    """Store a result once: True if this call stored it, False if the request was already done."""
    stored = session.execute(
        update(RecommendationRequest)
        .where(col(RecommendationRequest.id) == request_id, col(RecommendationRequest.status) != "done")
        .values(status="done", items=items, model_version=model_version, latency_ms=latency_ms, completed_at=utcnow(), error="")
    )
    return stored.rowcount == 1


def fail(session: Session, request_id: str, error: str) -> bool:
    """Mark a pending request failed; False when there was no such pending request."""
    failed = session.execute(
        update(RecommendationRequest)
        .where(col(RecommendationRequest.id) == request_id, col(RecommendationRequest.status) == "pending")
        .values(status="failed", error=error[:500], completed_at=utcnow())
    )
    return failed.rowcount == 1


def latest(
    session: Session,
    kind: str,
    *,
    user_id: int | None = None,
    subject_product_id: int | None = None,
    query: str | None = None,
    done_only: bool = False,
) -> RecommendationRequest | None:
    statement = select(RecommendationRequest).where(RecommendationRequest.kind == kind)
    if user_id is not None:
        statement = statement.where(RecommendationRequest.user_id == user_id)
    if subject_product_id is not None:
        statement = statement.where(RecommendationRequest.subject_product_id == subject_product_id)
    if query is not None:
        statement = statement.where(RecommendationRequest.query == query)
    if done_only:
        statement = statement.where(RecommendationRequest.status == "done")
    return session.exec(statement.order_by(col(RecommendationRequest.requested_at).desc()).limit(1)).first()


def age(request: RecommendationRequest, now: datetime | None = None) -> timedelta:
    return (now or utcnow()) - _aware(request.requested_at)


def latest_like_at(session: Session, user_id: int) -> datetime | None:
    moment = session.exec(select(func.max(Like.created_at)).where(Like.user_id == user_id)).one()
    return _aware(moment) if moment else None


def view(session: Session, request: RecommendationRequest, now: datetime | None = None) -> RecommendationView:
    """What the storefront shows for a request; products deleted since are left out."""
    status, error = request.status, request.error
    if status == "pending" and age(request, now) > REQUEST_TIMEOUT:
        status, error = "failed", UNAVAILABLE
    return RecommendationView(request.id, status, _aware(request.requested_at).isoformat(), cards(session, request.items), error)


def cards(session: Session, items: list[dict]) -> list[RecommendedCard]:
    ids = [int(item["product_id"]) for item in items]
    products = {p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(ids))).all()} if ids else {}
    return [
        RecommendedCard(p.id, p.title, p.category, price_label(p.price), image_url(p), item.get("reason", ""))
        for item in items
        if (p := products.get(int(item["product_id"]))) is not None
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
