"""The storefront in production mode on real PostgreSQL and Redis, driven by Debian's Chromium."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ml.datasets.demo import generate_demo_catalog
from tests.conftest import REPO_ROOT, create_postgres_database, drop_postgres_database, require

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REDIS_URL = os.environ.get("SHOPREC_TEST_REDIS", "redis://127.0.0.1:6379/15")
STARTUP_TIMEOUT = 600  # the first production build installs frontend packages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_catalog(folder: Path) -> Path:
    """The demo shop plus one product whose text is markup, to prove it is shown as text."""
    generate_demo_catalog(folder)
    with (folder / "items.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            ["markup-1", "<b>Bold</b> tote <script>alert(1)</script>", '<img src=x onerror="document.title=\'pwned\'">Plain canvas tote', "Bags", "19.99", ""]
        )
    return folder


def wait_until_serving(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the storefront exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    with urllib.request.urlopen(base_url + "/", timeout=5):
                        return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the storefront did not answer within {STARTUP_TIMEOUT}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def storefront(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a storefront started with `shoprec run`, as a shop owner would start it."""
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (./shop test installs Debian's chromium)")
    home = tmp_path_factory.mktemp("storefront")
    database_url = create_postgres_database()
    port = free_port()
    env = {
        **os.environ,
        "SHOPREC_HOME": str(home / "home"),
        "SHOPREC_DATABASE_URL": database_url,
        "SHOPREC_REDIS_URL": REDIS_URL,
        "SHOPREC_DATASET": str(write_catalog(home / "catalog")),
        "SHOPREC_JWT_SECRET": "e2e-secret-" + "y" * 40,
    }
    log = home / "storefront.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(REPO_ROOT / ".venv" / "bin" / "shoprec"), "run", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base_url = f"http://localhost:{port}"
    try:
        wait_until_serving(base_url, process, log)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        drop_postgres_database(database_url)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, storefront):
    context = browser.new_context(base_url=storefront, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()
