"""A shopper sees and changes only their own likes, whatever the browser sends.

These call the Reflex event handlers directly, as a crafted websocket event would,
with tokens of other shoppers, forged, expired and unsigned tokens.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.models import Product
from shoprec_app.services import accounts, likes
from shoprec_app.states.auth import AuthState, safe_next_path
from shoprec_app.states.likes import LikesState


def state_of(cls: type[rx.State]) -> rx.State:
    root = rx.State(_reflex_internal_init=True)
    return root.get_substate(cls.get_full_name().split(".")[1:])


def run(handler, *args) -> list:
    """Run an event handler to the end, as Reflex does; the events it yielded or returned."""
    result = handler(*args)
    if not inspect.isgenerator(result):
        return _as_list(result)
    events = []
    while True:
        try:
            events += _as_list(next(result))
        except StopIteration as stop:  # a generator's return value is Reflex events too
            return events + _as_list(stop.value)


def _as_list(events) -> list:
    if events is None:
        return []
    return list(events) if isinstance(events, list) else [events]


@pytest.fixture
def shop(app_env):
    with session_scope() as session:
        alice = accounts.register(session, "alice@example.com", "alice-password")
        bob = accounts.register(session, "bob@example.com", "bob-password")
        products = [Product(external_id=f"p{i}", title=f"Product {i}", category="Tops") for i in range(3)]
        session.add_all(products)
        session.flush()
        product_ids = [p.id for p in products]
    return alice, bob, product_ids


def likes_of(shopper) -> list[int]:
    with session_scope() as session:
        return likes.liked_ids(session, shopper)


def test_toggle_like_changes_only_the_token_holders_likes(shop) -> None:
    alice, bob, (p0, p1, _) = shop
    state = state_of(LikesState)
    state.auth_token = accounts.issue_token(alice)
    run(state.toggle_like, p0)
    assert likes_of(alice) == [p0]
    assert likes_of(bob) == []
    assert state.liked_ids == [p0]


def test_a_shopper_cannot_remove_another_shoppers_like(shop) -> None:
    alice, bob, (p0, _, _) = shop
    with session_scope() as session:
        likes.like(session, bob, p0)
    state = state_of(LikesState)
    state.auth_token = accounts.issue_token(alice)
    state.liked_ids = [p0]  # as if the client claimed it: the handler must not trust it
    run(state.toggle_like, p0)
    assert likes_of(bob) == [p0]
    assert likes_of(alice) == []


def test_my_likes_lists_only_the_token_holders_products(shop) -> None:
    alice, bob, (p0, p1, p2) = shop
    with session_scope() as session:
        likes.like(session, alice, p0)
        likes.like(session, bob, p1)
        likes.like(session, bob, p2)
    state = state_of(LikesState)
    state.auth_token = accounts.issue_token(alice)
    run(state.load_my_likes)
    assert [card.id for card in state.liked_cards] == [p0]


def _forged(claims: dict, secret: str = "attacker-secret-" + "z" * 32, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda bob: _forged({"sub": str(bob.id), "exp": datetime.now(UTC) + timedelta(hours=1)}), id="wrong-secret"),
        pytest.param(
            lambda bob: jwt.encode({"sub": str(bob.id), "exp": datetime.now(UTC) + timedelta(hours=1)}, None, algorithm="none"),
            id="unsigned",
        ),
        pytest.param(
            lambda bob: accounts.issue_token(bob, now=datetime.now(UTC) - timedelta(days=30)),
            id="expired",
        ),
        pytest.param(lambda bob: accounts.issue_token(bob)[:-4] + "AAAA", id="tampered"),
        pytest.param(lambda bob: str(bob.id), id="bare-user-id"),
    ],
)
def test_forged_expired_or_bare_tokens_change_nothing(shop, make_token) -> None:
    alice, bob, (p0, _, _) = shop
    state = state_of(LikesState)
    state.auth_token = make_token(bob)
    events = run(state.toggle_like, p0)
    assert likes_of(bob) == []
    assert any("login" in str(event) for event in events)
    run(state.load_my_likes)
    assert state.liked_cards == []


def test_log_out_forgets_the_token(shop) -> None:
    alice, _, _ = shop
    state = state_of(AuthState)
    state.auth_token = accounts.issue_token(alice)
    run(state.refresh_identity)
    assert state.email == "alice@example.com"
    run(state.log_out)
    assert state.auth_token == "" and state.email == ""


def test_log_in_handler_sets_a_verified_token_and_keeps_errors_generic(shop) -> None:
    state = state_of(AuthState)
    run(state.log_in, {"email": "alice@example.com", "password": "wrong-password"})
    assert state.form_error == accounts.GENERIC_LOGIN_ERROR and state.auth_token == ""
    run(state.log_in, {"email": "nobody@example.com", "password": "wrong-password"})
    assert state.form_error == accounts.GENERIC_LOGIN_ERROR
    run(state.log_in, {"email": "ALICE@example.com", "password": "alice-password"})
    assert state.form_error == "" and state.email == "alice@example.com"
    assert state._current_shopper().email == "alice@example.com"


def test_register_handler_checks_the_repeated_password(app_env) -> None:
    state = state_of(AuthState)
    run(state.register, {"email": "carol@example.com", "password": "carol-password", "confirm": "carol-passw0rd"})
    assert state.form_error == "The two passwords differ." and state.auth_token == ""
    run(state.register, {"email": "carol@example.com", "password": "carol-password", "confirm": "carol-password"})
    assert state.form_error == "" and state.email == "carol@example.com"


@pytest.mark.parametrize(
    ("requested", "allowed"),
    [("/likes", "/likes"), ("/product/3", "/product/3"), ("//evil.example/x", "/"), ("https://evil.example", "/"), ("", "/")],
)
def test_only_same_site_paths_follow_a_log_in(requested: str, allowed: str) -> None:
    assert safe_next_path(requested) == allowed


def test_the_browser_can_call_only_the_intended_handlers() -> None:
    """Reflex turns every public state method into an event the browser may send, with any
    arguments; a helper such as the reply consumer's (which loads a stored result by request
    id) must stay private, or a crafted event could read another shopper's recommendations."""
    from shoprec_app.states.catalog import CatalogState
    from shoprec_app.states.product import ProductState
    from shoprec_app.states.recommendations import RecsState, SimilarState

    callable_from_the_browser = {
        AuthState: {"clear_form", "log_in", "log_out", "refresh_identity", "register", "require_login"},
        LikesState: {"load_liked_ids", "load_my_likes", "toggle_like"},
        RecsState: {"load_shelf", "refresh", "schedule_refresh"},
        CatalogState: {"choose_category", "choose_sort", "go_to_page", "load", "stop_waiting_for_meaning", "submit_search"},
        SimilarState: {"load_similar"},
        ProductState: {"load"},
    }
    for state, expected in callable_from_the_browser.items():
        assert set(state.event_handlers) - {"setvar"} == expected, state.__name__
