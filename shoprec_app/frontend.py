"""Running the Reflex storefront: bun from the npm registry, then `reflex run` in prod mode.

`reflex init` would download bun from the internet, which a shop's server may not reach;
the npm registry's `bun` package carries the same binary, so we install that one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BUN_VERSION = "1.4.5"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    return Path(os.environ.get("SHOPREC_BUILD_CACHE") or PROJECT_ROOT / ".cache")


def ensure_bun() -> Path:
    """The bin folder holding bun, installing it from the npm registry when missing."""
    prefix = cache_dir() / "bun"
    binary = prefix / "bin" / "bun"
    if binary.exists():
        return binary.parent
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install bun for the storefront build: install Node.js (20 or newer)")
    print(f"Installing bun {BUN_VERSION} from the npm registry into {prefix} ...", flush=True)
    subprocess.run([npm, "install", "-g", "--prefix", str(prefix), f"bun@{BUN_VERSION}"], check=True)
    return binary.parent


def reflex_environment() -> dict[str, str]:
    bun_bin = ensure_bun()
    env = dict(os.environ)
    env["PATH"] = f"{bun_bin}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    env.setdefault("REFLEX_DIR", str(cache_dir() / "reflex"))
    env.setdefault("BUN_INSTALL_CACHE_DIR", str(cache_dir() / "bun-cache"))
    return env


def reflex_command(host: str, port: int) -> list[str]:
    return [
        str(Path(sys.executable).with_name("reflex")),
        "run",
        "--env",
        "prod",
        "--single-port",
        "--frontend-port",
        str(port),
        "--backend-host",
        host,
    ]


def run_storefront(host: str, port: int) -> None:
    """Replace this process with the storefront server (it needs nothing more from us)."""
    env = reflex_environment()
    env.setdefault("REFLEX_API_URL", f"http://{'localhost' if host in {'0.0.0.0', '127.0.0.1'} else host}:{port}")
    command = reflex_command(host, port)
    os.chdir(PROJECT_ROOT)
    os.execve(command[0], command, env)
