"""Who the shopper is. The signed token lives in the browser; its meaning is decided here."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.services import accounts
from shoprec_app.services.accounts import AccountError, Shopper

TOKEN_STORAGE_KEY = "shoprec_token"


def safe_next_path(path: str) -> str:
    """Only same-site paths may follow a log-in (no open redirects)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


class AuthState(rx.State):
    # The JWT; the browser holds it, but every handler verifies its signature and expiry.
    auth_token: str = rx.LocalStorage("", name=TOKEN_STORAGE_KEY, sync=True)
    email: str = ""
    form_error: str = ""
    busy: bool = False

    def _current_shopper(self) -> Shopper | None:
        """The shopper the token names, checked on the server for every call."""
        with session_scope() as session:
            return accounts.shopper_from_token(session, self.auth_token)

    @rx.var
    def logged_in(self) -> bool:
        return bool(self.email)

    @rx.var
    def display_name(self) -> str:
        """The account menu's label: the part of the email before the @, kept short."""
        name = self.email.split("@", 1)[0]
        return name if len(name) <= 18 else name[:17] + "…"

    @rx.event
    def refresh_identity(self):
        """Fill in the shopper's email from the token (or forget a token that is no longer valid)."""
        shopper = self._current_shopper()
        if shopper is None and self.auth_token:
            self.auth_token = ""
        self.email = shopper.email if shopper else ""

    @rx.event
    def require_login(self):
        """On-load guard for private pages: send a visitor to log in, then back here."""
        shopper = self._current_shopper()
        self.email = shopper.email if shopper else ""
        if shopper is None:
            return rx.redirect(f"/login?next={quote(self.router.url.path or '/')}")

    @rx.event
    def clear_form(self):
        self.form_error = ""
        self.busy = False

    @rx.event
    def log_in(self, form: dict):
        self.form_error, self.busy = "", True
        yield
        try:
            with session_scope() as session:
                shopper = accounts.authenticate(session, form.get("email", ""), form.get("password", ""))
        except AccountError as error:
            self.form_error, self.busy = str(error), False
            return
        yield self._start_session(shopper)

    @rx.event
    def register(self, form: dict):
        self.form_error, self.busy = "", True
        yield
        if form.get("password", "") != form.get("confirm", ""):
            self.form_error, self.busy = "The two passwords differ.", False
            return
        try:
            with session_scope() as session:
                shopper = accounts.register(session, form.get("email", ""), form.get("password", ""))
        except AccountError as error:
            self.form_error, self.busy = str(error), False
            return
        yield self._start_session(shopper)

    def _start_session(self, shopper: Shopper):
        self.auth_token = accounts.issue_token(shopper)
        self.email, self.busy = shopper.email, False
        next_path = safe_next_path(self.router.url.query_parameters.get("next", "/"))
        return [rx.redirect(next_path), rx.toast.success(f"Welcome, {shopper.email}")]

    @rx.event
    def log_out(self):
        self.auth_token = ""
        self.email = ""
        return [rx.redirect("/"), rx.toast.info("You are logged out.")]
