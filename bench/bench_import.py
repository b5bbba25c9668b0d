#!/usr/bin/env python
"""Import throughput of the H&M catalog into PostgreSQL and SQLite.

For each backend and repetition: a fresh migrated database and an empty media folder,
then
  cold      the first import (reads the CSVs, verifies and copies 6,000 photos, inserts
            products and interactions, recomputes popularity, commits);
  re-import the same files again: idempotent, nothing is added or changed.
Each phase of the importer is timed by wrapping the importer's own functions, so the
figures come from the real code path (`shoprec_app.services.importer.import_path`).

Baselines, measured in the same run on the same database (interactions emptied first):
  naive     one ORM `Interaction` row per commit, the way a first draft would do it
            (on the first --naive-rows rows only: it is slow);
  bulk      one plain executemany INSERT of every row in one transaction, no ON CONFLICT:
            the cost of the importer's idempotency is the gap between it and this.

Run:  .venv/bin/python bench/bench_import.py [--backends postgres sqlite] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import _common as common
from _common import median, print_table


class PhaseTimer:
    """Wraps the importer's phase functions and records how long each call took."""

    PHASES = {
        "read": "read_dataset",
        "products": "_upsert_products",
        "interactions": "_insert_interactions",
        "popularity": "refresh_popularity",
    }

    def __init__(self) -> None:
        from shoprec_app.services import importer

        self.importer = importer
        self.seconds: dict[str, float] = {}
        self._originals = {name: getattr(importer, attr) for name, attr in self.PHASES.items()}
        for name, attr in self.PHASES.items():
            setattr(importer, attr, self._wrap(name, self._originals[name]))

    def _wrap(self, name, fn):  # noqa: ANN001, ANN202
        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

        return timed

    def reset(self) -> None:
        self.seconds = {}

    def restore(self) -> None:
        for name, attr in self.PHASES.items():
            setattr(self.importer, attr, self._originals[name])


def run_import(engine, media_dir: Path, timer: PhaseTimer) -> tuple[dict[str, float], object]:  # noqa: ANN001
    """One import through the real code path; seconds per phase, commit and total."""
    from sqlmodel import Session

    timer.reset()
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        report = timer.importer.import_path(session, common.HM_PATH, "hm", media_dir, progress=False)
        commit_start = time.perf_counter()
        session.commit()
        commit = time.perf_counter() - commit_start
    seconds = dict(timer.seconds)
    seconds["commit"] = commit
    seconds["total"] = time.perf_counter() - start
    return seconds, report


def interaction_rows(engine) -> list[dict]:  # noqa: ANN001
    """The interaction rows exactly as the importer builds them (keys included)."""
    from sqlalchemy import select
    from sqlmodel import Session

    from ml.datasets import read_dataset
    from shoprec_app.models import Product
    from shoprec_app.services.importer import interaction_keys

    dataset = read_dataset(common.HM_PATH, "hm", check_images=False)
    with Session(engine) as session:
        ids = dict(session.execute(select(Product.external_id, Product.id)).all())
    return [
        {
            "customer_ref": row.user_id[:128],
            "product_id": ids[row.item_id],
            "occurred_at": row.timestamp,
            "kind": row.kind[:32],
            "rating": row.rating,
            "import_key": key,
        }
        for row, key in zip(dataset.interactions, interaction_keys(dataset), strict=True)
    ]


def clear_interactions(engine) -> None:  # noqa: ANN001
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text("DELETE FROM interactions"))


def baseline_naive(engine, rows: list[dict]) -> float:  # noqa: ANN001
    """One ORM object and one commit per interaction; returns seconds."""
    from sqlmodel import Session

    from shoprec_app.models import Interaction

    clear_interactions(engine)
    start = time.perf_counter()
    with Session(engine) as session:
        for row in rows:
            session.add(Interaction(**row))
            session.commit()
    return time.perf_counter() - start


