"""The storefront: category filter, sort, search results and the product grid."""

import reflex as rx

from shoprec_app.components.layout import page
from shoprec_app.components.link_button import link_button
from shoprec_app.components.product_card import empty_state, product_grid
from shoprec_app.components.shelf import shelf
from shoprec_app.states.auth import AuthState
from shoprec_app.states.catalog import SORT_LABELS, CatalogState
from shoprec_app.states.recommendations import RecsState


def category_filter() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="Category", aria_label="Category"),
        rx.select.content(
            rx.select.item("All categories", value="All"),
            rx.foreach(CatalogState.categories, lambda name: rx.select.item(name, value=name)),
        ),
        value=rx.cond(CatalogState.category == "", "All", CatalogState.category),
        on_change=CatalogState.choose_category,
    )


def sort_menu() -> rx.Component:
    return rx.cond(
        CatalogState.searching,
        rx.badge("Sorted by relevance", variant="soft", size="2"),
        rx.select(list(SORT_LABELS.values()), value=CatalogState.sort_label, on_change=CatalogState.choose_sort, aria_label="Sort"),
    )


def results_heading() -> rx.Component:
    return rx.cond(
        CatalogState.searching,
        rx.heading(
            CatalogState.total.to_string() + " results for “" + CatalogState.query + "”",
            size="5",
            data_testid="results-heading",
        ),
        rx.heading(
            rx.cond(CatalogState.category == "", "All products", CatalogState.category),
            rx.text.span(" · " + CatalogState.total.to_string() + " items", size="3", color_scheme="gray", weight="regular"),
            size="5",
            data_testid="results-heading",
        ),
    )


def recommended_shelf() -> rx.Component:
    return rx.cond(
        AuthState.logged_in & ~CatalogState.searching,
        rx.box(
            shelf(
                "Recommended for you",
                RecsState.recs,
                RecsState.recs_status,
                RecsState.recs_error,
                on_retry=RecsState.refresh,
                test_id="recommended",
                empty_text="Like a few products and your picks appear here.",
            ),
            width="100%",
            padding="16px",
            border_radius="var(--radius-4)",
            background_color="var(--accent-2)",
        ),
    )


def meaning_note() -> rx.Component:
    return rx.cond(
        CatalogState.searching,
        rx.cond(
            CatalogState.meaning_status == "loading",
            rx.hstack(rx.spinner(size="1"), rx.text("Also searching by meaning…", size="2", color_scheme="gray"), align="center", data_testid="meaning-loading"),
            rx.cond(
                CatalogState.meaning_ids.length() > 0,
                rx.text("Includes products that match your words by meaning.", size="2", color_scheme="gray"),
            ),
        ),
    )


def pagination() -> rx.Component:
    return rx.cond(
        CatalogState.pages > 1,
        rx.hstack(
            rx.button(rx.icon("chevron-left"), "Previous", variant="soft", disabled=CatalogState.page <= 1, on_click=CatalogState.go_to_page(CatalogState.page - 1)),
            rx.text("Page " + CatalogState.page.to_string() + " of " + CatalogState.pages.to_string(), size="2", color_scheme="gray"),
            rx.button("Next", rx.icon("chevron-right"), variant="soft", disabled=CatalogState.page >= CatalogState.pages, on_click=CatalogState.go_to_page(CatalogState.page + 1)),
            justify="center",
            align="center",
            spacing="4",
            padding_top="32px",
            width="100%",
        ),
    )


@page
def catalog_page() -> rx.Component:
    return rx.vstack(
        recommended_shelf(),
        rx.flex(
            results_heading(),
            rx.hstack(category_filter(), sort_menu(), spacing="3", align="center"),
            justify="between",
            align=rx.breakpoints(initial="start", sm="center"),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="3",
            width="100%",
        ),
        meaning_note(),
        rx.cond(
            CatalogState.loading,
            rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
            rx.cond(
                CatalogState.total > 0,
                product_grid(CatalogState.cards, CatalogState.meaning_ids),
                rx.cond(
                    CatalogState.meaning_status == "loading",
                    rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
                    empty_state(
                    "search-x",
                    "Nothing found",
                    rx.cond(CatalogState.searching, "No product matches “" + CatalogState.query + "”. Try other words or fewer of them.", "This category has no products yet."),
                    link_button("Show all products", variant="soft", href="/"),
                    ),
                ),
            ),
        ),
        pagination(),
        spacing="5",
        width="100%",
    )
