"""Alembic environment: SQLModel's metadata, and the URL from ShopRec's settings."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import shoprec_app.models  # noqa: F401 - registers the tables on SQLModel.metadata
from shoprec_app.db import make_engine
from shoprec_app.settings import get_settings, normalise_database_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Leave the search index (FTS5 tables, tsvector column) to its own migration."""
    if type_ == "table" and name.startswith("products_fts"):
        return False
    if type_ == "index" and name == "ix_products_search_vector":
        return False
    return not (type_ == "column" and name == "search_vector")


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(normalise_database_url(database_url()))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # noqa: ANN001
    # Batch mode lets SQLite alter tables (it rebuilds them) with the same migration code.
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, include_object=include_object
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
