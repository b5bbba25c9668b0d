#!/usr/bin/env python
"""Worker compute per recommendation request, without the broker, at 6,000 and 1,000,000 items.

What a `recommend` actor does for one request, timed call by call on a fresh PostgreSQL
database (shoprec_bench_compute_*, dropped at the end):

  ml only     CatalogIndex.for_user / similar / search on an already-read like list
              (for_you is also split into the user tower and the FAISS search);
  compute()   actors.recommend.compute(session, index, request): the ml part plus the DB reads
              it does (the shopper's likes, product ids of the picks);
  actor body  actors.recommend.recommend.fn(request_id) (6,000 items only): read the request
              row, ModelStore.current (its new-product sync query), compute, store the result,
              commit, and send the reply to an in-process StubBroker.

Search by meaning is split into the query's sentence embedding (all-MiniLM-L6-v2, which
dominates) and the rest.

Every case runs with the thread settings of --threads: "default" is what a worker process has
today (torch and FAISS OpenMP use every core: 2 here), "1" is one thread each (torch.set_num_threads,
faiss.omp_set_num_threads), the setting suggested for workers, whose concurrency comes from
Dramatiq's processes and threads instead.

At 6,000 items the index is the real H&M artifact (trained once with `shoprec train` into
--artifacts, ~1-5 minutes, then reused). At --large-items (default 1,000,000) it is a synthetic
ServingModel of the served dimension (385: 128 model + 256 content + 1 popularity) with
clustered unit vectors, an exact and an HNSW index (the HNSW graph is cached in
~/.cache/shoprec/bench), a user vector that is the mean of the liked vectors, 384-d
synthetic text vectors, and the same number of products inserted into the database.

Baseline, measured in the same run: the original project's way of serving, where every
request parsed every item vector from JSON text and rebuilt the FAISS index before
searching, followed by the same compute(). Measured at 6,000 and at each --original-sizes;
at sizes above the largest measured it is extrapolated (rebuild cost per item from the
largest measured size × items, plus the exact search measured at that size) and labelled.

Run:  .venv/bin/python bench/bench_worker_compute.py [--reps 300] [--large-items 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import _common as common
import _serving as serving
from _common import median, percentile, print_table

QUERIES = [
    "black dress for a party", "warm winter jacket", "running shoes", "summer swimwear", "baby pyjamas",
    "trousers for the office", "denim shorts", "knitted jumper", "bag for my laptop", "lace underwear",
    "something for the beach", "kids raincoat", "white shirt", "cosy socks", "sports bra",
]
ASPIRATION_MS = 5.0  # the aim for for_you compute at 6,000 items


class Results:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.threads = "default"  # the torch / FAISS thread setting the next rows are measured with

    def add(self, scale: str, index: str, case: str, samples_s: Sequence[float], note: str = "") -> dict:
        row = {"scale": scale, "index": index, "threads": self.threads, "case": case, "n": len(samples_s),
               "median": median(samples_s) * 1000, "p99": percentile(samples_s, 99) * 1000, "note": note}
        self.rows.append(row)
        print(f"  {scale:>9} {index:<5} {self.threads:<8} {case:<44} median {row['median']:9.3f} ms  p99 {row['p99']:9.3f} ms"
              f"  (n={row['n']}) {note}", flush=True)
        return row

    def find(self, scale: str, index: str, case: str, threads: str | None = None) -> dict | None:
        return next((r for r in self.rows if (r["scale"], r["index"], r["case"]) == (scale, index, case)
                     and (threads is None or r["threads"] == threads)), None)


class Threads:
    """torch intra-op and FAISS OpenMP threads: as the worker has them, or one each.

    A worker process never sets either, so torch and FAISS use every core (2 here), and the
    text encoder's first use sets torch to the available cores too. "1" is the setting this
    benchmark suggests for workers, measured side by side."""

    def __init__(self) -> None:
        import faiss
        import torch

        self.faiss, self.torch = faiss, torch
        self.default = (torch.get_num_threads(), faiss.omp_get_max_threads())

    def use(self, variant: str, results: Results) -> None:
        count_torch, count_faiss = self.default if variant == "default" else (int(variant), int(variant))
        self.torch.set_num_threads(count_torch)
        self.faiss.omp_set_num_threads(count_faiss)
        results.threads = "default" if variant == "default" else f"{variant} each"


def timed(fn: Callable[[object], object], inputs: Sequence[object], reps: int, warmup: int = 3) -> list[float]:
    """Seconds of each of `reps` calls of fn, cycling through `inputs`, after `warmup` untimed calls."""
    for n in range(warmup):
        fn(inputs[n % len(inputs)])
    clock, samples = time.perf_counter, []
    for n in range(warmup, warmup + reps):
        value = inputs[n % len(inputs)]
        start = clock()
        fn(value)
        samples.append(clock() - start)
    return samples


def read_likes(session, user_id: int) -> tuple[list[str], list[datetime]]:  # noqa: ANN001
    from sqlmodel import col, select

    from shoprec_app.models import Like, Product

    rows = session.exec(select(Product.external_id, Like.created_at).join(Like, col(Like.product_id) == col(Product.id))
                        .where(Like.user_id == user_id).order_by(col(Like.created_at))).all()
    return [e for e, _ in rows], [t for _, t in rows]


def product_ids(session, external_ids: list[str]) -> list[int]:  # noqa: ANN001
    from sqlmodel import col, select

    from shoprec_app.models import Product

    found = dict(session.exec(select(Product.external_id, Product.id).where(col(Product.external_id).in_(external_ids))).all())
    return [found[e] for e in external_ids if e in found]


def measure_scale(results: Results, scale: str, index_kind: str, index, session, shoppers: dict[int, list[int]],  # noqa: ANN001, PLR0913
                  subjects: list[int], reps: int, search_reps: int) -> None:
    """The ml-only and compute() rows of one index at one scale."""
    from ml.index import search_excluding
    from actors.recommend import SEARCH_SIZE, SHELF_SIZE, SIMILAR_SIZE, compute
    from shoprec_app.models import Product, RecommendationRequest

    for likes, users in shoppers.items():
        liked = [read_likes(session, u) for u in users]
        # The for_you path, piece by piece: user tower, FAISS search, and the whole for_user.
        results.add(scale, index_kind, f"for_you {likes} likes: user vector", timed(
            lambda lk: index.model.user_vector(lk[0], lk[1]), liked, reps))
        vectors = [index.model.user_vector(*lk) for lk in liked]
        results.add(scale, index_kind, f"for_you {likes} likes: FAISS search", timed(
            lambda v: search_excluding(index.index, v, SHELF_SIZE, range(likes)), vectors, reps))
        results.add(scale, index_kind, f"for_you {likes} likes: ml only", timed(
            lambda lk: index.for_user(lk[0], lk[1], SHELF_SIZE), liked, reps))
        requests = [RecommendationRequest(id="bench", kind="for_you", user_id=u) for u in users]
        results.add(scale, index_kind, f"for_you {likes} likes: compute()", timed(
            lambda r: compute(session, index, r), requests, reps))
    externals = [session.get(Product, p).external_id for p in subjects]
    results.add(scale, index_kind, "similar: ml only", timed(lambda e: index.similar(e, SIMILAR_SIZE), externals, reps))
    requests = [RecommendationRequest(id="bench", kind="similar", subject_product_id=p) for p in subjects]
    results.add(scale, index_kind, "similar: compute()", timed(lambda r: compute(session, index, r), requests, reps))
    if index.text_index is not None:
        query_vectors = [index.model.query_vector(q) for q in QUERIES]
        results.add(scale, index_kind, "search: query embedding (MiniLM)", timed(index.model.query_vector, QUERIES, search_reps))
        results.add(scale, index_kind, "search: text index search", timed(
            lambda v: search_excluding(index.text_index, v, SEARCH_SIZE, ()), query_vectors, search_reps))
        requests = [RecommendationRequest(id="bench", kind="search", query=q) for q in QUERIES]
        results.add(scale, index_kind, "search: compute()", timed(lambda r: compute(session, index, r), requests, search_reps))


def measure_original(results: Results, scale: str, model, session, users: list[int], requests_n: int, likes: int) -> float:  # noqa: ANN001
    """The original way at the model's size: rebuild from JSON + compute(); returns the median rebuild seconds."""
    from actors.recommend import compute
    from shoprec_app.models import RecommendationRequest

    vectors_json = serving.vectors_as_json(model.item_vectors)
    rebuild = timed(lambda _: serving.original_index(model, vectors_json), [None], requests_n, warmup=1)
    results.add(scale, "orig", "original: JSON parse + index rebuild", rebuild, f"{len(vectors_json) / 1e6:,.0f} MB of JSON")
    requests = [RecommendationRequest(id="bench", kind="for_you", user_id=u) for u in users]
    results.add(scale, "orig", f"original: for_you {likes} likes, rebuild + compute()", timed(
        lambda r: compute(session, serving.original_index(model, vectors_json), r), requests, requests_n, warmup=1))
    return median(rebuild)


