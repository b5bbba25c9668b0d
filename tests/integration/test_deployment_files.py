"""The docker compose deployment, checked without a Docker engine.

Debian's docker-compose 1.29 validates and resolves docker-compose.yml (interpolation, anchors,
paths); the checks below read that resolved file. Each check is a function that returns the
problems it finds, so every one is also run on a deliberately broken copy to prove it can fail.
What needs an engine (building the image, starting the services) is not checked here.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import IN_CI, REPO_ROOT

pytestmark = pytest.mark.integration

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
NGINX_CONF = REPO_ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
IMAGE_WORKDIR = "/app"  # the Dockerfile copies the project here
SECRET_SENTINEL = "secret-from-the-environment-" + "s" * 20
# Data that must outlive containers: service -> mount point inside it.
PERSISTENT_MOUNTS = {
    "postgres": "/var/lib/postgresql/data",
    "rabbitmq": "/var/lib/rabbitmq",
    "model": "/data/artifacts",
    "worker": "/data/artifacts",
    "app": "/data/shop",
}


def docker_compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        message = "docker-compose is not installed (./shop test installs Debian's docker-compose)"
        if IN_CI:
            pytest.fail(f"required under CI: {message}")
        pytest.skip(message)
    return binary


def write_env_file(folder: Path, drop: str | None = None) -> Path:
    """.env.example with the secret filled in and the catalog folder pointing at a real folder."""
    catalog = folder / "catalog"
    catalog.mkdir(exist_ok=True)
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        name = line.split("=", 1)[0]
        if name == drop:
            continue
        if name == "SHOPREC_JWT_SECRET":
            line = f"SHOPREC_JWT_SECRET={SECRET_SENTINEL}"
        elif name == "SHOPREC_CATALOG_DIR":
            line = f"SHOPREC_CATALOG_DIR={catalog}"
        lines.append(line)
    env_file = folder / "compose.env"
    env_file.write_text("\n".join(lines) + "\n")
    return env_file


def run_compose(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    # A bare environment: nothing from the developer's shell may fill in a variable.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [docker_compose(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """docker-compose.yml as Compose resolves it, with .env.example's values."""
    result = run_compose(write_env_file(tmp_path_factory.mktemp("compose")), "config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


# --- the checks -------------------------------------------------------------------------------


def _mounts(service: dict) -> list[tuple[str, str, str]]:
    """(type, source, target) of each volume of a service, short or long syntax."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts.append((volume["type"], str(volume.get("source", "")), volume["target"]))
            continue
        source, target = volume.split(":")[:2]
        kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
        mounts.append((kind, source, target))
    return mounts


def _in_image_paths(service: dict) -> list[str]:
    words = []
    for part in (service.get("command"), service.get("entrypoint"), service.get("healthcheck", {}).get("test")):
        words += part if isinstance(part, list) else str(part or "").split()
    return [word for word in words if word.startswith(IMAGE_WORKDIR + "/")]


def missing_files(config: dict) -> list[str]:
    """Build contexts, Dockerfiles, bind-mounted files, env files and scripts run inside the image."""
    problems = []
    for name, service in config["services"].items():
        build = service.get("build")
        if build:
            context = Path(build["context"] if isinstance(build, dict) else build)
            dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
            if not context.is_dir():
                problems.append(f"{name}: build context {context} is missing")
            if not dockerfile.is_file():
                problems.append(f"{name}: {dockerfile} is missing")
        for kind, source, target in _mounts(service):
            if kind == "bind" and not Path(source).exists():
                problems.append(f"{name}: {source} (mounted at {target}) is missing")
        env_files = service.get("env_file", [])
        for env_file in [env_files] if isinstance(env_files, str) else env_files:
            if not Path(env_file).exists():
                problems.append(f"{name}: env file {env_file} is missing")
        for path in _in_image_paths(service):
            if not (REPO_ROOT / path.removeprefix(IMAGE_WORKDIR + "/")).is_file():
                problems.append(f"{name}: runs {path}, which the repository does not have")
    return problems


def scaling_problems(config: dict, service: str = "worker") -> list[str]:
    worker = config["services"][service]
    problems = []
    if "container_name" in worker:
        problems.append(f"{service} has container_name {worker['container_name']!r}: two replicas cannot share it")
    for port in worker.get("ports", []):
        published = port.get("published") if isinstance(port, dict) else (str(port).split(":")[-2] if ":" in str(port) else None)
        if published:
            problems.append(f"{service} publishes host port {published}: a second replica could not bind it")
    return problems


def unwatched_services(config: dict) -> list[str]:
    """Services with neither a health check nor a one-shot job's completion condition."""
    completed = {
        dependency
        for service in config["services"].values()
        for dependency, rule in (service.get("depends_on") or {}).items()
        if isinstance(rule, dict) and rule.get("condition") == "service_completed_successfully"
    }
    problems = []
    for name, service in config["services"].items():
        healthcheck = service.get("healthcheck") or {}
        if healthcheck.get("test") and not healthcheck.get("disable"):
            continue
        if name in completed and service.get("restart", "no") in {"no", '"no"'}:
            continue
        problems.append(f"{name} has no health check and is not a one-shot job others wait for")
    return problems


def app_problems(config: dict, raw: dict) -> list[str]:
    environment = config["services"]["app"].get("environment", {})
    raw_secret = str(raw["services"]["app"].get("environment", {}).get("SHOPREC_JWT_SECRET", ""))
    problems = []
    if environment.get("SHOPREC_ENV") != "production":
        problems.append(f"app runs with SHOPREC_ENV={environment.get('SHOPREC_ENV')!r}, not production")
    if environment.get("SHOPREC_JWT_SECRET") != SECRET_SENTINEL:
        problems.append("app's SHOPREC_JWT_SECRET is not the one the environment gave")
    if not raw_secret.startswith("${SHOPREC_JWT_SECRET:?"):
        problems.append(f"app's SHOPREC_JWT_SECRET is {raw_secret!r}: use ${{SHOPREC_JWT_SECRET:?...}} so Compose refuses to start without it")
    return problems


def volume_problems(config: dict) -> list[str]:
    declared = set(config.get("volumes") or {})
    problems = []
    for name, target in PERSISTENT_MOUNTS.items():
        sources = [source for kind, source, mounted_at in _mounts(config["services"][name]) if mounted_at == target]
        if not sources or sources[0] not in declared:
            problems.append(f"{name}: {target} is not on a named volume")
    artifacts = {source for name in ("model", "worker") for kind, source, target in _mounts(config["services"][name]) if target == "/data/artifacts"}
    if len(artifacts) != 1:
        problems.append(f"model and worker must share one artifacts volume, not {sorted(artifacts)}")
    return problems


# --- nginx ------------------------------------------------------------------------------------


def parse_nginx(text: str) -> list:
    """nginx configuration as a tree of (directive, [args], children or None)."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[{};]|[^\s{};]+', re.sub(r"(^|\s)#.*", " ", text))
    stack: list[list] = [[]]
    words: list[str] = []
    for token in tokens:
        if token == ";":
            stack[-1].append((words[0], words[1:], None))
            words = []
        elif token == "{":
            block: list = []
            stack[-1].append((words[0], words[1:], block))
            stack.append(block)
            words = []
        elif token == "}":
            stack.pop()
        else:
            words.append(token.strip("\"'"))
    assert len(stack) == 1 and not words, "unbalanced braces or a directive without ';'"
    return stack[0]


def _walk(tree: list):
    for directive, args, children in tree:
        yield directive, args, children
        if children:
            yield from _walk(children)


def _seconds(value: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


def websocket_problems(text: str, path: str = "/_event") -> list[str]:
    tree = parse_nginx(text)
    blocks = [children for directive, args, children in _walk(tree) if directive == "location" and args[-1] == path]
    if not blocks:
        return [f"no location {path}"]
    block = blocks[0]
    values = {}
    for directive, args, _ in block:
        values.setdefault(directive, []).append(args)
    headers = {args[0].lower(): args[1] for args in values.get("proxy_set_header", [])}
    problems = []
    if not values.get("proxy_pass"):
        problems.append(f"location {path} proxies nowhere")
    if ["1.1"] not in values.get("proxy_http_version", []):
        problems.append(f"location {path} lacks proxy_http_version 1.1 (websockets need it)")
    if headers.get("upgrade") != "$http_upgrade":
        problems.append(f"location {path} does not pass the Upgrade header")
    connection = headers.get("connection")
    maps = [args for directive, args, _ in _walk(tree) if directive == "map"]
    if connection not in {"upgrade", "Upgrade"} and not any(args[-1:] == [connection] and args[0] == "$http_upgrade" for args in maps):
        problems.append(f"location {path} does not set Connection to upgrade")
    timeout = values.get("proxy_read_timeout", [["60s"]])[0][0]
    if _seconds(timeout) < 300:
        problems.append(f"location {path} closes idle sockets after {timeout}")
    return problems


# --- the tests --------------------------------------------------------------------------------


def test_compose_file_is_valid(tmp_path: Path) -> None:
    result = run_compose(write_env_file(tmp_path), "config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_the_jwt_secret(tmp_path: Path) -> None:
    result = run_compose(write_env_file(tmp_path, drop="SHOPREC_JWT_SECRET"), "config", "-q")
    assert result.returncode != 0
    assert "set SHOPREC_JWT_SECRET" in result.stderr


def test_every_referenced_file_exists(config: dict) -> None:
    assert missing_files(config) == []
    broken = copy.deepcopy(config)
    broken["services"]["nginx"]["volumes"].append(f"{REPO_ROOT}/deploy/missing.conf:/etc/nginx/x.conf:ro")
    broken["services"]["app"]["build"]["dockerfile"] = "Dockerfile.missing"
    broken["services"]["worker"]["healthcheck"]["test"] = ["CMD", "python", "/app/deploy/missing.py"]
    assert len(missing_files(broken)) == 3


def test_dockerfile_runs_only_files_it_copies() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    ignored = {line.strip().strip("/") for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()}
    for script in re.findall(r"RUN python (\S+\.py)", dockerfile):
        assert (REPO_ROOT / script).is_file(), script
        assert script.split("/")[0] not in ignored, f"{script} is excluded from the build context"


def test_workers_scale(config: dict) -> None:
    assert scaling_problems(config) == []
    broken = copy.deepcopy(config)
    broken["services"]["worker"]["container_name"] = "worker"
    broken["services"]["worker"]["ports"] = ["9191:9191"]
    assert len(scaling_problems(broken)) == 2


def test_every_service_is_watched(config: dict) -> None:
    assert unwatched_services(config) == []
    broken = copy.deepcopy(config)
    del broken["services"]["redis"]["healthcheck"]
    broken["services"]["model"]["restart"] = "unless-stopped"  # no longer a one-shot job
    assert sorted(problem.split()[0] for problem in unwatched_services(broken)) == ["model", "redis"]


def test_app_runs_in_production_with_the_secret_from_the_environment(config: dict) -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    assert app_problems(config, raw) == []
    broken, broken_raw = copy.deepcopy(config), copy.deepcopy(raw)
    broken["services"]["app"]["environment"]["SHOPREC_ENV"] = "development"
    broken_raw["services"]["app"]["environment"]["SHOPREC_JWT_SECRET"] = "hard-coded"
    assert len(app_problems(broken, broken_raw)) == 2


def test_data_lives_on_named_volumes(config: dict) -> None:
    assert volume_problems(config) == []
    broken = copy.deepcopy(config)
    broken["services"]["postgres"]["volumes"] = ["/srv/pg:/var/lib/postgresql/data:rw"]
    broken["services"]["worker"]["volumes"] = [v.replace("artifacts:/data", "other:/data") if isinstance(v, str) else v for v in broken["services"]["worker"]["volumes"]]
    assert len(volume_problems(broken)) == 3  # postgres, worker's undeclared volume, not shared


def test_nginx_upgrades_the_event_socket() -> None:
    text = NGINX_CONF.read_text()
    assert websocket_problems(text) == []
    without_upgrade = re.sub(r"proxy_set_header Upgrade[^;]*;", "", text)
    assert websocket_problems(without_upgrade) == ["location /_event does not pass the Upgrade header"]
    short_timeout = re.sub(r"(location /_event \{)", r"\1 proxy_read_timeout 60s;", text)
    assert websocket_problems(short_timeout) == ["location /_event closes idle sockets after 60s"]
    assert websocket_problems(text.replace("location /_event", "location /_socket")) == ["no location /_event"]


def test_browsers_reach_the_event_socket_through_nginx(config: dict) -> None:
    """The bundle's API URL must carry the port nginx is published on, or the socket misses it."""
    api_url = config["services"]["app"]["environment"]["REFLEX_API_URL"]
    published = {str(port["published"]) if isinstance(port, dict) else str(port).split(":")[-2] for port in config["services"]["nginx"]["ports"]}
    assert api_url.rsplit(":", 1)[-1].rstrip("/") in published
    mounted = {target: source for kind, source, target in _mounts(config["services"]["nginx"])}
    assert Path(mounted["/etc/nginx/conf.d/default.conf"]) == NGINX_CONF
