"""Container health checks, run by Docker inside the ShopRec image: `python deploy/healthcheck.py app|worker`.

Exit 0 when healthy, 1 (with the reason on stderr) when not.
  app     the storefront answers GET /healthz (which also queries the database)
  worker  a `dramatiq actors.worker` process is running and RabbitMQ accepts connections
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

APP_HEALTH_URL = "http://localhost:3000/healthz"


def app_is_healthy() -> str | None:
    try:
        with urllib.request.urlopen(APP_HEALTH_URL, timeout=5) as response:
            return None if response.status == 200 else f"{APP_HEALTH_URL} answered {response.status}"
    except OSError as error:
        return f"{APP_HEALTH_URL}: {error}"


def _is_worker_process(pid: str) -> bool:
    try:
        argv = (Path("/proc") / pid / "cmdline").read_bytes().split(b"\0")
    except OSError:  # the process ended while we looked
        return False
    return b"actors.worker" in argv  # an argument of its own, not text inside this script


def worker_is_healthy() -> str | None:
    if not any(_is_worker_process(pid) for pid in os.listdir("/proc") if pid.isdigit()):
        return "no `dramatiq actors.worker` process is running"
    broker = urlsplit(os.environ.get("SHOPREC_BROKER_URL") or "amqp://localhost:5672/")
    try:
        socket.create_connection((broker.hostname, broker.port or 5672), timeout=5).close()
    except OSError as error:
        return f"RabbitMQ at {broker.hostname}:{broker.port or 5672} is unreachable: {error}"
    return None


CHECKS = {"app": app_is_healthy, "worker": worker_is_healthy}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in CHECKS:
        print(f"usage: healthcheck.py {'|'.join(CHECKS)}", file=sys.stderr)
        return 2
    problem = CHECKS[argv[0]]()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