# --------------------------------------------------------------------------- synthetic catalog


def synthetic_model(n: int, kind: str, text_encoder_model, cache: Path, ef_construction: int):  # noqa: ANN001
    """A ServingModel of n synthetic items, dimension 385, with an exact or HNSW index."""
    import faiss
    import numpy as np

    from bench_faiss import clustered_unit_vectors
    from ml.artifacts import ServingModel
    from ml.index import HNSW_EF_SEARCH, build_index

    dim = 385
    vectors = clustered_unit_vectors(n, dim, seed=7)
    item_ids = [f"syn-{i:07d}" for i in range(n)]
    rows = {item_id: row for row, item_id in enumerate(item_ids)}

    def user_vector(liked, _timestamps=None):  # noqa: ANN001, ANN202
        known = [rows[i] for i in liked if i in rows]
        mean = vectors[known].mean(axis=0)
        return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)

    started = time.perf_counter()
    if kind == "hnsw":
        path = cache / f"synthetic-{n}-{dim}-seed7-efc{ef_construction}.hnsw.faiss"
        if path.exists():
            index = faiss.read_index(str(path))
            index.hnsw.efSearch = HNSW_EF_SEARCH
            how = f"read from {path}"
        else:
            index = build_index(vectors, "hnsw", ef_construction=ef_construction)
            cache.mkdir(parents=True, exist_ok=True)
            faiss.write_index(index, str(path))
            how = f"built (efConstruction {ef_construction}) and cached in {path}"
    else:
        index = build_index(vectors, "exact")
        how = "built"
    print(f"  {kind} index over {n:,} synthetic items: {how} in {time.perf_counter() - started:.1f} s", flush=True)
    text_vectors = clustered_unit_vectors(n, 384, seed=11) if text_encoder_model is not None else None
    query_vector = text_encoder_model.query_vector if text_encoder_model is not None else None
    return ServingModel(f"synthetic-{n}", item_ids, vectors, index, user_vector, query_vector, {}, text_vectors, None)


