"""A shopper's whole visit, in a real browser against the production build."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def new_email() -> str:
    return f"shopper-{uuid.uuid4().hex[:10]}@example.com"


def register(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password (at least 8 characters)").fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name="Create account").click()


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("form").get_by_role("button", name="Log in").click()


def account_button(page: Page, email: str):
    return page.get_by_role("button", name=email)


def test_register_search_like_reload_logout_and_login_again(page: Page) -> None:
    email = new_email()
    register(page, email)
    expect(account_button(page, email)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))

    page.get_by_label("Search products").fill("boots")
    page.get_by_label("Search products").press("Enter")
    expect(page.get_by_test_id("results-heading")).to_contain_text("results for “boots”")
    first_card = page.get_by_test_id("product-card").first
    title = first_card.get_by_text(re.compile("boots", re.IGNORECASE)).first.inner_text()
    like = first_card.get_by_test_id("like-button")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")

    page.get_by_role("link", name="My likes").click()
    expect(page).to_have_url(re.compile(r"/likes/?$"))
    expect(page.get_by_test_id("product-card")).to_have_count(1)
    expect(page.get_by_test_id("product-card").first).to_contain_text(title)

    page.reload()
    expect(page.get_by_test_id("product-card")).to_have_count(1)
    expect(page.get_by_test_id("product-card").first).to_contain_text(title)

    account_button(page, email).click()
    page.get_by_role("menuitem", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto("/likes")
    expect(page).to_have_url(re.compile(r"/login\?next=/likes/?$"))
    log_in(page, email)
    expect(page).to_have_url(re.compile(r"/likes/?$"))
    expect(page.get_by_test_id("product-card").first).to_contain_text(title)


def test_unlike_from_my_likes_removes_the_product(page: Page) -> None:
    register(page, new_email())
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    page.get_by_test_id("product-card").nth(1).get_by_test_id("like-button").click()
    expect(page.get_by_test_id("product-card").nth(1).get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")
    page.goto("/likes")
    expect(page.get_by_test_id("product-card")).to_have_count(1)
    page.get_by_test_id("like-button").click()
    expect(page.get_by_text("No likes yet")).to_be_visible()
    page.reload()
    expect(page.get_by_text("No likes yet")).to_be_visible()


def test_wrong_password_gets_one_generic_message(page: Page) -> None:
    email = new_email()
    register(page, email)
    expect(account_button(page, email)).to_be_visible()
    page.evaluate("localStorage.clear()")
    page.goto("/login")
    log_in(page, email, "not the password")
    expect(page.get_by_test_id("form-error")).to_have_text("Wrong email or password.")
    page.get_by_label("Email").fill("nobody-" + email)
    page.locator("form").get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("form-error")).to_have_text("Wrong email or password.")


def test_duplicate_email_and_short_password_are_refused_clearly(page: Page) -> None:
    email = new_email()
    register(page, email)
    expect(account_button(page, email)).to_be_visible()
    page.evaluate("localStorage.clear()")
    register(page, email)
    expect(page.get_by_test_id("form-error")).to_contain_text("already exists")
    register(page, new_email(), "short")
    expect(page.get_by_test_id("form-error")).to_contain_text("at least 8 characters")


def test_liking_while_logged_out_asks_to_log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_test_id("product-card").first.get_by_test_id("like-button").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_product_text_is_shown_as_text_never_as_html(page: Page) -> None:
    page.goto("/?q=tote")
    card = page.get_by_test_id("product-card").filter(has_text="<b>Bold</b>")
    expect(card).to_have_count(1)
    card.click()
    expect(page.get_by_test_id("product-title")).to_have_text("<b>Bold</b> tote <script>alert(1)</script>")
    expect(page.get_by_test_id("product-description")).to_contain_text('<img src=x onerror="document.title=')
    assert page.title() != "pwned"
    assert page.locator("[data-testid=product-title] b").count() == 0


def test_category_filter_and_pagination(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("results-heading")).to_contain_text("All products")
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="Shoes").click()
    expect(page).to_have_url(re.compile(r"category=Shoes"))
    expect(page.get_by_test_id("results-heading")).to_contain_text("Shoes")
    page.goto("/")
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_text("Page 2 of")).to_be_visible()


def test_search_with_no_results_shows_a_friendly_message(page: Page) -> None:
    page.goto("/?q=zzzyxxq")
    expect(page.get_by_text("Nothing found")).to_be_visible()
