"""One product's page."""

from __future__ import annotations

import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.services import catalog


class ProductState(rx.State):
    product_id: int = 0
    title: str = ""
    category: str = ""
    details: str = ""
    price: str = ""
    image_url: str = ""
    description: str = ""
    found: bool = True

    @rx.event
    def load(self):
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        product = None
        if raw.isdigit():
            with session_scope() as session:
                product = catalog.get_product(session, int(raw))
        self.found = product is not None
        if product is None:
            self.product_id, self.title = 0, ""
            return
        self.product_id, self.title, self.category = product.id, product.title, product.category
        self.details, self.price, self.image_url = product.details, product.price, product.image_url
        self.description = product.description
