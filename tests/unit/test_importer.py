"""Catalog import on SQLite: idempotent, reports bad rows with their lines, stores photos."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, func, select

from shoprec_app.models import Interaction, Product
from shoprec_app.services import importer
from shoprec_app.services.importer import MAX_IMAGE_SIDE, import_path


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def run_import(session: Session, path: Path, media: Path, fmt: str | None = None) -> importer.ImportReport:
    report = import_path(session, path, fmt, media, progress=False)
    session.commit()
    return report


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


def test_demo_catalog_imports_once_and_then_changes_nothing(session: Session, demo_catalog: Path, media: Path):
    interactions = sum(1 for _ in (demo_catalog / "interactions.csv").open()) - 1

    first = run_import(session, demo_catalog, media)
    assert (first.products_added, first.products_updated, first.products_unchanged) == (200, 0, 0)
    assert (first.interactions_added, first.interactions_already_present, first.problems) == (interactions, 0, [])
    assert count(session, Product) == 200 and count(session, Interaction) == interactions
    stored = session.exec(select(Product.external_id, Product.updated_at, Product.image_path)).all()

    second = run_import(session, demo_catalog, media)
    assert (second.products_added, second.products_updated, second.products_unchanged) == (0, 0, 200)
    assert (second.interactions_added, second.interactions_already_present, second.problems) == (0, interactions, [])
    assert count(session, Product) == 200 and count(session, Interaction) == interactions
    assert session.exec(select(Product.external_id, Product.updated_at, Product.image_path)).all() == stored


def test_popularity_is_the_number_of_imported_interactions(session: Session, demo_catalog: Path, media: Path):
    run_import(session, demo_catalog, media)

    per_product = dict(
        session.exec(select(Interaction.product_id, func.count()).group_by(Interaction.product_id)).all()
    )
    for product in session.exec(select(Product)).all():
        assert product.popularity == per_product.get(product.id, 0)
    assert sum(per_product.values()) == count(session, Interaction)


@pytest.fixture
def small_shop(tmp_path: Path, write_image, write_text) -> Path:
    root = tmp_path / "small-shop"
    write_text(
        root / "items.csv",
        "item_id,title,description,category,price,image\n"
        "s1,Linen shirt,Cool linen,Tops,30,images/s1.png\n"
        "s2,Wool hat,,Accessories,12.5,images/broken.jpg\n"
        "s3,Canvas tote,,Bags,,\n",
    )
    write_text(
        root / "interactions.csv",
        "user_id,item_id,timestamp\n"
        "u1,s1,2026-01-05T10:00:00Z\n"
        "u1,s1,2026-01-05T10:00:00Z\n"  # the same purchase twice: both are real
        "u2,s3,1767607200\n",
    )
    write_image(root / "images" / "s1.png", size=(60, 80))
    write_text(root / "images" / "broken.jpg", "\xff\xd8 not really a JPEG")
    return root


def test_changed_title_on_reimport_updates_one_product(session: Session, small_shop: Path, media: Path):
    run_import(session, small_shop, media)
    items = small_shop / "items.csv"
    items.write_text(items.read_text().replace("Linen shirt", "Linen overshirt"))

    report = run_import(session, small_shop, media)

    assert (report.products_added, report.products_updated, report.products_unchanged) == (0, 1, 2)
    assert session.exec(select(Product.title).where(Product.external_id == "s1")).one() == "Linen overshirt"
    assert count(session, Product) == 3


def test_repeated_identical_rows_are_kept_but_not_duplicated_on_reimport(session: Session, small_shop: Path, media: Path):
    first = run_import(session, small_shop, media)
    assert first.interactions_added == 3
    s1 = session.exec(select(Product).where(Product.external_id == "s1")).one()
    assert count(session, Interaction) == 3 and s1.popularity == 2

    second = run_import(session, small_shop, media)
    assert (second.interactions_added, second.interactions_already_present) == (0, 3)
    assert count(session, Interaction) == 3

    # A third identical row appended later is a new purchase: exactly one more.
    with (small_shop / "interactions.csv").open("a") as handle:
        handle.write("u1,s1,2026-01-05T10:00:00Z\n")
    third = run_import(session, small_shop, media)
    assert (third.interactions_added, third.interactions_already_present) == (1, 3)
    session.expire_all()
    assert session.get(Product, s1.id).popularity == 3


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_load(tmp_path: Path, session: Session, media: Path, write_text):
    root = tmp_path / "messy"
    write_text(
        root / "items.csv",
        "item_id,title,description,category,price,image\n"
        "m1,Good one,,Tops,10,\n"
        ",Missing id,,Tops,10,\n"
        "m2,Good two,,Tops,not a price,\n"
        "m3,,,Tops,10,\n"
        "m4,Too,many,fields,10,,x\n",
    )
    write_text(
        root / "interactions.csv",
        "user_id,item_id,timestamp\n"
        "u1,m1,2026-01-01\n"
        "u1,ghost,2026-01-01\n"
        "u2,m2,last tuesday\n"
        "u2,m2,2026-01-02\n",
    )

    report = run_import(session, root, media)

    assert sorted(str(problem) for problem in report.problems) == [
        "interactions.csv:3: unknown item ghost",
        "interactions.csv:4: bad timestamp 'last tuesday': Invalid isoformat string: 'last tuesday'",
        "items.csv:3: missing item id",
        "items.csv:5: item m3: missing title",
        "items.csv:6: too many fields",
    ]
    assert sorted(session.exec(select(Product.external_id)).all()) == ["m1", "m2"]
    assert session.exec(select(Product.price).where(Product.external_id == "m2")).one() is None
    assert (report.products_added, report.interactions_added) == (2, 2)
    summary = report.summary()
    assert "products 2 added" in summary and "interactions 2 added" in summary and "5 problem rows" in summary
    assert "items.csv:3: missing item id" in summary


def test_summary_lists_at_most_fifty_problems(tmp_path: Path, session: Session, media: Path, write_text):
    root = tmp_path / "many-problems"
    write_text(root / "items.csv", "item_id,title\n" + ",no id\n" * 60 + "ok,Fine\n")

    summary = run_import(session, root, media).summary()

    assert "60 problem rows" in summary
    assert "items.csv:51: missing item id" in summary and "items.csv:52:" not in summary
    assert "... and 10 more" in summary


def test_images_are_copied_into_the_media_folder(session: Session, small_shop: Path, media: Path):
    report = run_import(session, small_shop, media)

    shirt = session.exec(select(Product).where(Product.external_id == "s1")).one()
    assert shirt.image_path is not None and shirt.image_path.startswith("products/") and shirt.image_path.endswith(".png")
    assert (media / shirt.image_path).read_bytes() == (small_shop / "images" / "s1.png").read_bytes()
    assert not list(media.rglob("*.part"))
    # The broken photo: the product is there without an image, and the row is reported.
    hat = session.exec(select(Product).where(Product.external_id == "s2")).one()
    assert hat.image_path is None
    assert [(p.file, p.line) for p in report.problems] == [("items.csv", 3)]
    assert "unreadable image" in report.problems[0].reason
    # A product that never had a photo is not a problem.
    assert session.exec(select(Product.image_path).where(Product.external_id == "s3")).one() is None


def test_a_large_image_is_shrunk(tmp_path: Path, session: Session, media: Path, write_image, write_text):
    root = tmp_path / "big"
    write_text(root / "items.csv", "item_id,title,image\nbig,Poster,images/big.png\nwide,Banner,images/wide.jpg\n")
    write_image(root / "images" / "big.png", size=(2400, 1800))
    write_image(root / "images" / "wide.jpg", size=(3000, 500), fmt="JPEG")

    run_import(session, root, media)

    stored = dict(session.exec(select(Product.external_id, Product.image_path)).all())
    with Image.open(media / stored["big"]) as big:
        assert big.format == "JPEG" and big.size == (MAX_IMAGE_SIDE, 768)
    with Image.open(media / stored["wide"]) as wide:
        assert wide.size[0] == MAX_IMAGE_SIDE and wide.size[1] in (170, 171)
    assert all(path.endswith(".jpg") for path in stored.values())


def test_a_photo_replaced_by_a_broken_one_is_dropped_on_reimport(session: Session, small_shop: Path, media: Path):
    run_import(session, small_shop, media)
    shutil.copyfile(small_shop / "images" / "broken.jpg", small_shop / "images" / "s1.png")

    report = run_import(session, small_shop, media)

    assert session.exec(select(Product.image_path).where(Product.external_id == "s1")).one() is None
    assert report.products_updated == 1
    assert ("items.csv", 2) in [(p.file, p.line) for p in report.problems]


def test_amazon_items_import_without_images_or_history(tmp_path: Path, session: Session, media: Path, write_text):
    path = write_text(
        tmp_path / "amazon" / "meta.jsonl",
        '{"parent_asin": "B01", "title": "Sun hat", "categories": ["Hats"], "price": 19.0, '
        '"images": [{"large": "https://example.invalid/hat.jpg"}]}\n'
        "{broken\n",
    )

    report = run_import(session, path, media)

    assert (report.products_added, report.interactions_added) == (1, 0)
    assert [str(p).split(": ")[0] for p in report.problems] == ["meta.jsonl:2"]
    product = session.exec(select(Product)).one()
    assert (product.external_id, product.category, product.image_path, product.source) == ("B01", "Hats", None, "amazon")
