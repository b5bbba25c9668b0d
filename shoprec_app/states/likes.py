"""Likes: the heart on every card answers at once, and the change is saved right after."""

from __future__ import annotations

import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.services import likes
from shoprec_app.services.catalog import ProductCard
from shoprec_app.states.auth import AuthState
from shoprec_app.states.recommendations import RecsState


class LikesState(AuthState):
    liked_ids: list[int] = []
    liked_cards: list[ProductCard] = []
    loaded: bool = False

    @rx.event
    def load_liked_ids(self):
        shopper = self._current_shopper()
        self.email = shopper.email if shopper else ""
        if shopper is None:
            self.liked_ids = []
            return
        with session_scope() as session:
            self.liked_ids = likes.liked_ids(session, shopper)

    @rx.event
    def load_my_likes(self):
        shopper = self._current_shopper()
        if shopper is None:
            return  # the page's login guard redirects
        with session_scope() as session:
            self.liked_cards = likes.liked_cards(session, shopper)
            self.liked_ids = likes.liked_ids(session, shopper)
        self.loaded = True

    @rx.event
    def toggle_like(self, product_id: int):
        shopper = self._current_shopper()
        if shopper is None:
            return [rx.redirect(f"/login?next={self.router.url.path or '/'}"), rx.toast.info("Log in to like products.")]
        product_id = int(product_id)
        want_liked = product_id not in self.liked_ids
        previous = list(self.liked_ids)
        # Show the new heart before the database round trip.
        self.liked_ids = [product_id, *previous] if want_liked else [i for i in previous if i != product_id]
        yield
        try:
            with session_scope() as session:
                likes.set_liked(session, shopper, product_id, want_liked)
        except likes.UnknownProduct:
            self.liked_ids = previous
            yield rx.toast.error("This product is no longer in the shop.")
            return
        if not want_liked:
            self.liked_cards = [card for card in self.liked_cards if card.id != product_id]
        yield RecsState.schedule_refresh