def insert_synthetic_products(engine, n: int) -> float:  # noqa: ANN001
    """n products named like the synthetic model's ids, inserted by PostgreSQL itself."""
    from sqlalchemy import text

    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO products (external_id, title, description, category, details, price, image_path, popularity, source, created_at, updated_at)"
            " SELECT 'syn-' || lpad(g::text, 7, '0'), 'Synthetic product ' || g, '', 'Synthetic ' || (g % 50), '', 10.0, NULL,"
            "(g::bigint * 7919) % 1000, 'bench', now(), now() FROM generate_series(0, :last) AS g"), {"last": n - 1})
        connection.execute(text("ANALYZE products"))
    return time.perf_counter() - started


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=Path, default=serving.DEFAULT_ARTIFACTS,
                        help=f"folder of the trained H&M artifact; trained there when empty (default {serving.DEFAULT_ARTIFACTS})")
    parser.add_argument("--reps", type=int, default=300, help="timed calls per case at 6,000 items (default 300)")
    parser.add_argument("--search-reps", type=int, default=100, help="timed calls per search case (default 100)")
    parser.add_argument("--shoppers", type=int, default=20, help="shoppers per like count; calls cycle through them (default 20)")
    parser.add_argument("--likes", type=int, nargs="+", default=[3, 20], help="likes per shopper, one group each (default 3 20)")
    parser.add_argument("--large-items", type=int, default=1_000_000, help="synthetic catalog size; 0 skips it (default 1,000,000)")
    parser.add_argument("--large-reps", type=int, default=60, help="timed calls per case at the large size, exact index (default 60)")
    parser.add_argument("--hnsw-reps", type=int, default=200, help="timed calls per case at the large size, HNSW (default 200)")
    parser.add_argument("--large-search", action=argparse.BooleanOptionalAction, default=True,
                        help="search by meaning at the large size (1.5 GB of 384-d text vectors per million items)")
    parser.add_argument("--hnsw-ef-construction", type=int, default=40, help="HNSW efConstruction for the large index (default 40)")
    parser.add_argument("--original-reps", type=int, default=30, help="timed original-way requests at 6,000 items (default 30)")
    parser.add_argument("--original-sizes", type=int, nargs="*", default=[100_000],
                        help="synthetic sizes above 6,000 at which the original way is measured (default 100000); larger ones are extrapolated")
    parser.add_argument("--original-large-reps", type=int, default=3, help="timed original-way requests at each --original-sizes (default 3)")
    parser.add_argument("--threads", nargs="+", default=["default", "1"],
                        help="torch/FAISS thread settings to measure: 'default' (as a worker runs today) and/or a count (default: default 1)")
    parser.add_argument("--busy", type=int, default=0,
                        help="busy-loop processes kept running while measuring, to stand for the other worker, the web "
                             "backend and PostgreSQL sharing the cores in production (default 0)")
    args = parser.parse_args()

    common.require_dataset(common.HM_PATH)
    print(f"bench_worker_compute · {common.machine_line()}")
    folder = serving.ensure_hm_artifact(args.artifacts)
    print(f"  artifact {folder}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="shoprec_bench_compute_"))
    database_url = common.create_postgres_database("compute")
    results = Results()
    import subprocess
    import sys

    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    if busy:
        print(f"  {len(busy)} busy-loop process(es) running beside the measurements", flush=True)
    try:
        from shoprec_app import migrations

        migrations.upgrade(database_url)
        # The actor reads its database, artifacts and broker from the environment; no broker
        # URL means the StubBroker, so the reply is sent in-process.
        os.environ.update(SHOPREC_DATABASE_URL=database_url, SHOPREC_ARTIFACTS=str(folder), SHOPREC_HOME=str(workdir / "home"))
        for name in ("SHOPREC_BROKER_URL", "REFLEX_DB_URL"):
            os.environ.pop(name, None)
        from shoprec_app.settings import get_settings
        from shoprec_app.db import get_engine

        get_settings.cache_clear()
        get_engine.cache_clear()
        started = time.perf_counter()
        serving.import_hm(database_url, workdir / "home" / "media")
        print(f"  H&M catalog imported in {time.perf_counter() - started:.1f} s", flush=True)

        threads = Threads()
        run_small(results, args, folder, threads)
        if args.large_items:
            run_large(results, args, threads)
    finally:
        for process in busy:
            process.kill()
            process.wait()
        from shoprec_app.db import get_engine

        get_engine().dispose()
        common.drop_postgres_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)

    report(results, args)
    return 0


