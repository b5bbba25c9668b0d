"""Shared fixtures: databases (SQLite files, fresh PostgreSQL databases) and datasets.

Real services are required under CI=true: a missing PostgreSQL or dataset fails the run
loudly there, and skips with a reason on a developer's machine.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from shoprec_app import migrations
from shoprec_app.db import get_engine, make_engine
from shoprec_app.settings import get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
DATASETS = REPO_ROOT.parent / "shared" / "datasets"
POSTGRES_ADMIN_URL = os.environ.get("SHOPREC_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Fail under CI, skip elsewhere, when something a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def dataset_path(name: str) -> Path:
    path = DATASETS / name
    require(path.exists(), f"dataset {path} not found (expected ../shared/datasets beside the checkout)")
    return path


@pytest.fixture
def hm_path() -> Path:
    return dataset_path("hm")


@pytest.fixture
def amazon_path() -> Path:
    return dataset_path("amazon2023-fashion-sample")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database in a temporary file."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        yield session


def _admin_engine() -> Engine:
    from sqlalchemy import create_engine

    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_postgres_database() -> str:
    """A new, empty PostgreSQL database; returns its URL."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    name = f"shoprec_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        require(False, f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
    finally:
        admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    from sqlalchemy import text

    name = url.rsplit("/", 1)[1]
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty (unmigrated) PostgreSQL database, dropped after the test."""
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    migrations.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app's own settings (as states and the CLI read them) at a fresh SQLite shop."""
    monkeypatch.setenv("SHOPREC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPREC_DATABASE_URL", f"sqlite:///{tmp_path / 'home' / 'shop.db'}")
    monkeypatch.setenv("SHOPREC_JWT_SECRET", "test-secret-" + "x" * 40)
    get_settings.cache_clear()
    get_engine.cache_clear()
    migrations.upgrade()
    yield tmp_path / "home"
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
