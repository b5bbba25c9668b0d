"""A product's page: large photo, text, details and the like button."""

import reflex as rx

from shoprec_app.components.layout import page
from shoprec_app.components.link_button import link_button
from shoprec_app.components.product_card import empty_state, like_button, product_photo
from shoprec_app.components.shelf import shelf
from shoprec_app.states.product import ProductState
from shoprec_app.states.recommendations import SimilarState


def product_details() -> rx.Component:
    return rx.grid(
        rx.box(product_photo(ProductState.image_url, ProductState.title, radius="var(--radius-4)"), max_width="460px", width="100%"),
        rx.vstack(
            rx.link(rx.badge(ProductState.category, size="2", variant="soft"), href="/?category=" + ProductState.category),
            rx.heading(ProductState.title, size="8", data_testid="product-title"),
            rx.cond(ProductState.price != "", rx.text(ProductState.price, size="6", weight="bold")),
            rx.cond(ProductState.details != "", rx.text(ProductState.details, size="2", color_scheme="gray")),
            rx.hstack(like_button(ProductState.product_id, size="3"), rx.text("Like this product to tune your recommendations", size="2", color_scheme="gray"), align="center", spacing="3"),
            rx.separator(size="4"),
            # Product text is rendered as text: any markup in a shop's data is shown, never run.
            rx.text(ProductState.description, size="3", white_space="pre-line", data_testid="product-description"),
            spacing="4",
            align="start",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        gap="7",
        width="100%",
    )


@page
def product_page() -> rx.Component:
    return rx.cond(
        ProductState.found,
        rx.vstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("Back to the shop"), align="center", spacing="1"), href="/", size="2"),
            product_details(),
            rx.separator(size="4"),
            shelf("Similar items", SimilarState.similar, SimilarState.similar_status, "Similar items are unavailable right now.", test_id="similar", empty_text="No similar items found."),
            spacing="6",
            width="100%",
        ),
        empty_state("package-x", "Product not found", "It may have been removed from the shop.", link_button("Back to the shop", variant="soft", href="/")),
    )
