"""The header on every page: shop name, search box, likes and the account menu."""

import reflex as rx

from shoprec_app.components.link_button import link_button

from shoprec_app.states.auth import AuthState
from shoprec_app.states.catalog import CatalogState


def search_box() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="q",
                placeholder="Search products",
                default_value=CatalogState.query,
                key=CatalogState.query,
                type="search",
                size="3",
                width="100%",
                aria_label="Search products",
            ),
            rx.button("Search", type="submit", size="3", variant="soft"),
            width="100%",
            spacing="2",
        ),
        on_submit=CatalogState.submit_search,
        reset_on_submit=False,
        width="100%",
        max_width="560px",
    )


def account_menu() -> rx.Component:
    return rx.cond(
        AuthState.logged_in,
        rx.hstack(
            link_button(rx.icon("heart", size=16), "My likes", variant="ghost", size="3", href="/likes"),
            rx.menu.root(
                rx.menu.trigger(
                    rx.button(rx.icon("circle-user", size=16), AuthState.display_name, variant="soft", size="3", aria_label=AuthState.email),
                ),
                rx.menu.content(
                    rx.menu.item("My likes", on_click=rx.redirect("/likes")),
                    rx.menu.separator(),
                    rx.menu.item("Log out", on_click=AuthState.log_out, color="red"),
                ),
            ),
            spacing="3",
            align="center",
        ),
        rx.hstack(
            link_button("Log in", variant="soft", size="3", href="/login"),
            link_button("Sign up", size="3", href="/register"),
            spacing="2",
        ),
    )


def header() -> rx.Component:
    return rx.box(
        rx.flex(
            rx.link(
                rx.hstack(rx.icon("shopping-bag", size=26), rx.heading("ShopRec", size="6"), align="center", spacing="2"),
                href="/",
                underline="none",
                color_scheme="gray",
                high_contrast=True,
            ),
            search_box(),
            account_menu(),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="stretch", sm="center"),
            justify="between",
            gap="4",
            max_width="1240px",
            margin_x="auto",
            padding_x="24px",
            padding_y="12px",
        ),
        border_bottom="1px solid var(--gray-a5)",
        background_color="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
    )
