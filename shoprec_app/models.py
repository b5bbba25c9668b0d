"""Database tables. The schema changes only through Alembic migrations (alembic/versions)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Text, UniqueConstraint
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
