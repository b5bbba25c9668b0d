"""A product card for grids: photo, name, category, price and the like button."""

import reflex as rx

from shoprec_app.services.catalog import ProductCard
from shoprec_app.states.likes import LikesState


def product_photo(image_url, title, radius: str = "var(--radius-3)") -> rx.Component:
    """The photo at a fixed 3:4 ratio, or a quiet placeholder when the product has none."""
    return rx.aspect_ratio(
        rx.cond(
            image_url != "",
            rx.image(src=image_url, alt=title, loading="lazy", width="100%", height="100%", object_fit="cover", border_radius=radius),
            rx.center(rx.icon("image-off", size=32, color="var(--gray-8)"), width="100%", height="100%", background_color="var(--gray-3)", border_radius=radius),
        ),
        ratio=3 / 4,
    )


def like_button(product_id, size: str = "2") -> rx.Component:
    liked = LikesState.liked_ids.contains(product_id)
    return rx.icon_button(
        rx.icon("heart", fill=rx.cond(liked, "currentColor", "none")),
        on_click=LikesState.toggle_like(product_id).stop_propagation.prevent_default,
        color_scheme=rx.cond(liked, "crimson", "gray"),
        variant=rx.cond(liked, "soft", "surface"),
        radius="full",
        size=size,
        aria_label=rx.cond(liked, "Unlike", "Like"),
        aria_pressed=liked,
        data_testid="like-button",
    )


def product_card(card: ProductCard, meaning_ids=None) -> rx.Component:
    badge = (
        [rx.cond(meaning_ids.contains(card.id), rx.badge("Matches by meaning", variant="solid", size="1", position="absolute", bottom="8px", left="8px", data_testid="meaning-badge"))]
        if meaning_ids is not None
        else []
    )
    return rx.card(
        rx.link(
            rx.box(
                product_photo(card.image_url, card.title),
                rx.box(like_button(card.id), position="absolute", top="8px", right="8px"),
                *badge,
                position="relative",
            ),
            rx.vstack(
                rx.text(card.title, weight="medium", size="2", style={"display": "-webkit-box", "WebkitLineClamp": "2", "WebkitBoxOrient": "vertical", "overflow": "hidden"}),
                rx.hstack(
                    rx.text(card.category, size="1", color_scheme="gray", truncate=True),
                    rx.spacer(),
                    rx.text(card.price, size="2", weight="bold"),
                    width="100%",
                    align="center",
                ),
                spacing="1",
                padding_top="8px",
                width="100%",
            ),
            href="/product/" + card.id.to_string(),
            underline="none",
            color_scheme="gray",
            high_contrast=True,
        ),
        size="1",
        data_testid="product-card",
    )


def product_grid(cards, meaning_ids=None) -> rx.Component:
    """A responsive grid of cards; `meaning_ids` marks the cards found by meaning, not by words."""
    return rx.grid(
        rx.foreach(cards, lambda card: product_card(card, meaning_ids)),
        columns=rx.breakpoints(initial="2", sm="3", md="4", lg="5"),
        gap="16px",
        width="100%",
    )


def empty_state(icon: str, title: str, message, action: rx.Component | None = None) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=40, color="var(--gray-8)"),
            rx.heading(title, size="5"),
            rx.text(message, color_scheme="gray", align="center"),
            *([action] if action is not None else []),
            align="center",
            spacing="3",
        ),
        padding_y="64px",
        width="100%",
    )
