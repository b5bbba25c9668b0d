"""A link that looks like a button: one interactive element, not a button inside a link."""

import reflex as rx


def link_button(*children, href: str, **props) -> rx.Component:
    return rx.button(rx.link(*children, href=href, underline="none"), as_child=True, **props)