def baseline_bulk(engine, rows: list[dict]) -> float:  # noqa: ANN001
    """Every row in one executemany INSERT, one transaction, no conflict handling."""
    from shoprec_app.models import Interaction

    clear_interactions(engine)
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(Interaction.__table__.insert(), rows)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", choices=["postgres", "sqlite"], default=["postgres", "sqlite"])
    parser.add_argument("--repeat", type=int, default=3, help="fresh-database repetitions per backend (default 3)")
    parser.add_argument("--naive-rows", type=int, default=1500, help="interactions the naive baseline inserts (default 1500)")
    parser.add_argument("--baseline-repeat", type=int, default=3, help="repetitions of each baseline (default 3)")
    args = parser.parse_args()

    common.require_dataset(common.HM_PATH)
    from shoprec_app.db import make_engine

    print(f"bench_import · {common.machine_line()}")
    timer = PhaseTimer()
    results: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    counts: dict[str, tuple[int, int]] = {}
    baselines: dict[tuple[str, str], list[float]] = defaultdict(list)
    n_naive = 0
    workdir = Path(tempfile.mkdtemp(prefix="shoprec_bench_import_"))
    try:
        for backend in args.backends:
            for rep in range(args.repeat):
                media = workdir / f"media-{backend}-{rep}"
                with common.fresh_database(backend, workdir, "import") as url:
                    engine = make_engine(url)
                    try:
                        seconds, report = run_import(engine, media, timer)
                        assert report.products_added > 0 and report.interactions_added > 0, report.summary()
                        counts[backend] = (report.products_added, report.interactions_added)
                        results[(backend, "cold")].append(seconds)
                        seconds, report = run_import(engine, media, timer)
                        assert report.products_added == report.products_updated == report.interactions_added == 0, (
                            "re-import changed something: " + report.summary()
                        )
                        results[(backend, "re-import")].append(seconds)
                        print(
                            f"  {backend} rep {rep + 1}: cold {results[(backend, 'cold')][-1]['total']:.2f} s, "
                            f"re-import {seconds['total']:.2f} s",
                            flush=True,
                        )
                        if rep == 0:
                            rows = interaction_rows(engine)
                            naive = rows[: args.naive_rows]
                            n_naive = len(naive)
                            for _ in range(args.baseline_repeat):
                                baselines[(backend, "naive")].append(baseline_naive(engine, naive))
                                baselines[(backend, "bulk")].append(baseline_bulk(engine, rows))
                            print(
                                f"  {backend} baselines: naive {median(baselines[(backend, 'naive')]):.2f} s for {n_naive} rows, "
                                f"bulk {median(baselines[(backend, 'bulk')]):.2f} s for {len(rows)} rows",
                                flush=True,
                            )
                    finally:
                        engine.dispose()
                shutil.rmtree(media, ignore_errors=True)
    finally:
        timer.restore()
        shutil.rmtree(workdir, ignore_errors=True)

    rows_out = []
    for (backend, kind), samples in results.items():
        n_products, n_interactions = counts[backend]
        phase = {key: median([s.get(key, 0.0) for s in samples]) for key in ("read", "products", "interactions", "popularity", "commit", "total")}
        rows_out.append(
            [
                backend,
                kind,
                len(samples),
                phase["read"],
                phase["products"],
                phase["interactions"],
                phase["popularity"],
                phase["commit"],
                phase["total"],
                n_products / phase["products"],
                n_interactions / phase["interactions"],
                n_products / phase["total"],
            ]
        )
    print_table(
        ["backend", "import", "n", "read s", "products s", "interactions s", "popularity s", "commit s", "total s", "products/s", "interactions/s", "end-to-end products/s"],
        rows_out,
        title=f"H&M import, medians ({counts and next(iter(counts.values()))[0]} products, {counts and next(iter(counts.values()))[1]} interactions, photos copied into an empty media folder on cold)",
    )

    rows_out = []
    for backend in args.backends:
        n_products, n_interactions = counts[backend]
        ours = median([s["interactions"] for s in results[(backend, "cold")]])
        ours_rate = n_interactions / ours
        naive_rate = n_naive / median(baselines[(backend, "naive")])
        bulk_rate = n_interactions / median(baselines[(backend, "bulk")])
        rows_out.append([backend, "naive: ORM row + commit each", n_naive, naive_rate, ours_rate / naive_rate])
        rows_out.append([backend, "bulk: one executemany, no ON CONFLICT", n_interactions, bulk_rate, ours_rate / bulk_rate])
        rows_out.append([backend, "importer (cold, idempotent batches)", n_interactions, ours_rate, 1.0])
    print_table(
        ["backend", "interactions inserted by", "rows", "rows/s", "importer speed ÷ this"],
        rows_out,
        title="Interactions: importer against baselines measured in this run (medians)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
