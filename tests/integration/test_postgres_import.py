"""Importing the real H&M and Amazon samples into PostgreSQL, and searching them with tsvector."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from shoprec_app.db import session_scope
from shoprec_app.models import Interaction, Product
from shoprec_app.services import catalog
from shoprec_app.services.importer import import_path

pytestmark = pytest.mark.integration

HM_ARTICLES = 6000
HM_TRANSACTIONS = 9925


def run_import(engine: Engine, path: Path, media: Path, fmt: str | None = None):
    with session_scope(engine) as session:
        return import_path(session, path, fmt, media, progress=False)


def count(engine: Engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_hm_sample_imports_completely_and_only_once(postgres_engine: Engine, hm_path: Path, tmp_path: Path):
    media = tmp_path / "media"

    first = run_import(postgres_engine, hm_path, media)

    assert first.problems == []
    assert (first.products_added, first.interactions_added) == (HM_ARTICLES, HM_TRANSACTIONS)
    assert count(postgres_engine, Product) == HM_ARTICLES
    assert count(postgres_engine, Interaction) == HM_TRANSACTIONS
    with Session(postgres_engine) as session:
        # article_id keeps its leading zero, and every article has its photo in the media folder.
        external_ids = session.exec(select(Product.external_id)).all()
        assert all(len(external_id) == 10 and external_id.startswith("0") for external_id in external_ids)
        image_paths = session.exec(select(Product.image_path)).all()
        assert all(path is not None and (media / path).is_file() for path in image_paths)
        # Popularity is the number of purchases; 1,884 articles were never bought.
        assert session.exec(select(func.sum(Product.popularity))).one() == HM_TRANSACTIONS
        assert session.exec(select(func.count()).where(Product.popularity == 0)).one() == 1884

    second = run_import(postgres_engine, hm_path, media)

    assert second.problems == []
    assert (second.products_added, second.products_updated, second.products_unchanged) == (0, 0, HM_ARTICLES)
    assert (second.interactions_added, second.interactions_already_present) == (0, HM_TRANSACTIONS)
    assert count(postgres_engine, Product) == HM_ARTICLES
    assert count(postgres_engine, Interaction) == HM_TRANSACTIONS


@pytest.fixture
def hm_shop(postgres_engine: Engine, hm_path: Path, tmp_path: Path) -> Engine:
    run_import(postgres_engine, hm_path, tmp_path / "media")
    return postgres_engine


def test_keyword_search_on_postgres(hm_shop: Engine):
    with Session(hm_shop) as session:
        page = catalog.search(session, "dress")
        assert page.total > 100
        # The best matches have "dress" in their title.
        assert all("dress" in card.title.lower() for card in page.cards[:10])

        accessories = catalog.search(session, "dress", category="Accessories")
        assert 0 < accessories.total < page.total
        assert {card.category for card in accessories.cards} == {"Accessories"}

        # All words first ...
        both = catalog.search(session, "denim shorts")
        assert both.total > 0
        top = session.get(Product, both.cards[0].id)
        assert "denim" in (top.title + top.details + top.description).lower()
        assert "short" in (top.title + top.details + top.description).lower()
        # ... and any word when no product has all of them.
        either = catalog.search(session, "dress zzqxv")
        assert either.total == page.total


def test_search_edge_cases_on_postgres(hm_shop: Engine):
    with Session(hm_shop) as session:
        total = session.exec(select(func.count()).select_from(Product)).one()
        for query in ['"dress" OR *', "NEAR(", "dress & | ! <-> :*", "'; DROP TABLE products; --", "the", "½ x²", "_", "a" * 500]:
            page = catalog.search(session, query)
            assert page.total >= len(page.cards)
        assert session.exec(select(func.count()).select_from(Product)).one() == total

        # Prefixes match, and a page past the end shows the last page.
        assert catalog.search(session, "trous").total > 0
        last = catalog.search(session, "dress", page=10_000)
        assert last.page == last.pages and last.cards


def test_amazon_sample_imports_items_without_history(postgres_engine: Engine, amazon_path: Path, tmp_path: Path):
    report = run_import(postgres_engine, amazon_path, tmp_path / "media")

    assert (report.products_added, report.interactions_added) == (500, 0)
    assert count(postgres_engine, Product) == 500
    assert count(postgres_engine, Interaction) == 0
    with Session(postgres_engine) as session:
        assert session.exec(select(func.count()).where(Product.image_path.is_not(None))).one() == 0
        assert catalog.search(session, "women").total > 0

    again = run_import(postgres_engine, amazon_path, tmp_path / "media")
    assert (again.products_added, again.products_unchanged) == (0, 500)


def test_hm_copy_with_bad_rows_reports_them_and_loads_the_rest(postgres_engine: Engine, hm_path: Path, tmp_path: Path):
    root = tmp_path / "hm-bad"
    (root / "images").mkdir(parents=True)
    with (hm_path / "articles.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        good = [next(reader) for _ in range(5)]
    id_col = header.index("article_id")
    for row in good:
        source = hm_path / "images" / f"{row[id_col]}.jpg"
        (root / "images" / source.name).write_bytes(source.read_bytes())

    no_id = list(good[0])
    no_id[id_col] = ""
    duplicate = list(good[1])
    broken_image = list(good[2])
    broken_image[id_col] = "0999999001"
    (root / "images" / "0999999001.jpg").write_bytes(b"\x00not a jpeg")
    rows = [header, good[0], no_id, good[1], good[2], duplicate, good[3], broken_image, good[4], header[:3]]
    with (root / "articles.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    good_ids = [row[id_col] for row in good]
    (root / "transactions.csv").write_text(
        "t_dat,customer_id,article_id,price,sales_channel_id\n"
        f"2019-01-02,c1,{good_ids[0]},0.01,2\n"
        f"2019-01-02,c1,{good_ids[0].lstrip('0')},0.01,2\n"  # the leading zero lost
        f"2019-13-02,c2,{good_ids[1]},0.01,2\n"
        f"2019-01-03,,{good_ids[1]},0.01,2\n"
        f"2019-01-04,c2,{good_ids[4]},0.01,1\n",
        encoding="utf-8",
    )

    report = run_import(postgres_engine, root, tmp_path / "media", fmt="hm")

    assert sorted((p.file, p.line) for p in report.problems) == [
        ("articles.csv", 3),
        ("articles.csv", 6),
        ("articles.csv", 8),
        ("articles.csv", 10),
        ("transactions.csv", 3),
        ("transactions.csv", 4),
        ("transactions.csv", 5),
    ]
    with Session(postgres_engine) as session:
        stored = dict(session.exec(select(Product.external_id, Product.image_path)).all())
        assert set(stored) == {*good_ids, "0999999001"}
        assert stored["0999999001"] is None
        assert all(stored[i] is not None for i in good_ids)
        assert session.execute(text("SELECT count(*) FROM interactions")).scalar_one() == 2


def test_values_wider_than_their_columns_are_bad_rows_not_a_failed_import(postgres_engine: Engine, tmp_path: Path):
    """PostgreSQL enforces column widths (SQLite does not): one long id must not cost the good rows."""
    root = tmp_path / ("a-shop-folder-with-a-very-long-name-" + "n" * 80)
    root.mkdir()
    long_id = "https://shop.example/products/" + "x" * 120
    (root / "items.csv").write_text(
        f"item_id,title,category\n{long_id},Too long,Tops\nok,Fine,{'c' * 300}\n", encoding="utf-8"
    )
    (root / "interactions.csv").write_text(
        f"user_id,item_id,timestamp\nu1,{long_id},0\n{'u' * 200},ok,0\n", encoding="utf-8"
    )

    report = run_import(postgres_engine, root, tmp_path / "media")

    assert [(p.file, p.line) for p in report.problems] == [("items.csv", 2), ("interactions.csv", 2)]
    assert (report.products_added, report.interactions_added) == (1, 1)
    with Session(postgres_engine) as session:
        product = session.exec(select(Product)).one()
        assert product.external_id == "ok" and len(product.category) == 200 and len(product.source) == 100
