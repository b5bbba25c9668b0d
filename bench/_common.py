"""Helpers shared by the benchmark scripts: databases, timing statistics, tables.

Benchmarks are scripts, not tests: they print figures and compare them with a baseline
measured in the same run, on the same (shared, noisy, 2-core) machine, so that a ratio
means something even when absolute numbers drift from one run to the next.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DATASETS = REPO_ROOT.parent / "shared" / "datasets"
HM_PATH = DATASETS / "hm"
POSTGRES_ADMIN_URL = os.environ.get("SHOPREC_BENCH_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


# --------------------------------------------------------------------------- databases


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_postgres_database(label: str) -> str:
    """A new, empty PostgreSQL database named shoprec_bench_*; returns its URL."""
    from sqlalchemy import text

    name = f"shoprec_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    from sqlalchemy import text

    name = url.rsplit("/", 1)[1]
    assert name.startswith("shoprec_bench_"), name
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def fresh_database(backend: str, workdir: Path, label: str) -> Iterator[str]:
    """A migrated, empty database of the given backend ("postgres" or "sqlite"); dropped after."""
    from shoprec_app import migrations

    if backend == "postgres":
        url = create_postgres_database(label)
    elif backend == "sqlite":
        url = f"sqlite:///{workdir / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
    else:
        raise ValueError(backend)
    try:
        migrations.upgrade(url)
        yield url
    finally:
        if backend == "postgres":
            drop_postgres_database(url)
        else:
            database = Path(url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm"):
                Path(str(database) + suffix).unlink(missing_ok=True)


def require_dataset(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"dataset not found: {path} (expected ../shared/datasets beside the checkout)")
    return path


# --------------------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): p99 of 300 samples is the 297th smallest."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def time_calls(fn: Callable[[], object], repetitions: int, warmup: int = 5) -> list[float]:
    """Wall-clock seconds of each of `repetitions` calls of fn, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    samples = []
    clock = time.perf_counter
    for _ in range(repetitions):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples


# --------------------------------------------------------------------------- output


def code_version() -> str:
    """The commit measured, and whether the app's code in the working tree differs from it."""
    import subprocess

    def git(*args: str) -> str:
        result = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True)
        return result.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "shoprec_app", "ml", "alembic")
    return f"commit {commit}" + (f" + {len(changed.splitlines())} uncommitted app files" if changed else "")


def machine_line() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} · {code_version()}"
    )


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None) -> None:
    """A plain-text table, right-aligned numbers, left-aligned text."""
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows) if rows else False for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    if title:
        print(f"\n{title}")
    print(line([str(h) for h in headers]))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return str(value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_project(workdir: Path, in_place: bool) -> Path:
    """The project to run: the checkout itself, or a copy of its committed HEAD (git archive),
    so a production build never touches the checkout's .web/."""
    if in_place:
        return REPO_ROOT
    project = workdir / "project"
    project.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "HEAD"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(project)], input=archive, check=True)
    return project
