"""The deployed shape, on this machine: the storefront in production mode on PostgreSQL and
Redis, two `dramatiq` worker processes on RabbitMQ (a vhost of the test's own) serving a
model trained on the test catalog, and Debian's Chromium driving it."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
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
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/{vhost}"
STARTUP_TIMEOUT = 600  # the first production build installs frontend packages
WORKERS = 2


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


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def storefront(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a storefront started with `shoprec run`, as a shop owner would start it."""
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (./shop test installs Debian's chromium)")
    home = tmp_path_factory.mktemp("storefront")
    catalog = write_catalog(home / "catalog")
    vhost = f"shoprec-e2e-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    database_url = create_postgres_database()
    port = free_port()
    env = {
        **os.environ,
        "SHOPREC_HOME": str(home / "home"),
        "SHOPREC_DATABASE_URL": database_url,
        "SHOPREC_REDIS_URL": REDIS_URL,
        "SHOPREC_BROKER_URL": RABBITMQ_URL.format(vhost=vhost),
        "SHOPREC_ARTIFACTS": str(home / "artifacts"),
        "SHOPREC_DATASET": str(catalog),
        "SHOPREC_JWT_SECRET": "e2e-secret-" + "y" * 40,
    }
    bin_dir = REPO_ROOT / ".venv" / "bin"
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [str(bin_dir / "shoprec"), "train", "--data", str(catalog), "--out", env["SHOPREC_ARTIFACTS"]],
            cwd=REPO_ROOT, env=env, check=True, stdout=(home / "train.log").open("w"), stderr=subprocess.STDOUT,
        )
        log = home / "storefront.log"
        processes.append(start([str(bin_dir / "shoprec"), "run", "--port", str(port)], env, log))
        base_url = f"http://localhost:{port}"
        wait_until_serving(base_url, processes[0], log)
        for n in range(WORKERS):
            processes.append(start(
                [str(bin_dir / "dramatiq"), "actors.worker", "--processes", "1", "--threads", "2", "--queues", "recommendations", "catalog"],
                env, home / f"worker-{n}.log",
            ))
        yield base_url
    finally:
        for process in processes:
            stop(process)
        drop_postgres_database(database_url)
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # The machine is shared: give assertions room rather than fail on a busy second.
    expect.set_options(timeout=15_000)

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
