"""Browsing and keyword search over the catalog, on SQLite's FTS5 index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from shoprec_app.models import Product
from shoprec_app.services import catalog


def add(session: Session, title: str, **fields) -> Product:
    fields.setdefault("external_id", f"ext-{title}-{len(session.new)}-{fields.get('category', '')}")
    product = Product(title=title, **fields)
    session.add(product)
    session.flush()
    return product


@pytest.fixture
def shop(session: Session) -> Session:
    """A dozen products in three categories with known popularity, prices and dates."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        ("Linen wrap dress", "Dresses", 49.0, 5, "A light summer piece.", "white · linen"),
        ("Velvet evening dress", "Dresses", 89.0, 9, "For evenings out.", "black"),
        ("Red midi dress", "Dresses", None, 1, "Bright and bold.", "red"),
        ("Striped summer top", "Tops", 19.0, 30, "Wear it with a dress or jeans.", "blue"),
        ("red hoodie", "Tops", 35.0, 2, "Warm and soft.", "red"),
        ("Basic tee", "Tops", 9.5, 12, "Everyday cotton tee.", "white"),
        ("Leather belt", "Accessories", 25.0, 0, "Pairs with a dress.", "brown"),
        ("Dressage gloves", "Accessories", 15.0, 3, "Riding gloves.", "black"),
        ("Red scarf", "Accessories", 12.0, 7, "Wool scarf.", "red"),
    ]
    for index, (title, category, price, popularity, description, details) in enumerate(rows):
        add(
            session,
            title,
            external_id=f"p{index}",
            category=category,
            price=price,
            popularity=popularity,
            description=description,
            details=details,
            created_at=start + timedelta(days=index),
        )
    session.commit()
    return session


def titles(page: catalog.CatalogPage) -> list[str]:
    return [card.title for card in page.cards]


# --- browsing ----------------------------------------------------------------------------------


def test_categories_counts_each_category(shop: Session):
    add(shop, "No category yet", external_id="bare")
    assert catalog.categories(shop) == [("Accessories", 3), ("Dresses", 3), ("Tops", 3)]


def test_browse_by_category(shop: Session):
    page = catalog.browse(shop, category="Dresses")

    assert page.total == 3 and page.pages == 1
    assert {card.category for card in page.cards} == {"Dresses"}
    assert catalog.browse(shop, category="Nothing here").cards == []


def test_browse_sorts(shop: Session):
    assert titles(catalog.browse(shop, category="Tops", sort="popular")) == ["Striped summer top", "Basic tee", "red hoodie"]
    # Products without a price come last in both price orders.
    assert titles(catalog.browse(shop, category="Dresses", sort="price_asc")) == [
        "Linen wrap dress",
        "Velvet evening dress",
        "Red midi dress",
    ]
    assert titles(catalog.browse(shop, category="Dresses", sort="price_desc")) == [
        "Velvet evening dress",
        "Linen wrap dress",
        "Red midi dress",
    ]
    # Name order ignores case.
    assert titles(catalog.browse(shop, category="Tops", sort="name")) == ["Basic tee", "red hoodie", "Striped summer top"]
    assert titles(catalog.browse(shop, category="Accessories", sort="newest")) == [
        "Red scarf",
        "Dressage gloves",
        "Leather belt",
    ]
    # An unknown sort falls back to popular rather than failing.
    assert titles(catalog.browse(shop, category="Tops", sort="'; DROP TABLE products")) == titles(
        catalog.browse(shop, category="Tops", sort="popular")
    )


