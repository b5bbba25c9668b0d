"""The Alembic migrations on a real PostgreSQL: reversible, data-preserving, and matching the models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, func, select

from shoprec_app import migrations
from shoprec_app.db import make_engine
from shoprec_app.models import Interaction, Like, Product, User
from shoprec_app.services import likes
from shoprec_app.services.accounts import Shopper

pytestmark = pytest.mark.integration

SHOP_TABLES = {"users", "products", "likes", "interactions", "login_throttle"}


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    finally:
        engine.dispose()


def head_revision() -> str:
    return ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head()


def test_upgrade_downgrade_upgrade(postgres_url: str):
    migrations.upgrade(postgres_url)
    assert current_revision(postgres_url) == head_revision()
    assert SHOP_TABLES <= tables(postgres_url)
    assert tables(postgres_url) - {"alembic_version"} == set(SQLModel.metadata.tables)

    migrations.downgrade(postgres_url, "base")
    assert tables(postgres_url) <= {"alembic_version"}
    assert current_revision(postgres_url) is None

    migrations.upgrade(postgres_url)
    assert current_revision(postgres_url) == head_revision()
    engine = make_engine(postgres_url)
    try:
        columns = {column["name"] for column in inspect(engine).get_columns("products")}
        indexes = {index["name"] for index in inspect(engine).get_indexes("products")}
    finally:
        engine.dispose()
    assert "search_vector" in columns and "ix_products_search_vector" in indexes


def test_the_models_match_the_migrated_schema(postgres_engine: Engine, postgres_url: str):
    """`alembic check`: autogenerate finds nothing to add, drop or alter."""
    command.check(migrations.alembic_config(postgres_url))


def seed(session: Session) -> tuple[int, int]:
    user = User(email="ada@example.com", password_hash="x")
    product = Product(external_id="0108775015", title="Strap top", description="Jersey top", category="Tops")
    session.add_all([user, product])
    session.flush()
    session.add(Like(user_id=user.id, product_id=product.id))
    session.add(
        Interaction(
            customer_ref="c1", product_id=product.id, occurred_at=datetime(2020, 9, 1, tzinfo=UTC), import_key="k1"
        )
    )
    session.commit()
    return user.id, product.id


def test_data_survives_upgrading_again(postgres_engine: Engine, postgres_url: str):
    """A restart runs the migrations again: nothing is dropped or rewritten."""
    with Session(postgres_engine) as session:
        user_id, product_id = seed(session)

    migrations.upgrade(postgres_url)
    migrations.upgrade(postgres_url)

    with Session(postgres_engine) as session:
        assert session.get(User, user_id).email == "ada@example.com"
        assert session.get(Product, product_id).external_id == "0108775015"
        assert session.get(Like, (user_id, product_id)) is not None
        assert session.exec(select(func.count()).select_from(Interaction)).one() == 1
        # The generated search column still follows the row.
        assert session.execute(
            text("SELECT count(*) FROM products WHERE search_vector @@ to_tsquery('english', 'jersey:*')")
        ).scalar_one() == 1


def test_email_is_unique(postgres_engine: Engine):
    with Session(postgres_engine) as session:
        session.add(User(email="ada@example.com", password_hash="x"))
        session.commit()
        session.add(User(email="ada@example.com", password_hash="y"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_one_like_per_user_and_product(postgres_engine: Engine):
    with Session(postgres_engine) as session:
        user_id, product_id = seed(session)
        session.add(Like(user_id=user_id, product_id=product_id))
        with pytest.raises(IntegrityError):
            session.commit()


def test_like_service_on_postgres(postgres_engine: Engine):
    with Session(postgres_engine) as session:
        user_id, product_id = seed(session)
        shopper = Shopper(user_id, "ada@example.com")
        assert likes.unlike(session, shopper, product_id) is True
        assert likes.like(session, shopper, product_id) is True
        assert likes.like(session, shopper, product_id) is False
        session.commit()
        with pytest.raises(likes.UnknownProduct):
            likes.like(session, shopper, product_id + 1000)
        assert likes.liked_ids(session, shopper) == [product_id]


def test_a_like_needs_an_existing_user_and_product(postgres_engine: Engine):
    with Session(postgres_engine) as session:
        user_id, product_id = seed(session)
        session.add(Like(user_id=user_id + 1000, product_id=product_id))
        with pytest.raises(IntegrityError):
            session.commit()


def test_deleting_a_user_deletes_their_likes(postgres_engine: Engine):
    with Session(postgres_engine) as session:
        user_id, product_id = seed(session)
        other = User(email="grace@example.com", password_hash="x")
        session.add(other)
        session.flush()
        session.add(Like(user_id=other.id, product_id=product_id))
        session.commit()

        session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user_id})
        session.commit()

        assert session.exec(select(Like.user_id)).all() == [other.id]


def test_deleting_a_product_deletes_its_likes_and_interactions(postgres_engine: Engine):
    with Session(postgres_engine) as session:
        _user_id, product_id = seed(session)

        session.execute(text("DELETE FROM products WHERE id = :id"), {"id": product_id})
        session.commit()

        assert session.exec(select(func.count()).select_from(Like)).one() == 0
        assert session.exec(select(func.count()).select_from(Interaction)).one() == 0


def test_interaction_import_key_is_unique(postgres_engine: Engine):
    with Session(postgres_engine) as session:
        _user_id, product_id = seed(session)
        session.add(
            Interaction(customer_ref="c2", product_id=product_id, occurred_at=datetime(2020, 9, 2, tzinfo=UTC), import_key="k1")
        )
        with pytest.raises(IntegrityError):
            session.commit()
