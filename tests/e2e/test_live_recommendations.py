"""Live recommendations in the browser: likes refresh the shelf without a reload, product pages
show similar items, and a search finds products by meaning. Served by two worker processes on
RabbitMQ with a model trained on the test catalog."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_storefront import register

pytestmark = pytest.mark.e2e
SHELF_TIMEOUT = 30_000  # ms; the first request of a worker process loads the model


def test_likes_refresh_the_shelf_live_and_leave_liked_products_out(page: Page) -> None:
    register(page, f"live-{uuid.uuid4().hex[:10]}@example.com")
    shelf = page.get_by_test_id("recommended")
    expect(shelf.get_by_test_id("shelf-card").first).to_be_visible(timeout=SHELF_TIMEOUT)
    page.evaluate("window.__noReload = true")  # survives only if the page is never reloaded

    grid = page.get_by_test_id("product-card")
    liked_titles = []
    for n in range(3):
        card = grid.nth(n)
        liked_titles.append(card.get_by_role("paragraph").first.inner_text())
        card.get_by_test_id("like-button").click()
        expect(card.get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")

    reasons = shelf.get_by_test_id("recommendation-reason")
    expect(reasons.first).to_have_text(re.compile(r"^Because you liked "), timeout=SHELF_TIMEOUT)
    assert page.evaluate("window.__noReload === true"), "the shelf updated through a page reload"
    shelf_titles = shelf.get_by_test_id("shelf-card").all_inner_texts()
    assert shelf_titles, "the shelf is empty after three likes"
    for title in liked_titles:
        assert not any(text.startswith(title + "\n") for text in shelf_titles), f"liked {title!r} is still recommended"
    for reason in reasons.all_inner_texts():
        assert any(reason == f"Because you liked {title}" for title in liked_titles), reason


def test_product_page_shows_similar_items(page: Page) -> None:
    page.goto("/")
    page.get_by_test_id("product-card").first.click()
    expect(page.get_by_test_id("product-title")).to_be_visible()
    similar = page.get_by_test_id("similar")
    expect(similar.get_by_test_id("shelf-card").first).to_be_visible(timeout=SHELF_TIMEOUT)
    this_product = page.url.rstrip("/").rsplit("/", 1)[-1]
    links = similar.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links and all(not link.rstrip("/").endswith("/" + this_product) for link in links), links


def test_search_finds_products_by_meaning(page: Page) -> None:
    # No product text contains "footwear"; the demo shop's shoes are sneakers, loafers and boots.
    page.goto("/?q=footwear")
    badges = page.get_by_test_id("meaning-badge")
    expect(badges.first).to_be_visible(timeout=SHELF_TIMEOUT)
    cards = page.get_by_test_id("product-card")
    top = cards.all_inner_texts()[:5]
    assert sum("Shoes" in text for text in top) >= 3, top
