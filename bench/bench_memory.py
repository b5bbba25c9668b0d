#!/usr/bin/env python
"""Memory (RSS and PSS over the whole process tree) of the storefront in production mode.

Starts `.venv/bin/shoprec run --port <free port>` with SHOPREC_HOME in a temporary folder
(SQLite and the generated demo catalog, SHOPREC_ENV=production with a random secret),
waits until / and /healthz answer, measures the memory of the process tree (the shoprec
launcher, `reflex run`, the granian backend and every child) at idle, drives a little
HTTP load (GETs of /, /healthz and /media/... photos), measures again, then stops the
tree with Ctrl-C (SIGINT to its process group) and reports how long that took. Plain GETs
never reach Reflex's state handlers (a page talks to them over its websocket), so a few
shoppers in headless Chromium (Playwright, Debian's /usr/bin/chromium) then load the
catalog, search and open a product, and the tree is measured with them connected.

It starts the app twice on the same home: the first start builds the Reflex production
frontend (bun install + vite build: a production build exists only after a first run)
and imports the demo catalog; the second finds both already there.

By default the app runs from a copy of the committed project (`git archive HEAD`) in the
temporary folder, so the build does not touch the checkout's own `.web/` (which another
running app may be using) and the first start really is a first build. The build caches
(bun, its package cache, REFLEX_DIR) are the checkout's `.cache/` unless --cold-cache
asks for empty ones (then bun and every frontend package come from the npm registry).

RSS summed over processes counts shared pages once per process; PSS shares them out and
is the better figure for "how much memory does the shop take".

Load goes only to 127.0.0.1. Run:  .venv/bin/python bench/bench_memory.py [--requests 50]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import _common as common
from _common import median, print_table

try:
    import psutil
except ImportError:  # pragma: no cover - told to the user below
    psutil = None

MB = 1024 * 1024
READY_MARK = "ShopRec storefront starting"


def get(url: str, timeout: float = 10.0) -> tuple[int, float, int]:
    """Status, seconds and body size of one GET (status 0 when nothing answered)."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            return response.status, time.perf_counter() - start, len(body)
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - start, 0
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, time.perf_counter() - start, 0


