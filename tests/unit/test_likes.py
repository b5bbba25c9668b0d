"""Likes: idempotent, one per shopper and product, reflected in popularity, private to each shopper."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from shoprec_app.models import Like, Product, User
from shoprec_app.services import likes
from shoprec_app.services.accounts import Shopper


@pytest.fixture
def products(session: Session) -> list[int]:
    rows = [Product(external_id=f"p{i}", title=f"Product {i}", category="Tops", popularity=10 * i) for i in range(4)]
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


def shopper(session: Session, email: str) -> Shopper:
    # A placeholder hash: these tests never log in, and bcrypt is slow.
    user = User(email=email, password_hash="x")
    session.add(user)
    session.commit()
    return Shopper(user.id, user.email)


@pytest.fixture
def ada(session: Session) -> Shopper:
    return shopper(session, "ada@example.com")


@pytest.fixture
def grace(session: Session) -> Shopper:
    return shopper(session, "grace@example.com")


def popularity(session: Session, product_id: int) -> int:
    session.expire_all()
    return session.get(Product, product_id).popularity


def like_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Like)).one()


def test_like_is_idempotent(session: Session, ada: Shopper, products: list[int]):
    assert likes.like(session, ada, products[1]) is True
    assert likes.like(session, ada, products[1]) is False
    session.commit()

    assert likes.liked_ids(session, ada) == [products[1]]
    assert like_count(session) == 1
    assert popularity(session, products[1]) == 11


def test_unlike_is_idempotent(session: Session, ada: Shopper, products: list[int]):
    likes.like(session, ada, products[1])

    assert likes.unlike(session, ada, products[1]) is True
    assert likes.unlike(session, ada, products[1]) is False
    assert likes.unlike(session, ada, products[2]) is False  # never liked
    session.commit()

    assert likes.liked_ids(session, ada) == []
    assert popularity(session, products[1]) == 10
    assert popularity(session, products[2]) == 20


def test_set_liked(session: Session, ada: Shopper, products: list[int]):
    assert likes.set_liked(session, ada, products[0], True) is True
    assert likes.set_liked(session, ada, products[0], True) is False
    assert likes.set_liked(session, ada, products[0], False) is True
    assert likes.liked_ids(session, ada) == []


def test_the_database_allows_one_like_per_shopper_and_product(session: Session, ada: Shopper, products: list[int]):
    likes.like(session, ada, products[0])
    session.commit()

    session.add(Like(user_id=ada.id, product_id=products[0]))
    with pytest.raises(IntegrityError):
        session.flush()


def test_popularity_counts_every_shoppers_like(session: Session, ada: Shopper, grace: Shopper, products: list[int]):
    likes.like(session, ada, products[2])
    likes.like(session, grace, products[2])
    assert popularity(session, products[2]) == 22

    likes.unlike(session, ada, products[2])
    assert popularity(session, products[2]) == 21


def test_liking_an_unknown_product_raises_and_stores_nothing(session: Session, ada: Shopper, products: list[int]):
    with pytest.raises(likes.UnknownProduct):
        likes.like(session, ada, 99999)

    assert like_count(session) == 0
    # Unliking something unknown is simply not a change.
    assert likes.unlike(session, ada, 99999) is False


def test_one_shoppers_likes_never_appear_for_another(session: Session, ada: Shopper, grace: Shopper, products: list[int]):
    likes.like(session, ada, products[0])
    likes.like(session, ada, products[3])
    likes.like(session, grace, products[1])
    session.commit()

    assert set(likes.liked_ids(session, ada)) == {products[0], products[3]}
    assert likes.liked_ids(session, grace) == [products[1]]
    assert [card.id for card in likes.liked_cards(session, grace)] == [products[1]]
    # Grace unliking Ada's product changes nothing of Ada's.
    assert likes.unlike(session, grace, products[0]) is False
    assert set(likes.liked_ids(session, ada)) == {products[0], products[3]}


def test_liked_cards_are_most_recent_first(session: Session, ada: Shopper, products: list[int]):
    for product_id in (products[2], products[0], products[3]):
        likes.like(session, ada, product_id)
        session.commit()

    assert [card.id for card in likes.liked_cards(session, ada)] == [products[3], products[0], products[2]]


def test_a_rolled_back_like_leaves_nothing_behind(session: Session, ada: Shopper, products: list[int]):
    """The like and its popularity change stand or fall together with the caller's transaction."""
    assert likes.like(session, ada, products[1]) is True
    session.rollback()

    assert like_count(session) == 0
    assert popularity(session, products[1]) == 10


def test_deleting_a_product_or_a_shopper_removes_their_likes(session: Session, ada: Shopper, grace: Shopper, products: list[int]):
    likes.like(session, ada, products[0])
    likes.like(session, grace, products[0])
    likes.like(session, grace, products[1])
    session.commit()

    session.delete(session.get(Product, products[0]))
    session.commit()
    assert likes.liked_ids(session, ada) == []
    assert likes.liked_ids(session, grace) == [products[1]]

    session.delete(session.get(User, grace.id))
    session.commit()
    assert like_count(session) == 0


def test_unlike_then_like_again_in_one_transaction(session: Session, ada: Shopper, products: list[int]):
    likes.like(session, ada, products[1])
    session.commit()

    assert likes.unlike(session, ada, products[1]) is True
    assert likes.like(session, ada, products[1]) is True
    session.commit()

    assert likes.liked_ids(session, ada) == [products[1]]
    assert popularity(session, products[1]) == 11
