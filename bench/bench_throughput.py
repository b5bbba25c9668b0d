#!/usr/bin/env python
"""Sustained recommendation requests per second through RabbitMQ and real `dramatiq` workers.

The deployed shape on this machine: a fresh PostgreSQL database (shoprec_bench_throughput_*)
with the H&M catalog imported by `shoprec import`, a RabbitMQ vhost of the run's own
(shoprec_bench_throughput_*, made and deleted with rabbitmqctl), the trained H&M artifact
in SHOPREC_ARTIFACTS (trained once into --artifacts when missing), and 1 or 2 worker
processes `dramatiq actors.worker --processes 1 --threads T --queues recommendations catalog`.

For each configuration (worker processes × threads × OMP threads):
  1. start the workers and warm them up (each loads the model on its first request);
  2. pre-create --requests `for_you` request rows for shoppers with 3 to 20 likes;
  3. a sender process (started beforehand, its imports done) calls
     `actors.recommend.recommend.send(id)` for every row as fast as it can, as the web
     backend does (confirm_delivery: each send waits for RabbitMQ's confirm);
  4. poll SQL until every row is done; throughput = requests ÷ (last completed_at − first send).
Per-request latency is completed_at − the moment its message was sent: in a burst it is
mostly queueing (a request waits for those sent before it). The worker's own time per
request (the `latency_ms` the actor stores) is reported beside it.

"OMP threads": `default` is what a worker has today (torch and FAISS use every core);
`1` sets OMP_NUM_THREADS=1 in the workers' environment (torch and FAISS then use one thread
each), the setting bench_worker_compute.py suggests. Same code, different environment.

Baseline in the same run: bench/original_worker.py, the same actors serving the original
way (every request parses every item vector from JSON text and rebuilds the FAISS index),
on --original-requests requests.

The machine has 2 cores shared by PostgreSQL, RabbitMQ, the workers and this script: more
processes or threads than that buys concurrency for I/O waits, not compute.

Run:  .venv/bin/python bench/bench_throughput.py [--requests 1000] [--threads 1 2 4] [--processes 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import _common as common
import _serving as serving
from _common import median, percentile, print_table

ASPIRATION_RPS = 200.0
LOADED_MARK = "serving model"

# The web backend's side, as a long-lived process: one line in (a file of request ids),
# one JSON line out ({"sent": n, "times": [epoch seconds per id]}).
SENDER = r"""
import json, sys, time
from actors.recommend import recommend
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    ids = json.loads(open(line.strip()).read())
    times = []
    for request_id in ids:
        recommend.send(request_id)
        times.append(time.time())
    print(json.dumps({"sent": len(ids), "times": times}), flush=True)
