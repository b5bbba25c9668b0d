"""The same migrations on SQLite, the embedded database: reversible and matching the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from shoprec_app import migrations
from shoprec_app.db import make_engine


def test_sqlite_upgrade_downgrade_upgrade_keeps_search_working(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrations.upgrade(url)
    migrations.downgrade(url, "base")
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()

    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= names and "products_fts" in names
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO products (external_id, title, description, category, details, popularity, source, "
                    "created_at, updated_at) VALUES ('x', 'Quilted gilet', '', '', '', 0, '', '2026-01-01', '2026-01-01')"
                )
            )
            found = connection.execute(text("SELECT rowid FROM products_fts WHERE products_fts MATCH 'gilet'")).all()
        assert len(found) == 1
    finally:
        engine.dispose()


def test_the_models_match_the_sqlite_schema(tmp_path: Path):
    """`alembic check` on the embedded database: autogenerate finds nothing to change."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrations.upgrade(url)
    command.check(migrations.alembic_config(url))