def run_small(results: Results, args: argparse.Namespace, folder: Path, threads: Threads) -> None:
    from sqlmodel import Session

    from actors.recommend import model_store, recommend
    from ml.artifacts import load_artifact
    from ml.serving import CatalogIndex
    from shoprec_app.db import get_engine

    engine = get_engine()
    started = time.perf_counter()
    index = CatalogIndex(load_artifact(folder))
    print(f"  artifact loaded in {time.perf_counter() - started:.1f} s ({len(index.item_ids):,} items, dim {index.vectors.shape[1]})", flush=True)
    index.model.query_vector("warm up")  # loads the text encoder, which sets torch's threads itself
    shoppers = {likes: serving.add_shoppers(engine, likes, args.shoppers, index.item_ids, seed=likes) for likes in args.likes}
    rng = random.Random(0)
    with Session(engine) as session:
        subjects = product_ids(session, rng.sample(index.item_ids, 50))
        model_store().current(session)  # loads the actor's model before timing, as a worker's first request does
        for variant in args.threads:
            threads.use(variant, results)
            measure_scale(results, "6,000", "exact", index, session, shoppers, subjects, args.reps, args.search_reps)
            # The whole actor body, broker excepted, on real request rows.
            for likes, users in shoppers.items():
                request_ids = serving.insert_requests(engine, "for_you", [users[n % len(users)] for n in range(args.reps + 3)])
                results.add("6,000", "exact", f"for_you {likes} likes: actor body", timed(recommend.fn, request_ids, args.reps))
        threads.use("default", results)
        low = min(args.likes)
        measure_original(results, "6,000", index.model, session, shoppers[low], args.original_reps, low)