def test_browse_pagination_bounds(shop: Session):
    first = catalog.browse(shop, sort="popular", page=1, page_size=4)
    assert (first.total, first.pages, first.page, len(first.cards)) == (9, 3, 1, 4)

    assert catalog.browse(shop, page=0, page_size=4) == first
    assert catalog.browse(shop, page=-3, page_size=4) == first

    last = catalog.browse(shop, sort="popular", page=3, page_size=4)
    assert (last.page, len(last.cards)) == (3, 1)
    assert catalog.browse(shop, sort="popular", page=99, page_size=4) == last

    every_card = [card.id for p in (1, 2, 3) for card in catalog.browse(shop, page=p, page_size=4).cards]
    assert sorted(every_card) == sorted(shop.exec(select(Product.id)).all())


def test_browse_an_empty_shop(session: Session):
    page = catalog.browse(session, page=5)
    assert (page.cards, page.total, page.page, page.pages) == ([], 0, 1, 1)


def test_cards_show_price_and_image_url(shop: Session):
    product = add(shop, "Photo frame", external_id="photo", price=1234.5, image_path="products/photo.jpg")

    card = catalog.cards_by_ids(shop, [product.id])[0]

    assert card.price == "$1,234.50"
    assert card.image_url == "/media/products/photo.jpg"
    assert catalog.cards_by_ids(shop, [shop.exec(select(Product.id).where(Product.price.is_(None))).first()])[0].price == ""


def test_cards_by_ids_keeps_order_and_skips_missing(shop: Session):
    ids = shop.exec(select(Product.id).order_by(Product.id)).all()

    cards = catalog.cards_by_ids(shop, [ids[3], 99999, ids[0]])

    assert [card.id for card in cards] == [ids[3], ids[0]]
    assert catalog.cards_by_ids(shop, []) == []


# --- search ------------------------------------------------------------------------------------


def test_title_match_outranks_description_match(shop: Session):
    result = titles(catalog.search(shop, "dress"))

    # The most popular product, "Striped summer top", and "Leather belt" only mention a dress in
    # their description; every product with the word (or a word starting with it) in its title comes first.
    in_title = {"Linen wrap dress", "Velvet evening dress", "Red midi dress", "Dressage gloves"}
    assert set(result[:4]) == in_title
    assert set(result[4:]) == {"Striped summer top", "Leather belt"}


def test_search_matches_word_prefixes(shop: Session):
    result = titles(catalog.search(shop, "dre"))

    assert "Dressage gloves" in result and "Linen wrap dress" in result
    assert titles(catalog.search(shop, "hood")) == ["red hoodie"]


def test_search_finds_stemmed_words(shop: Session):
    assert "Dressage gloves" in titles(catalog.search(shop, "glove"))
    assert set(titles(catalog.search(shop, "dresses"))) >= {"Linen wrap dress", "Velvet evening dress", "Red midi dress"}


def test_search_requires_all_words_first(shop: Session):
    page = catalog.search(shop, "red dress")

    assert titles(page) == ["Red midi dress"]
    assert page.total == 1


def test_search_falls_back_to_any_word(shop: Session):
    page = catalog.search(shop, "red trousers")

    assert set(titles(page)) == {"Red midi dress", "red hoodie", "Red scarf"}
    assert page.total == 3


def test_search_with_no_match_is_empty(shop: Session):
    page = catalog.search(shop, "submarine")
    assert (page.cards, page.total, page.page, page.pages) == ([], 0, 1, 1)


def test_search_with_category_filter(shop: Session):
    page = catalog.search(shop, "dress", category="Accessories")

    assert set(titles(page)) == {"Leather belt", "Dressage gloves"}
    assert {card.category for card in page.cards} == {"Accessories"}
    assert catalog.search(shop, "red", category="Tops").total == 1


def test_empty_query_browses(shop: Session):
    for query in ("", "   ", "!!! ???", '"'):
        assert catalog.search(shop, query, category="Tops") == catalog.browse(shop, category="Tops")


