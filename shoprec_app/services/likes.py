"""Likes. Every function takes the shopper resolved on the server, never an id from the browser."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from shoprec_app.models import Like, Product, utcnow
from shoprec_app.services.accounts import Shopper
from shoprec_app.services.catalog import ProductCard, cards_by_ids


class UnknownProduct(LookupError):
    pass


def like(session: Session, shopper: Shopper, product_id: int) -> bool:
    """Like a product; True when this added a like, False when it was already liked."""
    if session.get(Product, product_id) is None:
        raise UnknownProduct(product_id)
    session.flush()  # an unlike still pending in this session must reach the database first
    # ON CONFLICT DO NOTHING covers a concurrent request of the same shopper without a savepoint:
    # pysqlite's savepoints commit on release, so a rolled-back like used to stay behind.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Like.__table__).values(user_id=shopper.id, product_id=product_id, created_at=utcnow())
    if session.execute(statement.on_conflict_do_nothing()).rowcount == 0:
        return False
    _adjust_popularity(session, product_id, +1)
    return True


def unlike(session: Session, shopper: Shopper, product_id: int) -> bool:
    existing = session.get(Like, (shopper.id, product_id))
    if existing is None:
        return False
    session.delete(existing)
    _adjust_popularity(session, product_id, -1)
    return True


def set_liked(session: Session, shopper: Shopper, product_id: int, liked: bool) -> bool:
    return like(session, shopper, product_id) if liked else unlike(session, shopper, product_id)


def _adjust_popularity(session: Session, product_id: int, delta: int) -> None:
    session.execute(update(Product).where(col(Product.id) == product_id).values(popularity=Product.popularity + delta))


def liked_ids(session: Session, shopper: Shopper) -> list[int]:
    rows = session.exec(select(Like.product_id).where(Like.user_id == shopper.id).order_by(col(Like.created_at).desc()))
    return list(rows.all())


def liked_cards(session: Session, shopper: Shopper) -> list[ProductCard]:
    """The shopper's liked products, most recent first."""
    return cards_by_ids(session, liked_ids(session, shopper))
