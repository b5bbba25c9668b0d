"""Log-in and registration forms."""

import reflex as rx

from shoprec_app.components.layout import page
from shoprec_app.states.auth import AuthState


def _form_card(title: str, subtitle: str, fields: list[rx.Component], submit: str, on_submit, footer: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(title, size="6"),
                    rx.text(subtitle, color_scheme="gray", size="2"),
                    *fields,
                    rx.cond(
                        AuthState.form_error != "",
                        rx.callout(AuthState.form_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%", data_testid="form-error"),
                    ),
                    rx.button(submit, type="submit", size="3", width="100%", loading=AuthState.busy),
                    footer,
                    spacing="4",
                    width="100%",
                ),
                on_submit=on_submit,
                reset_on_submit=False,
            ),
            size="4",
            width="100%",
            max_width="420px",
        ),
        padding_y="48px",
    )


def _field(label: str, name: str, kind: str, autocomplete: str, placeholder: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
        rx.input(id=name, name=name, type=kind, auto_complete=autocomplete, placeholder=placeholder, required=True, size="3", width="100%"),
        spacing="1",
        width="100%",
    )


@page
def login_page() -> rx.Component:
    return _form_card(
        "Log in",
        "Welcome back. Your likes and recommendations are waiting.",
        [_field("Email", "email", "email", "username", "you@example.com"), _field("Password", "password", "password", "current-password")],
        "Log in",
        AuthState.log_in,
        rx.text("New here? ", rx.link("Create an account", href="/register"), size="2"),
    )


@page
def register_page() -> rx.Component:
    return _form_card(
        "Create your account",
        "Like products to get recommendations made for you.",
        [
            _field("Email", "email", "email", "username", "you@example.com"),
            _field("Password (at least 8 characters)", "password", "password", "new-password"),
            _field("Repeat the password", "confirm", "password", "new-password"),
        ],
        "Create account",
        AuthState.register,
        rx.text("Already have an account? ", rx.link("Log in", href="/login"), size="2"),
    )
