"""Read what a live shop holds — products, imported history and shoppers' likes — as a Dataset.

Plain SQL over the shop's tables, so `ml` depends on neither the web app nor its models.
Likes count as interactions of the user `account:<id>`, beside the imported customers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from ml.datasets.records import Dataset, InteractionRecord, ItemRecord


def _aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # SQLite hands timestamps back as text through plain SQL
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def item_record(
    media_dir: Path,
    external_id: str,
    title: str,
    description: str | None,
    category: str | None,
    details: str | None,
    price: float | None,
    image_path: str | None,
) -> ItemRecord:
    """A product row as the record the encoders read."""
    return ItemRecord(
        item_id=external_id,
        title=title,
        description=description or "",
        category=category or "",
        price=price,
        image_path=(Path(media_dir) / image_path) if image_path else None,
        # The importer joined the attributes with " · "; split them back so text() (and with
        # it the embedding cache key) matches what the dataset readers produce.
        attributes={f"attribute_{n}": value for n, value in enumerate((details or "").split(" · ")) if value},
    )


def read_database(database_url: str, media_dir: Path | str, name: str = "shop") -> Dataset:
    media_dir = Path(media_dir)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            products = connection.execute(
                text("SELECT id, external_id, title, description, category, details, price, image_path FROM products ORDER BY id")
            ).all()
            history = connection.execute(
                text(
                    "SELECT i.customer_ref, p.external_id, i.occurred_at, i.rating, i.kind "
                    "FROM interactions i JOIN products p ON p.id = i.product_id ORDER BY i.occurred_at, i.id"
                )
            ).all()
            likes = connection.execute(
                text(
                    "SELECT l.user_id, p.external_id, l.created_at "
                    "FROM likes l JOIN products p ON p.id = l.product_id ORDER BY l.created_at"
                )
            ).all()
    finally:
        engine.dispose()
    items = [item_record(media_dir, *row[1:]) for row in products]
    interactions = [
        InteractionRecord(customer, item_id, _aware(moment), rating, kind)
        for customer, item_id, moment, rating, kind in history
    ]
    interactions += [
        InteractionRecord(f"account:{user_id}", item_id, _aware(moment), None, "like") for user_id, item_id, moment in likes
    ]
    return Dataset(name, media_dir, items, interactions)
