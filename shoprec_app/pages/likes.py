"""My likes: a private page; visitors are sent to log in first."""

import reflex as rx

from shoprec_app.components.layout import page
from shoprec_app.components.link_button import link_button
from shoprec_app.components.product_card import empty_state, product_grid
from shoprec_app.states.likes import LikesState


@page
def likes_page() -> rx.Component:
    return rx.vstack(
        rx.heading("My likes", size="6"),
        rx.cond(
            LikesState.liked_cards.length() > 0,
            product_grid(LikesState.liked_cards),
            rx.cond(
                LikesState.loaded,
                empty_state("heart", "No likes yet", "Tap the heart on any product to keep it here.", link_button("Browse the shop", variant="soft", href="/")),
                rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
            ),
        ),
        spacing="5",
        width="100%",
    )
