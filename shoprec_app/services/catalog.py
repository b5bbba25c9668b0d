"""Browsing and keyword search over the catalog.

Search runs in the database's own full-text engine: PostgreSQL's tsvector (deployed) or
SQLite's FTS5 (embedded), both created by migration 0002. Words match as prefixes and all
of them must match; when that finds nothing, any word may match, still ranked by relevance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from shoprec_app.models import Product

PAGE_SIZE = 24
# The usual constant of reciprocal rank fusion: later ranks still count, but less.
RRF_K = 60
MAX_QUERY_WORDS = 12
SORTS = {
    "popular": (col(Product.popularity).desc(), col(Product.id)),
    "newest": (col(Product.created_at).desc(), col(Product.id).desc()),
    "price_asc": (col(Product.price).is_(None), col(Product.price), col(Product.id)),
    "price_desc": (col(Product.price).is_(None), col(Product.price).desc(), col(Product.id)),
    "name": (func.lower(Product.title), col(Product.id)),
}


@dataclass(frozen=True)
class ProductCard:
    """What a storefront card shows; plain values, safe to put in a page's state."""

    id: int
    title: str
    category: str
    price: str
    image_url: str


@dataclass(frozen=True)
class ProductDetail:
    id: int
    external_id: str
    title: str
    category: str
    details: str
    price: str
    image_url: str
    description: str


@dataclass(frozen=True)
class CatalogPage:
    cards: list[ProductCard]
    total: int
    page: int
    pages: int


def price_label(price: float | None) -> str:
    return "" if price is None else f"${price:,.2f}"


def image_url(product: Product) -> str:
    return f"/media/{product.image_path}" if product.image_path else ""


def to_card(product: Product) -> ProductCard:
    return ProductCard(product.id, product.title, product.category, price_label(product.price), image_url(product))


def to_detail(product: Product) -> ProductDetail:
    return ProductDetail(
        product.id,
        product.external_id,
        product.title,
        product.category,
        product.details,
        price_label(product.price),
        image_url(product),
        product.description,
    )


# Words too common to tell products apart ("made for the office" is in every description).
# PostgreSQL's english configuration drops these itself; SQLite's FTS5 does not.
STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have i in is it its me my of on or so that the this to "
    "was we were what when where which who will with you your".split()
)


def query_words(query: str) -> list[str]:
    """The searchable words of a shopper's query; punctuation, operators and stop words are dropped."""
    words = re.findall(r"\w+", (query or "").lower())
    return [word for word in words if word not in STOP_WORDS][:MAX_QUERY_WORDS]


def categories(session: Session) -> list[tuple[str, int]]:
    rows = session.exec(
        select(Product.category, func.count()).where(Product.category != "").group_by(Product.category).order_by(Product.category)
    ).all()
    return [(name, count) for name, count in rows]


def browse(session: Session, category: str = "", sort: str = "popular", page: int = 1, page_size: int = PAGE_SIZE) -> CatalogPage:
    filters = [Product.category == category] if category else []
    total = session.exec(select(func.count()).select_from(Product).where(*filters)).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    products = session.exec(
        select(Product).where(*filters).order_by(*SORTS.get(sort, SORTS["popular"])).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return CatalogPage([to_card(p) for p in products], total, page, pages)


def search(session: Session, query: str, category: str = "", page: int = 1, page_size: int = PAGE_SIZE) -> CatalogPage:
    words = query_words(query)
    if not words:
        return browse(session, category=category, page=page, page_size=page_size)
    for require_all in (True, False):
        ids, total = _search_ids(session, words, require_all, category, page, page_size)
        if total or len(words) == 1:
            break
    pages = max(1, -(-total // page_size))
    if page > pages:  # past the end: show the last page, as browse does, rather than an empty one
        page = pages
        ids, total = _search_ids(session, words, require_all, category, page, page_size)
    products = {p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(ids))).all()} if ids else {}
    return CatalogPage([to_card(products[i]) for i in ids if i in products], total, min(max(1, page), pages), pages)


def _search_ids(
    session: Session, words: list[str], require_all: bool, category: str, page: int, page_size: int
) -> tuple[list[int], int]:
    """One page of matching product ids, best first, and the number of matches."""
    params: dict[str, object] = {"category": category, "limit": page_size, "offset": (max(1, page) - 1) * page_size}
    category_filter = "AND p.category = :category" if category else ""
    if session.get_bind().dialect.name == "postgresql":
        params["query"] = (" & " if require_all else " | ").join(f"{w}:*" for w in words)
        match = "FROM products p, to_tsquery('english', :query) q WHERE p.search_vector @@ q " + category_filter
        # ts_rank, not ts_rank_cd: cover density costs ~5x more on broad any-word fallbacks.
        rank = "ts_rank(p.search_vector, q) DESC"
    else:
        params["query"] = (" AND " if require_all else " OR ").join(f'"{w}"*' for w in words)
        match = (
            "FROM products_fts f JOIN products p ON p.id = f.rowid WHERE products_fts MATCH :query " + category_filter
        )
        # bm25 is lower for better matches; title counts most, then details and category, then description.
        rank = "bm25(products_fts, 10.0, 4.0, 4.0, 1.0)"
    total = session.execute(text(f"SELECT count(*) {match}"), params).scalar_one()
    rows = session.execute(
        text(f"SELECT p.id {match} ORDER BY {rank}, p.popularity DESC, p.id LIMIT :limit OFFSET :offset"), params
    ).all()
    return [row[0] for row in rows], total


def get_product(session: Session, product_id: int) -> ProductDetail | None:
    product = session.get(Product, product_id)
    return to_detail(product) if product else None


def cards_by_ids(session: Session, product_ids: list[int]) -> list[ProductCard]:
    """Cards in the order of the ids given; ids of products that no longer exist are skipped."""
    if not product_ids:
        return []
    found = {p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(product_ids))).all()}
    return [to_card(found[i]) for i in product_ids if i in found]


def blend_rankings(keyword: list[ProductCard], by_meaning: list[ProductCard], limit: int) -> list[ProductCard]:
    """Reciprocal rank fusion of the keyword results and the results found by meaning.

    RRF needs no score calibration between BM25/ts_rank and vector similarity, and a product
    both lists agree on rises to the top.
    """
    scores: dict[int, float] = {}
    cards: dict[int, ProductCard] = {}
    for ranking in (keyword, by_meaning):
        for rank, card in enumerate(ranking):
            scores[card.id] = scores.get(card.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            cards.setdefault(card.id, card)
    return [cards[i] for i in sorted(scores, key=lambda i: -scores[i])[:limit]]
