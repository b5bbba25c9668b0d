#!/usr/bin/env python
"""Server time of the storefront's catalog queries at 6,000 products (H&M imported).

Times `catalog.browse` (first page of each sort, categories, deep pages) and
`catalog.search` (~20 realistic queries: single words, two words, prefixes, queries
that find nothing), on PostgreSQL and SQLite, each call in its own `session_scope` as the
catalog page's handler does it. Median and p99 over --reps calls per case.

Baselines, measured in the same run and interleaved call by call with the real search
(so a noisy neighbour slows both alike):
  LIKE      the naive search: every word must appear in title, description or category
            (`ILIKE '%word%'`), ordered by popularity; a count and one page, as search does;
  floor     a session and `SELECT 1`: the round trip no query can beat.

The issue asks that search answers "in well under 50 ms at 6,000 products": the last
table compares the slowest p99 with that.

The LIKE baseline matches title, description and category only (not the details that
hold colours and product types), so its match counts differ on queries like "black".

Run:  .venv/bin/python bench/bench_queries.py [--reps 300] [--backends postgres sqlite]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import _common as common
from _common import median, percentile, print_table

TARGET_MS = 50.0

# (query, kind); kinds group the table. Colours live in the products' details.
SEARCHES = [
    ("dress", "one word"),
    ("jeans", "one word"),
    ("cotton", "one word"),
    ("top", "one word"),
    ("sweater", "one word"),
    ("bikini", "one word"),
    ("black", "one word"),
    ("wool", "one word"),
    ("black dress", "two words"),
    ("denim jacket", "two words"),
    ("slim jeans", "two words"),
    ("cotton top", "two words"),
    ("linen trousers", "two words"),
    ("wool sweater", "two words"),
    ("black cotton slim fit jeans", "five words"),
    ("dre", "prefix"),
    ("tro", "prefix"),
    ("jack", "prefix"),
    ("swe", "prefix"),
    ("laptop", "no result"),
    ("xylophone", "no result"),
    ("sofa cushion", "no result, 2 passes"),
    ("red sofa", "fallback to any word"),
]


def naive_like_search(session, query: str, page: int = 1, page_size: int = 24):  # noqa: ANN001, ANN201
    """The baseline: ILIKE '%word%' over title/description/category for every word, by popularity."""
    from sqlalchemy import func, or_
    from sqlmodel import col, select

    from shoprec_app.models import Product
    from shoprec_app.services.catalog import CatalogPage, query_words, to_card

    filters = [
        or_(col(Product.title).ilike(f"%{w}%"), col(Product.description).ilike(f"%{w}%"), col(Product.category).ilike(f"%{w}%"))
        for w in query_words(query)
    ]
    total = session.exec(select(func.count()).select_from(Product).where(*filters)).one()
    products = session.exec(
        select(Product).where(*filters).order_by(col(Product.popularity).desc(), col(Product.id)).offset((page - 1) * page_size).limit(page_size)
    ).all()
    pages = max(1, -(-total // page_size))
    return CatalogPage([to_card(p) for p in products], total, page, pages)


def time_interleaved(fns: list, reps: int, warmup: int, every: list[int] | None = None) -> list[list[float]]:  # noqa: ANN001
    """Seconds of each call of each function, alternating fn0, fn1, ... within each repetition.

    `every[i]` = k: fns[i] runs on every k-th repetition only (a slow baseline needs fewer samples).
    """
    every = every or [1] * len(fns)
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    clock = time.perf_counter
    for rep in range(reps):
        for fn, out, k in zip(fns, samples, every, strict=True):
            if rep % k:
                continue
            start = clock()
            fn()
            out.append(clock() - start)
    return samples


def ms(values: list[float]) -> tuple[float, float]:
    return median(values) * 1000, percentile(values, 99) * 1000


def bench_backend(backend: str, url: str, reps: int, warmup: int, baseline_every: int) -> dict:
    from sqlalchemy import text

    from shoprec_app.db import make_engine, session_scope
    from shoprec_app.services import catalog

    engine = make_engine(url)
    result: dict = {"browse": [], "search": []}
    try:
        with session_scope(engine) as session:
            cats = catalog.categories(session)
        largest = max(cats, key=lambda c: c[1])
        small = min((c for c in cats if c[1] >= 100), key=lambda c: c[1])

        def call(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            def run():  # noqa: ANN202
                with session_scope(engine) as session:
                    return fn(session, *args, **kwargs)

            return run

        def floor(session):  # noqa: ANN001, ANN202
            return session.execute(text("SELECT 1")).scalar_one()

        last = -(-sum(c for _, c in cats) // catalog.PAGE_SIZE) + 1  # clamped to the last page by browse
        cases = [("floor: session + SELECT 1", call(floor)), ("categories()", call(catalog.categories))]
        for sort in catalog.SORTS:
            cases.append((f"first page, sort={sort}", call(catalog.browse, sort=sort)))
        cases += [
            (f"category {largest[0]!r} ({largest[1]}), p1", call(catalog.browse, category=largest[0])),
            (f"category {small[0]!r} ({small[1]}), p1", call(catalog.browse, category=small[0])),
            ("deep page (last), sort=popular", call(catalog.browse, page=last)),
            ("deep page (last), sort=name", call(catalog.browse, sort="name", page=last)),
            ("deep page (last), sort=price_asc", call(catalog.browse, sort="price_asc", page=last)),
            (f"category {largest[0]!r}, last page", call(catalog.browse, category=largest[0], page=last)),
        ]
        for name, fn in cases:
            (samples,) = time_interleaved([fn], reps, warmup)
            page = fn() if not name.startswith("floor") else None
            total = getattr(page, "total", len(page) if isinstance(page, list) else "")
            result["browse"].append((name, total, *ms(samples)))
            print(f"  {backend:8} browse  {name:45} {ms(samples)[0]:7.2f} ms", flush=True)

        for query, kind in SEARCHES:
            ours, like = call(catalog.search, query), call(naive_like_search, query)
            ours_samples, like_samples = time_interleaved([ours, like], reps, warmup, [1, baseline_every])
            result["search"].append(
                (query, kind, ours().total, *ms(ours_samples), like().total, *ms(like_samples))
            )
            print(
                f"  {backend:8} search  {query!r:32} {ms(ours_samples)[0]:7.2f} ms   LIKE {ms(like_samples)[0]:7.2f} ms",
                flush=True,
            )
    finally:
        engine.dispose()
    return result


def import_hm(url: str, media: Path) -> None:
    from sqlmodel import Session

    from shoprec_app.db import make_engine
    from shoprec_app.services.importer import import_path

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            report = import_path(session, common.HM_PATH, "hm", media, progress=False)
            session.commit()
        print(f"  imported: {report.products_added} products, {report.interactions_added} interactions", flush=True)
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", choices=["postgres", "sqlite"], default=["postgres", "sqlite"])
    parser.add_argument("--reps", type=int, default=300, help="timed calls per case (default 300)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls per case first (default 10)")
    parser.add_argument(
        "--baseline-every", type=int, default=3, help="time the slow LIKE baseline on every k-th repetition only (default 3: 100 of 300)"
    )
    args = parser.parse_args()
    common.require_dataset(common.HM_PATH)

    print(f"bench_queries · {common.machine_line()}")
    workdir = Path(tempfile.mkdtemp(prefix="shoprec_bench_queries_"))
    results = {}
    try:
        for backend in args.backends:
            with common.fresh_database(backend, workdir, "queries") as url:
                import_hm(url, workdir / f"media-{backend}")
                results[backend] = bench_backend(backend, url, args.reps, args.warmup, args.baseline_every)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    for backend, result in results.items():
        print_table(
            ["case", "results", "median ms", "p99 ms"],
            result["browse"],
            title=f"{backend}: catalog.browse, {args.reps} calls each (one session per call, as the page handler)",
        )
        rows = [
            [q, kind, n, med, p99, like_n, like_med, like_p99, like_med / med]
            for q, kind, n, med, p99, like_n, like_med, like_p99 in result["search"]
        ]
        print_table(
            ["query", "kind", "matches", "median ms", "p99 ms", "LIKE matches", "LIKE median ms", "LIKE p99 ms", "LIKE ÷ search"],
            rows,
            title=(
                f"{backend}: catalog.search ({args.reps} calls each) against the naive LIKE scan "
                f"({-(-args.reps // args.baseline_every)} calls, interleaved)"
            ),
        )

    summary = []
    for backend, result in results.items():
        search = result["search"]
        medians = [row[3] for row in search]
        p99s = [row[4] for row in search]
        like_medians = [row[6] for row in search]
        worst = max(search, key=lambda row: row[4])
        summary.append(
            [
                backend,
                median(medians),
                max(medians),
                max(p99s),
                f"{worst[0]!r}",
                median(like_medians),
                median([lm / m for lm, m in zip(like_medians, medians, strict=True)]),
                "yes" if max(p99s) < TARGET_MS else "NO",
                TARGET_MS / max(p99s),
            ]
        )
    print_table(
        [
            "backend",
            "search median of medians ms",
            "slowest median ms",
            "slowest p99 ms",
            "slowest query",
            "LIKE median of medians ms",
            "median LIKE ÷ search",
            f"p99 < {TARGET_MS:.0f} ms?",
            "headroom ×",
        ],
        summary,
        title=f"Search at 6,000 products against the issue's target ({TARGET_MS:.0f} ms)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
