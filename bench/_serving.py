"""Helpers shared by the live-recommendation benchmarks: the trained H&M artifact, the
original project's way of serving (parse every vector from JSON, rebuild the index, on every
request), shoppers with likes, and the RabbitMQ vhost / worker processes of a run.

Nothing here is imported by the app; `bench/original_worker.py` uses `OriginalStore` to make a
real `dramatiq` worker serve the original way for the throughput comparison.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common as common

CACHE = Path(os.environ.get("SHOPREC_BENCH_CACHE", Path.home() / ".cache" / "shoprec" / "bench"))
DEFAULT_ARTIFACTS = CACHE / "hm-artifacts"
VENV_BIN = common.REPO_ROOT / ".venv" / "bin"
RABBITMQ_URL = os.environ.get("SHOPREC_BENCH_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/{vhost}")


# --------------------------------------------------------------------------- the trained artifact


def ensure_hm_artifact(artifacts: Path) -> Path:
    """The newest artifact version under `artifacts`; trains one on H&M first when there is none
    (`shoprec train`, ~2-5 minutes with a warm embedding cache, once per machine)."""
    from ml.artifacts import ArtifactError, find_artifact_folder

    try:
        return find_artifact_folder(artifacts)
    except ArtifactError:
        pass
    common.require_dataset(common.HM_PATH)
    print(f"  no trained H&M artifact in {artifacts}: training one (shoprec train, a few minutes)…", flush=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    log = artifacts / "train.log"
    with log.open("w") as output:
        subprocess.run(
            [str(VENV_BIN / "shoprec"), "train", "--data", str(common.HM_PATH), "--format", "hm", "--out", str(artifacts)],
            cwd=common.REPO_ROOT, stdout=output, stderr=subprocess.STDOUT, check=True,
        )
    return find_artifact_folder(artifacts)


# --------------------------------------------------------------------------- the original's way


def vectors_as_json(vectors) -> str:  # noqa: ANN001
    """Item vectors as the original kept them: a JSON list of lists of floats."""
    return json.dumps(vectors.round(6).tolist())


def original_index(model, vectors_json: str):  # noqa: ANN001
    """A CatalogIndex built as the original did on every request: parse all item vectors from
    JSON text and build a new exact FAISS index over them. Search by meaning did not exist in
    the original, so no text index is built (which flatters the baseline slightly)."""
    import numpy as np

    from ml.index import build_index
    from ml.serving import CatalogIndex

    vectors = np.asarray(json.loads(vectors_json), dtype=np.float32)
    return CatalogIndex(dataclasses.replace(model, item_vectors=vectors, index=build_index(vectors, "exact"), text_vectors=None))


class OriginalStore:
    """Stands in for actors.model_store.ModelStore: the model is loaded once (its user tower and
    the JSON text of the vectors), but every `current()` rebuilds the index from the JSON."""

    def __init__(self, artifacts: Path) -> None:
        from ml.artifacts import load_artifact

        self.model = load_artifact(artifacts)
        self.vectors_json = vectors_as_json(self.model.item_vectors)

    def current(self, _session):  # noqa: ANN001
        return original_index(self.model, self.vectors_json)


# --------------------------------------------------------------------------- shop data


def import_hm(database_url: str, media_dir: Path) -> None:
    from sqlmodel import Session, create_engine

    from shoprec_app.services.importer import import_path

    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            import_path(session, common.HM_PATH, "hm", media_dir, progress=False)
            session.commit()
    finally:
        engine.dispose()


def add_shoppers(engine, likes_per_shopper: int, count: int, external_ids: list[str], seed: int) -> list[int]:  # noqa: ANN001
    """`count` shoppers, each liking `likes_per_shopper` distinct products of `external_ids`
    (one like a minute apart, oldest first). Returns their user ids."""
    from sqlalchemy import text

    rng = random.Random(seed)
    users = []
    with engine.begin() as connection:
        product_ids = dict(connection.execute(
            text("SELECT external_id, id FROM products WHERE external_id = ANY(:ids)"), {"ids": external_ids}).all())
        pool = [product_ids[e] for e in external_ids if e in product_ids]
        start = datetime.now(UTC) - timedelta(days=1)
        for _ in range(count):
            user_id = connection.execute(text(
                "INSERT INTO users (email, password_hash, created_at) VALUES (:email, 'bench-not-a-hash', now()) RETURNING id"
            ), {"email": f"bench-{uuid.uuid4().hex[:12]}@example.com"}).scalar_one()
            liked = rng.sample(pool, likes_per_shopper)
            connection.execute(
                text("INSERT INTO likes (user_id, product_id, created_at) VALUES (:u, :p, :t)"),
                [{"u": user_id, "p": p, "t": start + timedelta(minutes=n)} for n, p in enumerate(liked)],
            )
            users.append(user_id)
    return users


def insert_requests(engine, kind: str, user_ids: list[int]) -> list[str]:  # noqa: ANN001
    """Pending request rows, one per user id (repeat ids for several requests of one shopper)."""
    from sqlalchemy import text

    ids = [str(uuid.uuid4()) for _ in user_ids]
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO recommendation_requests (id, kind, user_id, query, client_token, status, requested_at, model_version, items, error)"
            " VALUES (:id, :kind, :user, '', '', 'pending', now(), '', '[]', '')"
        ), [{"id": i, "kind": kind, "user": u} for i, u in zip(ids, user_ids, strict=True)])
    return ids


# --------------------------------------------------------------------------- RabbitMQ and processes


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def create_vhost(label: str) -> tuple[str, str]:
    """A vhost of the run's own (name, AMQP URL); delete it with delete_vhost."""
    vhost = f"shoprec_bench_{label}_{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    return vhost, RABBITMQ_URL.format(vhost=vhost)


def delete_vhost(vhost: str) -> None:
    assert vhost.startswith("shoprec_bench_"), vhost
    rabbitmqctl("delete_vhost", vhost)


def start_process(command: list[str], env: dict, log: Path, cwd: Path = common.REPO_ROOT) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (dramatiq forks its worker processes), SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def worker_command(threads: int, module: str = "actors.worker") -> list[str]:
    command = [str(VENV_BIN / "dramatiq"), module, "--processes", "1", "--threads", str(threads),
               "--queues", "recommendations", "catalog"]
    if module != "actors.worker":
        command += ["--path", str(common.REPO_ROOT), str(Path(__file__).resolve().parent)]
    return command


def python() -> str:
    return str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
