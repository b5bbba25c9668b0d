"""The catalog grid: browse by category, sort, search, page; the URL holds the query."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import urlencode

import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.services import catalog, recommendations
from shoprec_app.services.catalog import ProductCard
from shoprec_app.states.worker_requests import load_view, request_recommendations

# Results found by meaning for a query are the same for everyone: this fresh, they are reused.
SEARCH_FRESH_FOR = timedelta(minutes=10)
# How long the first page of a search waits for the results by meaning (usually ~50 ms).
MEANING_WAIT_SECONDS = 1.5

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
    # Search by meaning (the workers' text embedding), blended into the first page.
    keyword_cards: list[ProductCard] = []
    keyword_total: int = 0
    meaning_ids: list[int] = []
    meaning_status: str = "idle"  # idle, loading, ready, failed
    meaning_request_id: str = ""

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
        self.keyword_cards, self.keyword_total, self.meaning_ids = result.cards, result.total, []
        self.loading = False
        self.meaning_status = "idle"
        if self.searching and self.page == 1:
            yield from self._search_by_meaning()

    def _search_by_meaning(self):
        query = " ".join(catalog.query_words(self.query))
        with session_scope() as session:
            done = recommendations.latest(session, "search", query=query, done_only=True)
            fresh = done is not None and recommendations.age(done) < SEARCH_FRESH_FOR
            found = recommendations.view(session, done) if fresh else None
        if found is not None:
            self._blend(found.cards)
            return
        # Hold the grid until the results by meaning arrive (tens of ms), so the cards do not
        # jump under the shopper's pointer when they are blended in; a slow answer is dropped.
        self.meaning_status, self.loading = "loading", True
        yield
        request_id, error = request_recommendations("search", query=query, client_token=self.router.session.client_token)
        self.meaning_request_id = request_id
        if error:
            self.meaning_status, self.loading = "failed", False
            return
        yield CatalogState.stop_waiting_for_meaning(request_id)

    @rx.event(background=True)
    async def stop_waiting_for_meaning(self, request_id: str):
        """Show the keyword results alone if the search by meaning is slow."""
        await asyncio.sleep(MEANING_WAIT_SECONDS)
        async with self:
            if self.meaning_request_id == request_id and self.meaning_status == "loading":
                self.meaning_status, self.loading = "failed", False

    def _apply_result(self, request_id: str) -> None:
        """Called by the reply consumer when the search by meaning is done."""
        if request_id != self.meaning_request_id:
            return  # an older search
        if self.meaning_status != "loading" and self.keyword_cards:
            return  # too late: the keyword results are on screen and must not jump
        found = load_view(request_id)
        if found is None or found.status != "done":
            self.meaning_status, self.loading = "failed", False
            return
        self._blend(found.cards)

    def _blend(self, found: list[recommendations.RecommendedCard]) -> None:
        by_meaning = [
            ProductCard(c.id, c.title, c.category, c.price, c.image_url)
            for c in found
            if not self.category or c.category == self.category
        ]
        keyword_ids = {card.id for card in self.keyword_cards}
        self.cards = catalog.blend_rankings(self.keyword_cards, by_meaning, catalog.PAGE_SIZE)
        self.meaning_ids = [card.id for card in self.cards if card.id not in keyword_ids]
        self.total = self.keyword_total + len([c for c in by_meaning if c.id not in keyword_ids])
        self.meaning_status, self.loading = "ready", False

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
