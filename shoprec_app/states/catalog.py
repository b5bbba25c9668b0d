"""The catalog grid: browse by category, sort, search, page; the URL holds the query."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.services import catalog
from shoprec_app.services.catalog import ProductCard

SORT_LABELS = {
    "popular": "Most popular",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "name": "Name",
}


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class CatalogState(rx.State):
    query: str = ""
    category: str = ""
    sort: str = "popular"
    page: int = 1
    pages: int = 1
    total: int = 0
    cards: list[ProductCard] = []
    categories: list[str] = []
    loading: bool = True

    @rx.event
    def load(self):
        params = self.router.url.query_parameters
        self.query = params.get("q", "")[:200]
        self.category = params.get("category", "")[:200]
        self.sort = params.get("sort", "popular") if params.get("sort") in SORT_LABELS else "popular"
        requested_page = _int(params.get("page", "1"), 1)
        with session_scope() as session:
            self.categories = [name for name, _count in catalog.categories(session)]
            if catalog.query_words(self.query):
                result = catalog.search(session, self.query, self.category, requested_page)
            else:
                result = catalog.browse(session, self.category, self.sort, requested_page)
        self.cards, self.total, self.page, self.pages = result.cards, result.total, result.page, result.pages
        self.loading = False

    def _url(self, **changes) -> str:
        params = {"q": self.query, "category": self.category, "sort": self.sort, "page": self.page}
        params.update(changes)
        kept = {k: v for k, v in params.items() if v and not (k == "page" and v == 1) and not (k == "sort" and v == "popular")}
        return "/" + (f"?{urlencode(kept)}" if kept else "")

    @rx.event
    def submit_search(self, form: dict):
        return rx.redirect(self._url(q=form.get("q", "").strip(), page=1))

    @rx.event
    def choose_category(self, category: str):
        return rx.redirect(self._url(category="" if category == "All" else category, page=1))

    @rx.event
    def choose_sort(self, label: str):
        sort = next((key for key, text in SORT_LABELS.items() if text == label), "popular")
        return rx.redirect(self._url(sort=sort, page=1))

    @rx.event
    def go_to_page(self, page: int):
        return rx.redirect(self._url(page=max(1, min(int(page), self.pages))))

    @rx.var
    def sort_label(self) -> str:
        return SORT_LABELS.get(self.sort, SORT_LABELS["popular"])

    @rx.var
    def searching(self) -> bool:
        return bool(self.query.strip())