"""


class Sender:
    def __init__(self, env: dict, log: Path) -> None:
        self.process = subprocess.Popen([serving.python(), "-u", "-c", SENDER], cwd=common.REPO_ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"),
                                        text=True, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._answer(120)["ready"]

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def _answer(self, timeout: float) -> dict:
        try:
            return json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            raise RuntimeError(f"the sender did not answer (exit code {self.process.poll()})") from None

    def send(self, ids_file: Path) -> None:
        self.process.stdin.write(f"{ids_file}\n")
        self.process.stdin.flush()

    def result(self, timeout: float = 600) -> dict:
        return self._answer(timeout)

    def stop(self) -> None:
        self.process.stdin.close()
        serving.stop_process(self.process)


class Run:
    def __init__(self, args: argparse.Namespace, workdir: Path, database_url: str, broker_url: str, artifact: Path) -> None:
        from sqlalchemy import create_engine

        self.args = args
        self.workdir = workdir
        self.engine = create_engine(database_url)
        self.env = {**os.environ, "SHOPREC_DATABASE_URL": database_url, "SHOPREC_BROKER_URL": broker_url,
                    "SHOPREC_ARTIFACTS": str(artifact), "SHOPREC_HOME": str(workdir / "home"), "PYTHONUNBUFFERED": "1"}
        self.env.pop("REFLEX_DB_URL", None)
        self.users: list[int] = []
        self.sender: Sender | None = None
        self.count = 0

    def prepare(self) -> None:
        env = {k: v for k, v in self.env.items() if k != "SHOPREC_BROKER_URL"}  # no embed-new-products message
        started = time.perf_counter()
        subprocess.run([str(serving.VENV_BIN / "shoprec"), "import", str(common.HM_PATH), "--format", "hm"], cwd=common.REPO_ROOT,
                       env=env, check=True, stdout=(self.workdir / "import.log").open("w"), stderr=subprocess.STDOUT)
        print(f"  H&M catalog imported with `shoprec import` in {time.perf_counter() - started:.1f} s", flush=True)
        from sqlalchemy import text

        with self.engine.connect() as connection:
            external_ids = list(connection.execute(text("SELECT external_id FROM products")).scalars())
        for likes in (3, 8, 20):
            self.users += serving.add_shoppers(self.engine, likes, self.args.shoppers // 3, external_ids, seed=likes)
        self.sender = Sender(self.env, self.workdir / "sender.log")

    def close(self) -> None:
        if self.sender is not None:
            self.sender.stop()
        self.engine.dispose()

    def measure(self, mode: str, processes: int, threads: int, omp: str, requests: int) -> dict:
        label = f"{mode}-p{processes}-t{threads}-omp{omp}"
        env = dict(self.env)
        if omp != "default":
            env["OMP_NUM_THREADS"] = omp
        module = "actors.worker" if mode == "current" else "original_worker"
        logs = [self.workdir / f"{label}-worker{n}.log" for n in range(processes)]
        workers = [serving.start_process(serving.worker_command(threads, module), env, log) for log in logs]
        try:
            self._warm_up(workers, logs, processes * threads * 2)
            return self._burst(label, requests) | {"mode": mode, "processes": processes, "threads": threads, "omp": omp}
        finally:
            for worker in workers:
                serving.stop_process(worker)

    def _send(self, ids: list[str]) -> dict:
        self.count += 1
        ids_file = self.workdir / f"ids-{self.count}.json"
        ids_file.write_text(json.dumps(ids))
        self.sender.send(ids_file)
        return self.sender.result()

    def _requests(self, n: int) -> list[str]:
        rng = random.Random(self.count)
        return serving.insert_requests(self.engine, "for_you", [rng.choice(self.users) for _ in range(n)])

    def _warm_up(self, workers: list, logs: list[Path], batch: int) -> None:
        """Until every worker process has loaded its model and the requests sent so far are done."""
        deadline = time.monotonic() + 180
        while True:
            ids = self._requests(batch)
            self._send(ids)
            self._wait_done(ids, deadline)
            if all(LOADED_MARK in log.read_text(errors="replace") for log in logs):
                return
            if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
                raise RuntimeError("workers did not load the model:\n" + "\n".join(log.read_text()[-2000:] for log in logs))

    def _wait_done(self, ids: list[str], deadline: float) -> None:
        from sqlalchemy import text

        while True:
            with self.engine.connect() as connection:
                pending = connection.execute(text(
                    "SELECT count(*) FROM recommendation_requests WHERE id = ANY(:ids) AND status = 'pending'"), {"ids": ids}).scalar_one()
            if pending == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{pending} requests still pending")
            time.sleep(0.02)

    def _burst(self, label: str, n: int) -> dict:
        from sqlalchemy import text

        ids = self._requests(n)
        sent = self._send(ids)
        self._wait_done(ids, time.monotonic() + 900)
        with self.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT id, status, extract(epoch FROM completed_at), latency_ms FROM recommendation_requests WHERE id = ANY(:ids)"),
                {"ids": ids}).all()
        sent_at = dict(zip(ids, sent["times"], strict=True))
        done = [r for r in rows if r[1] == "done"]
        completed = [float(r[2]) for r in done]
        latencies = [float(r[2]) - sent_at[r[0]] for r in done]
        worker_ms = [float(r[3]) for r in done if r[3] is not None]
        first_send, last_send = min(sent["times"]), max(sent["times"])
        elapsed = max(completed) - first_send
        result = {
            "label": label, "requests": n, "failed": n - len(done), "seconds": elapsed,
            "rps": len(done) / elapsed, "send_rps": n / max(last_send - first_send, 1e-9),
            "latency_median_ms": median(latencies) * 1000, "latency_p99_ms": percentile(latencies, 99) * 1000,
            "worker_median_ms": median(worker_ms), "worker_p99_ms": percentile(worker_ms, 99),
        }
        print(f"  {label:<28} {result['rps']:8.1f} req/s  ({n} in {elapsed:.2f} s, sent at {result['send_rps']:.0f}/s)  "
              f"latency median {result['latency_median_ms']:.0f} ms p99 {result['latency_p99_ms']:.0f} ms  "
              f"worker median {result['worker_median_ms']:.1f} ms  failed {result['failed']}", flush=True)
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="requests per configuration (default 1000)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="worker processes (default 1 2)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4], help="threads per worker process (default 1 2 4)")
    parser.add_argument("--omp", nargs="+", default=["default", "1"], help="OMP_NUM_THREADS of the workers: 'default' (unset) and/or a count")
    parser.add_argument("--original-requests", type=int, default=60, help="requests for the original-way baseline (default 60)")
    parser.add_argument("--original-threads", type=int, default=1, help="threads per process for the baseline (default 1)")
    parser.add_argument("--shoppers", type=int, default=150, help="shoppers with 3, 8 or 20 likes (default 150)")
    parser.add_argument("--artifacts", type=Path, default=serving.DEFAULT_ARTIFACTS,
                        help=f"folder of the trained H&M artifact; trained there when empty (default {serving.DEFAULT_ARTIFACTS})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (worker logs) for inspection")
    args = parser.parse_args()

    common.require_dataset(common.HM_PATH)
    print(f"bench_throughput · {common.machine_line()}")
    artifact = serving.ensure_hm_artifact(args.artifacts)
    workdir = Path(tempfile.mkdtemp(prefix="shoprec_bench_throughput_"))
    print(f"  artifact {artifact}; logs in {workdir}" + ("" if args.keep else " (removed at the end; --keep keeps them)"), flush=True)
    database_url = common.create_postgres_database("throughput")
    vhost, broker_url = serving.create_vhost("throughput")
    results = []
    run = None
    try:
        from shoprec_app import migrations

        migrations.upgrade(database_url)
        run = Run(args, workdir, database_url, broker_url, artifact)
        run.prepare()
        for processes in args.processes:
            results.append(run.measure("original", processes, args.original_threads, "default", args.original_requests))
        for omp in args.omp:
            for processes in args.processes:
                for threads in args.threads:
                    results.append(run.measure("current", processes, threads, omp, args.requests))
    finally:
        if run is not None:
            run.close()
        common.drop_postgres_database(database_url)
        serving.delete_vhost(vhost)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    report(results)
    return 0


def report(results: list[dict]) -> None:
    print(f"\nbench_throughput · {common.machine_line()}")
    originals = {r["processes"]: r for r in results if r["mode"] == "original"}
    rows = []
    for r in results:
        base = originals.get(r["processes"])
        rows.append((r["mode"], r["processes"], r["threads"], r["omp"], r["requests"], r["failed"], r["rps"],
                     r["rps"] / base["rps"] if base else float("nan"), r["send_rps"], r["latency_median_ms"], r["latency_p99_ms"],
                     r["worker_median_ms"], r["worker_p99_ms"]))
    print_table(["serving", "procs", "threads", "OMP", "requests", "failed", "req/s", "÷ original (same procs)", "sent/s",
                 "latency median ms", "latency p99 ms", "worker median ms", "worker p99 ms"], rows,
                "for_you requests in one burst, through RabbitMQ (latency = completed_at − send; mostly queueing in a burst)")
    current = [r for r in results if r["mode"] == "current"]
    if current:
        best = max(current, key=lambda r: r["rps"])
        verdict = "MET" if best["rps"] >= ASPIRATION_RPS else "NOT met"
        print(f"best: {best['processes']} process(es) × {best['threads']} thread(s), OMP {best['omp']}: {best['rps']:.0f} req/s "
              f"→ aim of {ASPIRATION_RPS:.0f} req/s {verdict} (2 cores shared by PostgreSQL, RabbitMQ, workers and the sender)")


if __name__ == "__main__":
    raise SystemExit(main())
