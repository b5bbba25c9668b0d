"""Fixtures for the unit tests: small datasets written to temporary folders."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from ml.datasets.demo import generate_demo_catalog
from shoprec_app import migrations
from shoprec_app.db import make_engine


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per run; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_engine(migrated_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database in a temporary file (a copy: migrating anew costs ~0.1 s a test)."""
    path = tmp_path / "test.db"
    shutil.copyfile(migrated_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated 200-item demo shop, drawn once per run; tests must not change it."""
    return generate_demo_catalog(tmp_path_factory.mktemp("demo") / "demo-shop")


def _write_image(path: Path, size: tuple[int, int] = (40, 50), fmt: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, fmt)
    return path


@pytest.fixture
def write_image() -> Callable[..., Path]:
    """write_image(path, size=(w, h), fmt="PNG"): a real, readable picture at `path`."""
    return _write_image


@pytest.fixture
def write_text() -> Callable[[Path, str], Path]:
    """write_text(path, text): a file with exactly this text (no newline translation)."""

    def write(path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return path

    return write