def tree(pid: int) -> list:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def memory(pid: int) -> dict:
    """RSS and PSS summed over the live process tree, and one row per process."""
    rows, rss, pss = [], 0, 0
    for process in tree(pid):
        try:
            info = process.memory_full_info()
            cmd = " ".join(process.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        rows.append((process.pid, process.name(), cmd, info.rss / MB, getattr(info, "pss", info.rss) / MB))
    return {"rss": rss / MB, "pss": pss / MB, "processes": rows}


def sample_memory(pid: int, samples: int = 3, pause: float = 1.0) -> dict:
    """The median of a few readings, a second apart (the backend settles after start-up)."""
    readings = []
    for i in range(samples):
        if i:
            time.sleep(pause)
        readings.append(memory(pid))
    middle = sorted(readings, key=lambda r: r["pss"])[len(readings) // 2]
    return {"rss": median([r["rss"] for r in readings]), "pss": median([r["pss"] for r in readings]), "processes": middle["processes"]}


class App:
    """One `shoprec run` process tree, its output captured with the time of each line."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.started = time.perf_counter()
        self.marks: dict[str, float] = {}
        self.log = log.open("a", buffering=1)
        self.log.write(f"\n===== {' '.join(command)} (cwd {cwd})\n")
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            elapsed = time.perf_counter() - self.started
            self.log.write(f"[{elapsed:7.2f}] {line}")
            if READY_MARK in line:
                self.marks.setdefault("reflex_started", elapsed)

    def wait_ready(self, base: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"shoprec run exited with {self.process.returncode}; see {self.log.name}")
            if get(base + "/healthz", timeout=2)[0] == 200 and get(base + "/", timeout=5)[0] == 200:
                return time.perf_counter() - self.started
            time.sleep(0.25)
        raise TimeoutError(f"no answer from {base} after {timeout:.0f} s; see {self.log.name}")

    def stop(self, timeout: float = 30.0) -> tuple[float, str]:
        """Ctrl-C to the whole process group (ours: started with a new session); seconds and how."""
        pgid = self.process.pid  # start_new_session: the group id is the launcher's pid
        members = tree(self.process.pid)
        start = time.perf_counter()
        how = "SIGINT"
        try:
            os.killpg(pgid, signal.SIGINT)
        except ProcessLookupError:
            pass
        _gone, alive = psutil.wait_procs(members, timeout=timeout)
        if alive:
            how = f"SIGINT, then SIGKILL to {len(alive)} left after {timeout:.0f} s"
            for process in alive:
                try:
                    process.kill()
                except psutil.NoSuchProcess:
                    pass
            psutil.wait_procs(alive, timeout=10)
        self.process.wait(timeout=10)
        self.reader.join(timeout=5)
        self.log.close()
        return time.perf_counter() - start, how


def drive_load(base: str, media: list[str], requests: int) -> dict[str, list[float]]:
    """`requests` GETs of each kind of URL, one after another; seconds of each, by kind."""
    latencies: dict[str, list[float]] = {"/": [], "/healthz": [], "/media/…": []}
    failures = 0
    for i in range(requests):
        for kind, url in (("/", "/"), ("/healthz", "/healthz"), ("/media/…", f"/media/{media[i % len(media)]}" if media else "/media/none")):
            status, seconds, _size = get(base + url)
            if status != 200:
                failures += 1
            latencies[kind].append(seconds)
    if failures:
        print(f"  warning: {failures} requests did not answer 200", flush=True)
    return latencies


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
BROWSER_SEARCHES = ["dress", "jeans", "hoodie", "red", "sweater", "black", "skirt", "navy"]


def browser_load(base: str, sessions: int, pid: int) -> dict:
    """Shoppers in real Chromium: each a new browser context (its own Reflex state) loads the
    catalog over the websocket, searches, opens a product. Memory is read while all of them
    are still connected, then again after they have closed."""
    from playwright.sync_api import sync_playwright

    seconds: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = []
        try:
            for i in range(sessions):
                context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
                context.set_default_timeout(30_000)
                contexts.append(context)
                page = context.new_page()
                start = time.perf_counter()
                page.goto("/")
                page.get_by_test_id("product-card").first.wait_for()
                word = BROWSER_SEARCHES[i % len(BROWSER_SEARCHES)]
                page.get_by_label("Search products").fill(word)
                page.get_by_label("Search products").press("Enter")
                page.get_by_test_id("results-heading").filter(has_text=word).wait_for()
                page.get_by_test_id("product-card").first.click()
                page.wait_for_url("**/product/**")
                seconds.append(time.perf_counter() - start)
            time.sleep(2)
            connected = sample_memory(pid)
        finally:
            for context in contexts:
                context.close()
            browser.close()
    time.sleep(3)
    return {"seconds": seconds, "connected": connected, "closed": sample_memory(pid)}


def environment(project: Path, home: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("SHOPREC_DATABASE_URL", "REFLEX_DB_URL", "SHOPREC_DATASET", "SHOPREC_DATASET_FORMAT", "SHOPREC_REDIS_URL", "SHOPREC_BROKER_URL", "REFLEX_DIR"):
        env.pop(name, None)
    env.update(
        SHOPREC_HOME=str(home),
        SHOPREC_ENV="production",
        SHOPREC_JWT_SECRET=secrets.token_urlsafe(48),
        SHOPREC_BUILD_CACHE=str(cache),
        # The copy's packages come first (the editable install points at the checkout).
        PYTHONPATH=str(project) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        PYTHONUNBUFFERED="1",
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50, help="GETs of each of /, /healthz and a photo (default 50)")
    parser.add_argument("--starts", type=int, default=2, help="starts on the same home: 1st builds, later ones reuse (default 2)")
    parser.add_argument(
        "--browser-sessions", type=int, default=10,
        help="shoppers in headless Chromium (catalog, search, product page) after the HTTP load; 0 to skip (default 10)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the app to answer (default 900)")
    parser.add_argument("--cold-cache", action="store_true", help="empty build caches: bun and frontend packages from the npm registry")
    parser.add_argument("--in-place", action="store_true", help="run from the checkout itself (rebuilds its .web/; not while another app runs from it)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, home) for inspection")
    args = parser.parse_args()
    if args.browser_sessions and not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium, or pass --browser-sessions 0")
    if psutil is None:
        sys.exit("psutil is needed: .venv/bin/pip install psutil (it is in the dev extras)")
    shoprec = common.REPO_ROOT / ".venv" / "bin" / "shoprec"
    if not shoprec.exists():
        shoprec = Path(sys.executable).with_name("shoprec")

    print(f"bench_memory · {common.machine_line()}")
    if not args.in_place:
        print("  runs a copy of the committed HEAD (git archive): uncommitted files are not measured")
    workdir = Path(tempfile.mkdtemp(prefix="shoprec_bench_memory_"))
    log = workdir / "app.log"
    runs = []
    try:
        project = common.prepare_project(workdir, args.in_place)
        cache = workdir / "cache" if args.cold_cache else common.REPO_ROOT / ".cache"
        home = workdir / "home"
        env = environment(project, home, cache)
        for start_number in range(1, args.starts + 1):
            port = common.free_port()
            base = f"http://127.0.0.1:{port}"
            web_built = (project / ".web" / "build").exists()
            print(f"  start {start_number}: port {port}, {'existing' if web_built else 'no'} frontend build, log {log}", flush=True)
            app = App([str(shoprec), "run", "--port", str(port)], project, env, log)
            try:
                ready = app.wait_ready(base, args.timeout)
                print(f"  start {start_number}: answering after {ready:.1f} s", flush=True)
                time.sleep(5)  # let start-up work (imports, first requests) settle
                idle = sample_memory(app.process.pid)
                photos = sorted(str(p.relative_to(home / "media")) for p in (home / "media" / "products").glob("*"))
                load_start = time.perf_counter()
                latencies = drive_load(base, photos, args.requests)
                load_seconds = time.perf_counter() - load_start
                time.sleep(2)
                loaded = sample_memory(app.process.pid)
                browsing = browser_load(base, args.browser_sessions, app.process.pid) if args.browser_sessions else None
            finally:
                stop_seconds, how = app.stop()
            print(f"  start {start_number}: stopped in {stop_seconds:.1f} s ({how})", flush=True)
            runs.append(
                {
                    "start": start_number,
                    "built_before": web_built,
                    "ready": ready,
                    "before_reflex": app.marks.get("reflex_started", float("nan")),
                    "idle": idle,
                    "loaded": loaded,
                    "browsing": browsing,
                    "latencies": latencies,
                    "load_seconds": load_seconds,
                    "stop": stop_seconds,
                    "how": how,
                }
            )
    finally:
        if args.keep:
            print(f"  kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print_table(
        ["start", "frontend build before", "ready s", "migrate+catalog s", "reflex build+boot s", "processes", "RSS idle MB", "RSS after load MB", "PSS idle MB", "PSS after load MB", "stop s"],
        [
            [
                r["start"],
                "yes" if r["built_before"] else "no",
                r["ready"],
                r["before_reflex"],
                r["ready"] - r["before_reflex"],
                len(r["loaded"]["processes"]),
                r["idle"]["rss"],
                r["loaded"]["rss"],
                r["idle"]["pss"],
                r["loaded"]["pss"],
                r["stop"],
            ]
            for r in runs
        ],
        title=f"shoprec run (production, SQLite, demo catalog), memory summed over the process tree; "
        f"{'cold' if args.cold_cache else 'warm'} build caches",
    )
    if any(r["browsing"] for r in runs):
        print_table(
            ["start", "browser sessions", "median s per shopper", "RSS connected MB", "PSS connected MB", "RSS after close MB", "PSS after close MB"],
            [
                [
                    r["start"],
                    len(r["browsing"]["seconds"]),
                    median(r["browsing"]["seconds"]),
                    r["browsing"]["connected"]["rss"],
                    r["browsing"]["connected"]["pss"],
                    r["browsing"]["closed"]["rss"],
                    r["browsing"]["closed"]["pss"],
                ]
                for r in runs
                if r["browsing"]
            ],
            title="After the HTTP load: shoppers in headless Chromium (load catalog, search, open a product); app tree only",
        )
    last = runs[-1]
    print_table(
        ["pid", "process", "RSS MB", "PSS MB", "command"],
        [[pid, name, rss, pss, cmd[:90]] for pid, name, cmd, rss, pss in last["loaded"]["processes"]],
        title=f"Process tree after load (start {last['start']})",
    )
    print_table(
        ["start", "URL", "requests", "median ms", "max ms"],
        [
            [r["start"], kind, len(values), median(values) * 1000, max(values) * 1000]
            for r in runs
            for kind, values in r["latencies"].items()
        ],
        title="Latency of the load (sequential GETs from this script, loopback)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
