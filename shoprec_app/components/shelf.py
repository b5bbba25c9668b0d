"""Horizontal shelves of small product cards: "Recommended for you" and "Similar items"."""

import reflex as rx

from shoprec_app.components.product_card import like_button, product_photo
from shoprec_app.services.recommendations import RecommendedCard


def shelf_card(card: RecommendedCard) -> rx.Component:
    return rx.card(
        rx.link(
            rx.box(
                product_photo(card.image_url, card.title),
                rx.box(like_button(card.id, size="1"), position="absolute", top="6px", right="6px"),
                position="relative",
            ),
            rx.text(card.title, size="2", weight="medium", truncate=True, padding_top="6px"),
            rx.cond(
                card.reason != "",
                rx.text(card.reason, size="1", color_scheme="teal", truncate=True, data_testid="recommendation-reason"),
                rx.text(card.category, size="1", color_scheme="gray", truncate=True),
            ),
            href="/product/" + card.id.to_string(),
            underline="none",
            color_scheme="gray",
            high_contrast=True,
        ),
        size="1",
        min_width="170px",
        max_width="170px",
        data_testid="shelf-card",
    )


def shelf(title: str, cards, status, error, on_retry=None, test_id: str = "shelf", empty_text: str = "") -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(title, size="4"),
            rx.cond(status == "loading", rx.spinner(size="2", data_testid=f"{test_id}-loading")),
            align="center",
            spacing="3",
        ),
        rx.cond(
            status == "failed",
            rx.callout(
                rx.hstack(
                    rx.text(error),
                    *([rx.button("Try again", size="1", variant="soft", on_click=on_retry)] if on_retry is not None else []),
                    align="center",
                    spacing="3",
                ),
                icon="triangle-alert",
                color_scheme="amber",
                size="1",
                data_testid=f"{test_id}-error",
            ),
        ),
        rx.cond(
            cards.length() > 0,
            rx.scroll_area(
                rx.hstack(rx.foreach(cards, shelf_card), spacing="3", padding_bottom="10px"),
                type="auto",
                scrollbars="horizontal",
                width="100%",
            ),
            rx.cond(status == "loading", rx.text("Finding products for you…", size="2", color_scheme="gray"), rx.text(empty_text, size="2", color_scheme="gray")),
        ),
        spacing="3",
        width="100%",
        data_testid=test_id,
    )
