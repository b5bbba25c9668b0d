"""The live shelves: "Recommended for you" and "Similar items".

Results arrive by push (`_apply_result`, called by the reply consumer, never by the browser:
Reflex exposes every public state method as an event); a page load shows
the newest stored result. Each state remembers the request time of what it shows, so a
reply to an older request never replaces a newer result.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.services import recommendations
from shoprec_app.services.recommendations import RecommendationView, RecommendedCard
from shoprec_app.states.auth import AuthState
from shoprec_app.states.worker_requests import load_view, request_recommendations

# Likes in quick succession after the first make one more request, sent this long after the last.
DEBOUNCE_SECONDS = 0.3
# A stored shelf older than this is shown, then refreshed (a newer model, new products).
SHELF_FRESH_FOR = timedelta(minutes=10)
# Similar items are the same for every shopper: a stored result this fresh is reused.
SIMILAR_FRESH_FOR = timedelta(minutes=10)


class RecsState(AuthState):
    recs: list[RecommendedCard] = []
    recs_status: str = "idle"  # idle, loading, ready, failed
    recs_error: str = ""
    recs_request_id: str = ""
    recs_shown_at: str = ""
    refresh_generation: int = 0
    last_refresh_at: float = 0.0

    @rx.event
    def load_shelf(self):
        """Show the newest stored shelf; ask for a new one if likes changed since or it is old."""
        shopper = self._current_shopper()
        if shopper is None:
            self.recs, self.recs_status, self.recs_shown_at = [], "idle", ""
            return
        with session_scope() as session:
            done = recommendations.latest(session, "for_you", user_id=shopper.id, done_only=True)
            shown = recommendations.view(session, done) if done else None
            stale = done is None or recommendations.age(done) > SHELF_FRESH_FOR
            liked_at = recommendations.latest_like_at(session, shopper.id)
        if shown is not None:
            self._show(shown, force=True)
        if stale or (liked_at is not None and liked_at.isoformat() > shown.requested_at):
            return RecsState.refresh

    @rx.event(background=True)
    async def schedule_refresh(self):
        """Refresh after a like or unlike: at once after a quiet spell, else after the burst.

        A single like is answered without waiting; the likes that follow within the debounce
        window make one more request, sent when they stop.
        """
        async with self:
            self.refresh_generation += 1
            generation = self.refresh_generation
            self.recs_status = "loading"
            quiet = time.time() - self.last_refresh_at >= DEBOUNCE_SECONDS
        if not quiet:
            await asyncio.sleep(DEBOUNCE_SECONDS)
        async with self:
            if generation != self.refresh_generation:
                return
            self.last_refresh_at = time.time()
            shopper = self._current_shopper()
            client_token = self.router.session.client_token
        if shopper is None:
            return
        request_id, error = await asyncio.to_thread(
            request_recommendations, "for_you", user_id=shopper.id, client_token=client_token
        )
        async with self:
            self._asked(request_id, error)

    @rx.event
    def refresh(self):
        shopper = self._current_shopper()
        if shopper is None:
            return
        self.recs_status = "loading"
        yield
        request_id, error = request_recommendations(
            "for_you", user_id=shopper.id, client_token=self.router.session.client_token
        )
        self._asked(request_id, error)

    def _asked(self, request_id: str, error: str) -> None:
        self.recs_request_id = request_id
        if error:
            self.recs_status, self.recs_error = "failed", error

    def _apply_result(self, request_id: str) -> None:
        """Called by the reply consumer with a finished request of this tab."""
        shown = load_view(request_id)
        if shown is not None:
            self._show(shown, force=False)

    def _show(self, shown: RecommendationView, force: bool) -> None:
        if shown.status == "failed":
            if shown.request_id == self.recs_request_id:
                self.recs_status, self.recs_error = "failed", shown.error
            return
        if shown.status != "done" or (not force and shown.requested_at < self.recs_shown_at):
            return  # a stale reply never overwrites a newer result
        self.recs, self.recs_shown_at, self.recs_error = shown.cards, shown.requested_at, ""
        # Keep the spinner while a newer request is still on its way.
        if shown.request_id == self.recs_request_id or self.recs_status != "loading":
            self.recs_status = "ready"


class SimilarState(rx.State):
    similar: list[RecommendedCard] = []
    similar_status: str = "idle"
    similar_product_id: int = 0

    @rx.event
    def load_similar(self):
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.similar, self.similar_status = [], "idle"
        if not raw.isdigit():
            return
        self.similar_product_id = int(raw)
        with session_scope() as session:
            done = recommendations.latest(session, "similar", subject_product_id=self.similar_product_id, done_only=True)
            fresh = done is not None and recommendations.age(done) < SIMILAR_FRESH_FOR
            shown = recommendations.view(session, done) if fresh else None
        if shown is not None:
            self.similar, self.similar_status = shown.cards, "ready"
            return
        self.similar_status = "loading"
        yield
        _, error = request_recommendations(
            "similar", subject_product_id=self.similar_product_id, client_token=self.router.session.client_token
        )
        if error:
            self.similar_status = "failed"

    def _apply_result(self, request_id: str) -> None:
        shown = load_view(request_id)
        if shown is None:
            return
        with session_scope() as session:
            request = session.get(recommendations.RecommendationRequest, request_id)
            subject = request.subject_product_id if request else None
        if subject != self.similar_product_id:
            return  # the shopper has moved on to another product
        self.similar = shown.cards
        self.similar_status = "ready" if shown.status == "done" else "failed"


def state_for_kind(kind: str) -> type[rx.State]:
    from shoprec_app.states.catalog import CatalogState

    return {"for_you": RecsState, "similar": SimilarState, "search": CatalogState}[kind]
