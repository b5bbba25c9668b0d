"""Database tables. The schema changes only through Alembic migrations (alembic/versions)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(**kwargs) -> Column:
    return Column(DateTime(timezone=True), nullable=False, **kwargs)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Product(SQLModel, table=True):
    __tablename__ = "products"

    id: int | None = Field(default=None, primary_key=True)
    # The shop's own id for the product (H&M article_id, Amazon parent_asin, ...).
    external_id: str = Field(max_length=128, unique=True, index=True)
    title: str = Field(max_length=500)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    category: str = Field(default="", max_length=200, index=True)
    # Short attributes the shop gives (type, colour, department, ...), shown and searched.
    details: str = Field(default="", max_length=500)
    price: float | None = None
    # Path of the photo under the media folder, or None when the product has none.
    image_path: str | None = Field(default=None, max_length=300)
    # Interactions imported from the shop's history plus likes: the "Popular" order.
    popularity: int = Field(default=0, index=True)
    source: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Like(SQLModel, table=True):
    """One per shopper and product: the primary key makes a second like impossible."""

    __tablename__ = "likes"

    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True))
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Interaction(SQLModel, table=True):
    """A shopper's action imported from the shop's history (a purchase, a rating, ...)."""

    __tablename__ = "interactions"
    __table_args__ = (UniqueConstraint("import_key", name="uq_interactions_import_key"),)

    id: int | None = Field(default=None, primary_key=True)
    # The shop's id for the customer; imported customers are not accounts of this shop.
    customer_ref: str = Field(max_length=128, index=True)
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("products.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    occurred_at: datetime = Field(sa_column=_timestamp())
    kind: str = Field(default="interaction", max_length=32)
    rating: float | None = None
    # Identifies the row across re-imports, so importing the same file twice adds nothing
    # while genuinely repeated rows (the same purchase twice on one day) are both kept.
    import_key: str = Field(max_length=64)


class LoginThrottle(SQLModel, table=True):
    """Failed log-ins per email, to slow down password guessing."""

    __tablename__ = "login_throttle"

    email: str = Field(max_length=320, primary_key=True)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    locked_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class RecommendationRequest(SQLModel, table=True):
    """One request to the recommendation workers and, once done, its result.

    The id is made by the web backend and travels in the message, so a redelivered
    message finds the same row: a result is written once, whatever the retries.
    """

    __tablename__ = "recommendation_requests"
    # The storefront asks "the newest result of this kind for this shopper" on every page load.
    __table_args__ = (Index("ix_recommendation_requests_latest", "user_id", "kind", "requested_at"),)

    id: str = Field(primary_key=True, max_length=36)
    user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    )
    # "for_you" (a shopper's shelf), "similar" (to a product) or "search" (a text query).
    kind: str = Field(max_length=16)
    subject_product_id: int | None = Field(default=None, index=True)
    query: str = Field(default="", max_length=200)
    # The browser tab to push the result to (Reflex client token); never shown to anyone.
    client_token: str = Field(default="", max_length=64)
    status: str = Field(default="pending", max_length=16)  # pending, done, failed
    requested_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    completed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    latency_ms: float | None = None
    model_version: str = Field(default="", max_length=80)
    # [{"product_id": int, "score": float, "reason": str}, ...] best first.
    items: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    error: str = Field(default="", max_length=500)


class ProductVector(SQLModel, table=True):
    """An item vector computed for a product added after the model was trained.

    Workers add these to their in-memory index, so a new product is recommendable
    without a retrain or a restart.
    """

    __tablename__ = "product_vectors"

    product_id: int = Field(sa_column=Column(Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True))
    model_version: str = Field(max_length=80, primary_key=True)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Its sentence embedding, for search by meaning (None when the model reads no text).
    text_vector: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