@pytest.mark.parametrize(
    "query",
    [
        '"dress" OR *',
        "NEAR(",
        "NEAR(dress red, 2)",
        '"unbalanced quote',
        "dress -red",
        "-",
        "title:dress",
        "^dress",
        "dress*",
        "AND OR NOT",
        "'; DROP TABLE products; --",
        "1' OR '1'='1",
        "%_%",
        "½ x² ١٢ 𝔡𝔯𝔢𝔰𝔰",
        "dress " * 40,
        "a" * 2000,
        "\x00dress",
    ],
)
def test_search_never_raises_on_operators_and_punctuation(shop: Session, query: str):
    page = catalog.search(shop, query)

    assert page.total >= len(page.cards)
    assert shop.exec(select(func.count()).select_from(Product)).one() == 9


def test_operators_in_a_query_are_searched_as_words(shop: Session):
    # Quotes and * are punctuation, and "or" is a stop word: the query is the word "dress".
    assert titles(catalog.search(shop, '"dress" OR *')) == titles(catalog.search(shop, "dress"))
    # "-red" is not an exclusion: it is the word red.
    assert "Red midi dress" in titles(catalog.search(shop, "dress -red"))


def test_search_pagination_bounds(shop: Session):
    first = catalog.search(shop, "dress", page=1, page_size=4)
    assert (first.total, first.pages, first.page, len(first.cards)) == (6, 2, 1, 4)
    assert catalog.search(shop, "dress", page=0, page_size=4) == first

    last = catalog.search(shop, "dress", page=2, page_size=4)
    assert (last.page, len(last.cards)) == (2, 2)
    # A page past the end shows the last page, as browsing does, never an empty page.
    assert catalog.search(shop, "dress", page=50, page_size=4) == last

    seen = [card.id for p in (1, 2) for card in catalog.search(shop, "dress", page=p, page_size=4).cards]
    assert len(seen) == len(set(seen)) == 6


def test_search_follows_edits_and_deletions(shop: Session):
    product = shop.exec(select(Product).where(Product.title == "Basic tee")).one()

    product.title = "Basic polo"
    shop.add(product)
    shop.commit()
    assert "Basic polo" in titles(catalog.search(shop, "polo"))
    assert catalog.search(shop, "tee").total == 1  # "Everyday cotton tee." in the description still matches

    shop.delete(product)
    shop.commit()
    assert catalog.search(shop, "polo").total == 0


def test_html_in_product_text_stays_as_stored_text(shop: Session):
    title = '<script>alert("x")</script> Lace dress & <b>bolero</b>'
    description = "<img src=x onerror=alert(1)> Fits true to size."
    product = add(shop, title, external_id="html", description=description, category="Dresses")
    shop.commit()

    detail = catalog.get_product(shop, product.id)
    assert (detail.title, detail.description) == (title, description)
    found = [card for card in catalog.search(shop, "bolero").cards if card.id == product.id]
    assert [card.title for card in found] == [title]


def test_get_product(shop: Session):
    product = shop.exec(select(Product).where(Product.title == "Linen wrap dress")).one()

    detail = catalog.get_product(shop, product.id)

    assert detail.external_id == "p0" and detail.details == "white · linen" and detail.price == "$49.00"
    assert catalog.get_product(shop, 99999) is None


def test_fts_index_is_maintained_by_the_database(shop: Session):
    """Rows written outside the ORM (the importer's bulk insert) are searchable too."""
    shop.execute(
        text(
            "INSERT INTO products (external_id, title, description, category, details, popularity, source, created_at, updated_at) "
            "VALUES ('raw', 'Quilted gilet', '', 'Tops', '', 0, '', '2026-01-01', '2026-01-01')"
        )
    )
    assert titles(catalog.search(shop, "gilet")) == ["Quilted gilet"]


def test_stop_words_do_not_match_every_product(shop: Session):
    assert catalog.query_words("something warm for the winter") == ["something", "warm", "winter"]
    # "with a" is in a description, but only "dress" and "jeans" count.
    assert titles(catalog.search(shop, "with a dress or jeans")) == titles(catalog.search(shop, "dress jeans"))
