"""The frame of every page: header, content column, footer."""

from collections.abc import Callable

import reflex as rx

from shoprec_app.components.header import header


def layout(*children: rx.Component) -> rx.Component:
    return rx.box(
        header(),
        rx.box(*children, max_width="1240px", margin_x="auto", padding_x="24px", padding_y="24px", width="100%", min_height="70vh"),
        rx.box(
            rx.text("ShopRec · self-hosted recommendations", size="1", color_scheme="gray", align="center"),
            padding_y="24px",
            border_top="1px solid var(--gray-a4)",
        ),
        background_color="var(--gray-1)",
        min_height="100vh",
    )


def page(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """Wrap a page function's content in the shop's layout."""

    def wrapped() -> rx.Component:
        return layout(content())

    wrapped.__name__ = content.__name__
    return wrapped
