"""FAISS serving benchmark: exact vs HNSW vs the original per-request JSON rebuild, side by side.

    .venv/bin/python bench/bench_faiss.py [--sizes 6000 1000000] [--dim 128]

Synthetic unit vectors shaped like learned embeddings: clustered in a low-dimensional subspace
plus a little isotropic noise. (Isotropic random vectors in 128-d have no real neighbours, and
HNSW recall on them says nothing about recall on a trained catalog.)
For each catalog size: single-query latency (median, p99), batch throughput, HNSW recall@10
against exact search, and the original project's way of serving: every request parsed every
item vector from JSON text and rebuilt the index before searching. That is measured directly
up to --original-max items; above, it is extrapolated linearly from the measured sizes (its
cost is parsing and copying every vector, linear in the catalog) and labelled as such.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml.index import build_index, recall_against_exact, search  # noqa: E402

K = 10


LATENT_DIM = 32


def clustered_unit_vectors(n: int, dim: int, seed: int, clusters: int = 1000) -> np.ndarray:
    """`n` unit vectors; the same `seed` gives the same clusters and subspace (catalog and queries)."""
    shape_rng = np.random.default_rng(seed)
    basis = np.linalg.qr(shape_rng.normal(size=(dim, LATENT_DIM)))[0].T.astype(np.float32)  # [latent, dim]
    centres = shape_rng.normal(size=(clusters, LATENT_DIM)).astype(np.float32)
    rng = np.random.default_rng(seed + n)
    vectors = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in chunks: bounded temporary memory at a million items
        size = min(n, start + 100_000) - start
        latent = centres[rng.integers(0, clusters, size)] + 0.5 * rng.normal(size=(size, LATENT_DIM)).astype(np.float32)
        chunk = latent @ basis + 0.05 * rng.normal(size=(size, dim)).astype(np.float32)
        vectors[start : start + size] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return vectors


def latencies_ms(index, queries: np.ndarray) -> list[float]:
    timings = []
    for query in queries:
        started = time.perf_counter()
        search(index, query, K)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def original_request_ms(vectors_json: str, query: np.ndarray) -> float:
    """One request as the original served it: parse all vectors from JSON, build, search."""
    started = time.perf_counter()
    vectors = np.asarray(json.loads(vectors_json), dtype=np.float32)
    index = build_index(vectors, "exact")
    search(index, query, K)
    return (time.perf_counter() - started) * 1000


def measure_original(n: int, dim: int, requests: int) -> float:
    vectors = clustered_unit_vectors(n, dim, seed=0)
    vectors_json = json.dumps(vectors.round(6).tolist())
    del vectors
    query = clustered_unit_vectors(1, dim, seed=0)
    return statistics.median(original_request_ms(vectors_json, query) for _ in range(requests))


def bench_size(n: int, dim: int, n_queries: int, ef_construction: int) -> dict:
    vectors = clustered_unit_vectors(n, dim, seed=0)
    queries = clustered_unit_vectors(n_queries, dim, seed=0)
    result = {"items": n, "dim": dim}
    started = time.perf_counter()
    exact = build_index(vectors, "exact")
    result["exact_build_s"] = time.perf_counter() - started
    started = time.perf_counter()
    hnsw = build_index(vectors, "hnsw", ef_construction=ef_construction)
    result["hnsw_build_s"] = time.perf_counter() - started
    result["hnsw_ef_construction"] = ef_construction
    for name, index in (("exact", exact), ("hnsw", hnsw)):
        timings = latencies_ms(index, queries)
        result[f"{name}_median_ms"] = statistics.median(timings)
        result[f"{name}_p99_ms"] = percentile(timings, 99)
        started = time.perf_counter()
        search(index, queries, K)
        result[f"{name}_batch_qps"] = len(queries) / (time.perf_counter() - started)
    result["hnsw_recall@10"] = recall_against_exact(hnsw, exact, queries, K)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6000, 1_000_000])
    parser.add_argument("--dim", type=int, default=128, help="vector dimension (the two-tower output is 128)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--original-max", type=int, default=60_000, help="largest catalog the original way is measured at")
    parser.add_argument("--original-requests", type=int, default=5)
    args = parser.parse_args()

    original: dict[int, float] = {}
    for n in sorted({min(s, args.original_max) for s in args.sizes} | {6000}):
        original[n] = measure_original(n, args.dim, args.original_requests)
        print(f"original (JSON parse + rebuild + search), {n:,} items: median {original[n]:.1f} ms/request (measured)", flush=True)
    per_item_ms = max(original[n] / n for n in original)  # the larger sizes amortise fixed costs least favourably

    rows = []
    for n in args.sizes:
        # efConstruction 200 at small sizes; 40 above 100k keeps a million-item build to minutes on 2 cores.
        result = bench_size(n, args.dim, args.queries, 200 if n <= 100_000 else 40)
        if n in original:
            result["original_median_ms"], result["original_source"] = original[n], "measured"
        else:
            result["original_median_ms"], result["original_source"] = per_item_ms * n, f"extrapolated from {max(original):,} items"
        rows.append(result)
        print(json.dumps(result), flush=True)

    print("\n| items | dim | exact median / p99 ms | HNSW median / p99 ms | exact / HNSW batch q/s | HNSW recall@10 "
          "| HNSW build s | original ms/request | original ÷ exact | original ÷ HNSW |")
    print("|---:|---:|---|---|---|---:|---:|---|---:|---:|")
    for r in rows:
        print(f"| {r['items']:,} | {r['dim']} | {r['exact_median_ms']:.3f} / {r['exact_p99_ms']:.3f} "
              f"| {r['hnsw_median_ms']:.3f} / {r['hnsw_p99_ms']:.3f} | {r['exact_batch_qps']:,.0f} / {r['hnsw_batch_qps']:,.0f} "
              f"| {r['hnsw_recall@10']:.3f} | {r['hnsw_build_s']:.1f} (efC {r['hnsw_ef_construction']}) "
              f"| {r['original_median_ms']:,.0f} ({r['original_source']}) "
              f"| {r['original_median_ms'] / r['exact_median_ms']:,.0f}× | {r['original_median_ms'] / r['hnsw_median_ms']:,.0f}× |")


if __name__ == "__main__":
    main()
