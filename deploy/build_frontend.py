"""Build the storefront's frontend into the image, so a container's start does not install it.

Runs `reflex export --frontend-only` with the same bun (from the npm registry) and cache folders
that `shoprec run` uses. What stays in the image is `.web/` with its node_modules: at start,
`reflex run --env prod` still compiles the pages and runs the bundler (it bakes the public
API URL into the bundle), but it no longer downloads any package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from shoprec_app.frontend import PROJECT_ROOT, cache_dir, reflex_environment


def main() -> int:
    env = reflex_environment()
    reflex = str(Path(sys.executable).with_name("reflex"))
    subprocess.run([reflex, "export", "--frontend-only", "--no-zip"], cwd=PROJECT_ROOT, env=env, check=True)
    # bun's download cache is only needed to install packages again; node_modules stays.
    shutil.rmtree(cache_dir() / "bun-cache", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
