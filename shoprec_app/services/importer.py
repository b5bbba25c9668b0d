"""Catalog import: a shop's products, photos and history into the database.

Idempotent: products are matched by the shop's own id and only changed fields are
written; each interaction row carries a key derived from its content (and, for genuinely
repeated rows, its repetition number), so importing the same files again adds nothing.
Bad rows are reported with their line numbers and never stop the good rows.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col
from tqdm import tqdm

from ml.datasets import Dataset, ItemRecord, RowProblem, read_dataset
from shoprec_app.models import Interaction, Like, Product, utcnow

BATCH_SIZE = 1000
# Photos larger than this (longest side, pixels) are scaled down for the storefront.
MAX_IMAGE_SIDE = 1024
STORED_IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


@dataclass
class ImportReport:
    source: str
    products_added: int = 0
    products_updated: int = 0
    products_unchanged: int = 0
    interactions_added: int = 0
    interactions_already_present: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Imported {self.source}: products {self.products_added} added, {self.products_updated} updated, "
            f"{self.products_unchanged} unchanged; interactions {self.interactions_added} added, "
            f"{self.interactions_already_present} already present; {len(self.problems)} problem rows."
        ]
        lines += [f"  {problem}" for problem in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  ... and {len(self.problems) - 50} more")
        return "\n".join(lines)


def import_path(session: Session, path: Path | str, fmt: str | None, media_dir: Path, progress: bool = True) -> ImportReport:
    dataset = read_dataset(path, fmt)
    return import_dataset(session, dataset, media_dir, progress)


def import_dataset(session: Session, dataset: Dataset, media_dir: Path, progress: bool = True) -> ImportReport:
    report = ImportReport(source=dataset.name, problems=list(dataset.problems))
    product_ids = _upsert_products(session, dataset, media_dir, report, progress)
    _insert_interactions(session, dataset, product_ids, report, progress)
    refresh_popularity(session)
    return report


def _upsert_products(
    session: Session, dataset: Dataset, media_dir: Path, report: ImportReport, progress: bool
) -> dict[str, int]:
    existing = {p.external_id: p for p in session.exec(select(Product)).scalars()}
    new_rows = []
    for item in tqdm(dataset.items, desc="products", unit="item", disable=not progress):
        image_path = _store_image(item, media_dir, report)
        values = {
            "title": item.title[:500],
            "description": item.description,
            "category": item.category[:200],
            "details": " · ".join(item.attributes.values())[:500],
            "price": item.price,
            "image_path": image_path,
        }
        product = existing.get(item.item_id)
        if product is None:
            now = utcnow()
            new_rows.append({"external_id": item.item_id, "source": dataset.name[:100], "created_at": now, "updated_at": now, **values})
        elif any(getattr(product, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(product, key, value)
            product.updated_at = utcnow()
            session.add(product)
            report.products_updated += 1
        else:
            report.products_unchanged += 1
    for start in range(0, len(new_rows), BATCH_SIZE):
        session.execute(Product.__table__.insert(), new_rows[start : start + BATCH_SIZE])
    report.products_added = len(new_rows)
    session.flush()
    return dict(session.execute(select(Product.external_id, Product.id)).all())


def _store_image(item: ItemRecord, media_dir: Path, report: ImportReport) -> str | None:
    """Copy (or shrink) the item's photo into the media folder; its path there, or None."""
    if item.image_path is None:
        return None
    slug = re.sub(r"[^A-Za-z0-9_-]", "_", item.item_id)[:60]
    digest = hashlib.sha1(item.item_id.encode()).hexdigest()[:8]
    try:
        with Image.open(item.image_path) as image:
            extension = STORED_IMAGE_FORMATS.get(image.format or "", ".jpg")
            relative = f"products/{slug}-{digest}{extension}"
            target = media_dir / relative
            if target.exists() and target.stat().st_mtime >= item.image_path.stat().st_mtime:
                return relative
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(target.suffix + ".part")
            if image.format in STORED_IMAGE_FORMATS and max(image.size) <= MAX_IMAGE_SIDE:
                shutil.copyfile(item.image_path, temporary)
            else:
                relative = f"products/{slug}-{digest}.jpg"
                target = media_dir / relative
                temporary = target.with_suffix(".jpg.part")
                image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                image.convert("RGB").save(temporary, "JPEG", quality=85)
            temporary.replace(target)  # atomic: a reader never sees half a photo
            return relative
    except OSError as error:
        report.problems.append(RowProblem(item.image_path.name, item.line, f"item {item.item_id}: image not stored: {error}"))
        return None


def interaction_keys(dataset: Dataset) -> list[str]:
    """A stable key per interaction row; the n-th repeat of an identical row gets its own key."""
    seen: Counter[tuple] = Counter()
    keys = []
    for row in dataset.interactions:
        # The folder's name is left out, so moving or renaming a catalog does not import it twice.
        identity = (row.user_id, row.item_id, row.timestamp.isoformat(), row.kind, row.rating)
        seen[identity] += 1
        keys.append(hashlib.sha256(repr((identity, seen[identity])).encode()).hexdigest()[:40])
    return keys


def _insert_interactions(
    session: Session, dataset: Dataset, product_ids: dict[str, int], report: ImportReport, progress: bool
) -> None:
    rows = [
        {
            "customer_ref": row.user_id[:128],
            "product_id": product_ids[row.item_id],
            "occurred_at": row.timestamp,
            "kind": row.kind[:32],
            "rating": row.rating,
            "import_key": key,
        }
        for row, key in zip(dataset.interactions, interaction_keys(dataset), strict=True)
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    count = select(func.count()).select_from(Interaction.__table__)
    before = session.execute(count).scalar_one()
    with tqdm(total=len(rows), desc="interactions", unit="row", disable=not progress) as bar:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            statement = dialect.insert(Interaction.__table__).on_conflict_do_nothing(index_elements=["import_key"])
            session.execute(statement, batch)
            bar.update(len(batch))
    # Counted, not summed from rowcount: drivers disagree on rowcount for batched inserts.
    report.interactions_added = session.execute(count).scalar_one() - before
    report.interactions_already_present = len(rows) - report.interactions_added


def refresh_popularity(session: Session) -> None:
    """Popularity = imported interactions + likes, recomputed in one statement.

    Only rows whose count changed are written: on PostgreSQL every written row also
    recomputes its search vector, which made a no-op re-import rewrite the whole table.
    """
    interactions = select(func.count()).where(col(Interaction.product_id) == col(Product.id)).scalar_subquery()
    likes = select(func.count()).where(col(Like.product_id) == col(Product.id)).scalar_subquery()
    count = interactions + likes
    session.execute(update(Product).where(col(Product.popularity) != count).values(popularity=count))