def run_large(results: Results, args: argparse.Namespace, threads: Threads) -> None:
    import gc

    from sqlmodel import Session

    from ml.artifacts import find_artifact_folder, load_artifact
    from ml.serving import CatalogIndex
    from shoprec_app.db import get_engine

    n = args.large_items
    scale = f"{n:,}"
    engine = get_engine()
    threads.use("default", results)
    # The original way at intermediate sizes (its cost is linear in the catalog).
    rebuild_per_item = {}
    for size in sorted(s for s in args.original_sizes if s > 6000):
        model = synthetic_model(size, "exact", None, serving.CACHE, args.hnsw_ef_construction)
        vectors_json = serving.vectors_as_json(model.item_vectors)
        samples = timed(lambda _: serving.original_index(model, vectors_json), [None], args.original_large_reps, warmup=0)
        results.add(f"{size:,}", "orig", "original: JSON parse + index rebuild", samples, f"{len(vectors_json) / 1e6:,.0f} MB of JSON")
        rebuild_per_item[size] = median(samples) / size
        del model, vectors_json
        gc.collect()

    text_model = load_artifact(find_artifact_folder(args.artifacts)) if args.large_search else None
    if text_model is not None:
        text_model.query_vector("warm up")  # loads the text encoder, which sets torch's threads itself
    seconds = insert_synthetic_products(engine, n)
    print(f"  {n:,} synthetic products inserted into PostgreSQL in {seconds:.1f} s", flush=True)
    rng = random.Random(1)
    sample_ids = [f"syn-{i:07d}" for i in rng.sample(range(n), 5000)]
    shoppers = {likes: serving.add_shoppers(engine, likes, args.shoppers, sample_ids, seed=100 + likes) for likes in args.likes}
    with Session(engine) as session:
        subjects = product_ids(session, sample_ids[:50])
        for kind, reps in (("exact", args.large_reps), ("hnsw", args.hnsw_reps)):
            model = synthetic_model(n, kind, text_model if kind == "exact" else None, serving.CACHE, args.hnsw_ef_construction)
            index = CatalogIndex(model)
            model.text_vectors = None  # the text index holds its own copy
            gc.collect()
            for variant in args.threads:
                threads.use(variant, results)
                measure_scale(results, scale, kind, index, session, shoppers, subjects, reps, min(args.search_reps, reps))
            del model, index
            gc.collect()
    threads.use("default", results)
    exact_search = results.find(scale, "exact", f"for_you {min(args.likes)} likes: compute()", "default")
    if rebuild_per_item and exact_search:
        largest = max(rebuild_per_item)
        estimate_s = rebuild_per_item[largest] * n + exact_search["median"] / 1000
        row = results.add(scale, "orig", f"original: for_you {min(args.likes)} likes, rebuild + compute()", [estimate_s],
                          f"EXTRAPOLATED: rebuild/item at {largest:,} × {n:,} + exact compute() at {scale}")
        row["extrapolated"] = True


def report(results: Results, args: argparse.Namespace) -> None:
    print(f"\nbench_worker_compute · {common.machine_line()}" + (f" · {args.busy} busy-loop process(es)" if args.busy else ""))
    rows = [(r["scale"], r["index"], r["threads"], r["case"], r["median"], r["p99"], r["n"], r["note"]) for r in results.rows]
    print_table(["items", "index", "threads", "case", "median ms", "p99 ms", "n", "note"], rows, "Every case (ms per request)")

    summary = []
    low = min(args.likes)
    for scale in dict.fromkeys(r["scale"] for r in results.rows if r["index"] != "orig"):
        original = results.find(scale, "orig", f"original: for_you {low} likes, rebuild + compute()")
        for index in ("exact", "hnsw"):
            for case in [f"for_you {likes} likes: compute()" for likes in args.likes] + ["similar: compute()", "search: compute()"]:
                for variant in dict.fromkeys(r["threads"] for r in results.rows):
                    row = results.find(scale, index, case, variant)
                    if row is None:
                        continue
                    ratio = original["median"] / row["median"] if original and case.startswith("for_you") else float("nan")
                    label = ("EXTRAPOLATED original" if original.get("extrapolated") else "measured original") if ratio == ratio else ""
                    summary.append((scale, index, variant, case.removesuffix(": compute()"), row["median"], row["p99"], ratio, label))
        if original:
            summary.append((scale, "orig", "default", f"original: for_you {low} likes", original["median"], original["p99"], 1.0,
                            "EXTRAPOLATED" if original.get("extrapolated") else "measured"))
    print_table(["items", "index", "threads", "request", "median ms", "p99 ms", "original ÷ this", "baseline"], summary,
                "compute() per request, DB reads included; ratio against the original per-request JSON rebuild")

    for variant in dict.fromkeys(r["threads"] for r in results.rows):
        for likes in args.likes:
            row = results.find("6,000", "exact", f"for_you {likes} likes: compute()", variant)
            if row:
                met = "MET" if row["median"] < ASPIRATION_MS else "NOT met"
                print(f"aim: for_you compute() at 6,000 items under {ASPIRATION_MS:.0f} ms median — threads {variant}, "
                      f"{likes} likes: {row['median']:.2f} ms → {met}")


if __name__ == "__main__":
    raise SystemExit(main())
