"""The `shoprec` command: help, importing a catalog into the configured shop, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from shoprec_app.cli import _redacted, main
from shoprec_app.db import get_engine
from shoprec_app.models import Interaction, Product


def shoprec_command() -> list[str]:
    script = Path(sys.executable).parent / "shoprec"
    return [str(script)] if script.exists() else [sys.executable, "-m", "shoprec_app.cli"]


def test_help_lists_the_commands():
    result = subprocess.run([*shoprec_command(), "--help"], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    for command in ("run", "migrate", "import", "demo-catalog"):
        assert f"\n    {command} " in result.stdout


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]):
    assert main([]) == 2
    assert "usage: shoprec" in capsys.readouterr().out


def test_import_a_generated_demo_catalog(app_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    folder = tmp_path / "demo"
    assert main(["demo-catalog", str(folder), "--items", "12"]) == 0
    capsys.readouterr()

    assert main(["import", str(folder)]) == 0

    out = capsys.readouterr().out
    assert "Imported demo: products 12 added, 0 updated, 0 unchanged" in out
    assert "0 problem rows" in out
    with Session(get_engine()) as session:
        assert session.exec(select(func.count()).select_from(Product)).one() == 12
        interactions = session.exec(select(func.count()).select_from(Interaction)).one()
    assert interactions > 0
    # The photos went into the shop's own media folder.
    assert len(list((app_env / "media" / "products").iterdir())) == 12

    assert main(["import", str(folder), "--format", "generic"]) == 0
    out = capsys.readouterr().out
    assert "products 0 added, 0 updated, 12 unchanged" in out
    assert f"interactions 0 added, {interactions} already present" in out


def test_import_a_missing_path_fails_clearly(app_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    missing = tmp_path / "no-such-catalog"

    assert main(["import", str(missing)]) != 0

    err = capsys.readouterr().err
    assert f"shoprec import: {missing} does not exist" in err


def test_import_a_folder_that_is_no_catalog_fails_clearly(app_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    empty = tmp_path / "empty"
    empty.mkdir()

    assert main(["import", str(empty)]) != 0

    err = capsys.readouterr().err
    assert err.startswith("shoprec import:") and "items.csv" in err and "Traceback" not in err


def test_import_through_the_real_command(app_env: Path, tmp_path: Path):
    """The console script in a child process reads the same environment (SHOPREC_HOME, database URL)."""
    missing = tmp_path / "nowhere"
    result = subprocess.run([*shoprec_command(), "import", str(missing)], capture_output=True, text=True, timeout=120)

    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_database_urls_are_redacted_for_logs():
    assert _redacted("postgresql+psycopg2://shop:s3cret@db:5432/shop") == "postgresql+psycopg2://shop:***@db:5432/shop"
    assert _redacted("postgresql+psycopg2://shop@db/shop") == "postgresql+psycopg2://shop@db/shop"
    assert _redacted("sqlite:////var/lib/shoprec/shop.db") == "sqlite:////var/lib/shoprec/shop.db"
