"""Recommendations through real processes when things go wrong: a worker killed mid-request,
RabbitMQ restarted or down, malformed messages, products deleted while a request is in flight.

Everything runs against a RabbitMQ node of the test's own (never the machine's shared broker)
and a fresh PostgreSQL database. `actors` is never imported here: its broker is chosen at
import time and other tests import it with the StubBroker. Workers are the `dramatiq` CLI,
the web backend is a Python subprocess calling `request_recommendations`, and the test
watches through SQL and pika. The only instrument is a trigger in the throwaway database
that records every committed change of a request row, so "stored once" is counted rather
than inferred.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pika
import pika.exceptions
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from shoprec_app.models import Product, RecommendationRequest, User
from shoprec_app.services import recommendations
from tests.conftest import REPO_ROOT, require

pytestmark = pytest.mark.integration

VENV_BIN = Path(sys.executable).parent
# The Debian wrapper in /usr/sbin re-runs itself as the rabbitmq user, who cannot write our
# temporary folders; the script it wraps runs as whoever calls it.
RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
UNAVAILABLE = recommendations.UNAVAILABLE
DEADLINE = 60.0  # seconds; generous, since a deadline only matters when something is broken


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], object], what: str, timeout: float = DEADLINE, every: float = 0.2,
             explain: Callable[[], str] = lambda: "") -> object:
    """Poll until `check` returns something truthy; fail with `what` (and `explain`) otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{explain()}")
        time.sleep(every)


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path} missing)"
    return f"--- {path.name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


class RabbitNode:
    """A RabbitMQ node of the test's own: own name, ports, data and logs; restartable in place."""

    def __init__(self, base: Path) -> None:
        self.name = f"shoprec-test-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.base = base
        self.log = base / "server.log"
        self.process: subprocess.Popen | None = None
        home, conf = base / "home", base / "conf"
        for folder in (home, conf, base / "mnesia", base / "log"):
            folder.mkdir(parents=True, exist_ok=True)
        (conf / "enabled_plugins").write_text("[].\n")  # no management plugin: no port to clash over
        (conf / "rabbitmq-env.conf").write_text("")  # ignore the machine's /etc/rabbitmq/rabbitmq-env.conf
        (conf / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        self.env = {
            **os.environ,
            "HOME": str(home),  # the Erlang cookie is created there, readable by this user only
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(conf / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(conf / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(conf / "rabbitmq.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def connect(self) -> pika.BlockingConnection:
        return pika.BlockingConnection(pika.URLParameters(self.url + "?connection_attempts=1&socket_timeout=5"))

    def accepts_amqp(self) -> bool:
        try:
            self.connect().close()
            return True
        except pika.exceptions.AMQPError:
            return False

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [str(RABBITMQ_BIN / "rabbitmq-server")], env=self.env, cwd=self.base,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for(lambda: self.process.poll() is not None or self.accepts_amqp(), "RabbitMQ to accept connections",
                 explain=lambda: tail(self.log))
        assert self.process.poll() is None, f"RabbitMQ exited with {self.process.returncode}\n{tail(self.log)}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.name, "stop"], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            kill_group(self.process, signal.SIGTERM)
        self.process = None

    def restart(self) -> None:
        """Stop, then start on the same port and data: durable queues and persistent messages survive."""
        self.stop()
        self.start()

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()


class Queues:
    """Reading and writing the node's queues with pika, as an operator would."""

    def __init__(self, node: RabbitNode) -> None:
        self.node = node

    def _each_queue(self, names: list[str], action: Callable) -> list:
        """Run `action(channel, name)` per queue; a queue that does not exist yet gives None."""
        results = []
        connection = self.node.connect()
        try:
            for name in names:
                channel = connection.channel()
                try:
                    results.append(action(channel, name))
                except pika.exceptions.ChannelClosedByBroker as error:
                    if error.reply_code != 404:
                        raise
                    results.append(None)
                else:
                    channel.close()
        finally:
            connection.close()
        return results

    def exists(self, name: str) -> bool:
        return self._each_queue([name], lambda ch, n: ch.queue_declare(n, passive=True))[0] is not None

    def count(self, name: str) -> int:
        result = self._each_queue([name], lambda ch, n: ch.queue_declare(n, passive=True))[0]
        return 0 if result is None else result.method.message_count

    def purge(self, *names: str) -> None:
        self._each_queue(list(names), lambda ch, n: ch.queue_purge(n))

    def take_all(self, name: str) -> list[dict]:
        """Every message now in the queue, removed from it, as dramatiq's decoded JSON."""

        def drain(channel, queue_name):
            taken = []
            while True:
                method, _properties, body = channel.basic_get(queue_name, auto_ack=True)
                if method is None:
                    return taken
                taken.append(json.loads(body))

        return self._each_queue([name], drain)[0] or []

    def publish(self, queue_name: str, actor_name: str, args: list) -> str:
        """A message in dramatiq's own JSON format, as a foreign or buggy sender would put it."""
        message_id = str(uuid.uuid4())
        body = {
            "queue_name": queue_name, "actor_name": actor_name, "args": args, "kwargs": {}, "options": {},
            "message_id": message_id, "message_timestamp": int(time.time() * 1000),
        }

        def send(channel, name):
            channel.confirm_delivery()
            channel.basic_publish("", name, json.dumps(body).encode(), pika.BasicProperties(delivery_mode=2),
                                  mandatory=True)
            return True

        assert self._each_queue([queue_name], send)[0], f"queue {queue_name} does not exist"
        return message_id


class Replies:
    """The replies queue as the web backends would consume it: `deliver(request_id)` messages."""

    def __init__(self, queues: Queues) -> None:
        self.queues = queues
        self.seen: list[dict] = []

    def collect(self) -> None:
        self.seen += self.queues.take_all("replies")

    def for_request(self, request_id: str) -> list[dict]:
        self.collect()
        return [m for m in self.seen if m["actor_name"] == "deliver" and m["args"] == [request_id]]

    def wait_for_reply(self, request_id: str, explain: Callable[[], str]) -> list[dict]:
        return wait_for(lambda: self.for_request(request_id), f"a deliver reply for {request_id}", explain=explain)


class Processes:
    """Workers and web backends of one test, each in its own process group, killed at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started: list[subprocess.Popen] = []
        self.log_files: list[Path] = []

    def _popen(self, args: list[str], name: str, **kwargs) -> subprocess.Popen:
        log = self.logs / f"{name}-{len(self.started)}.log"
        with log.open("w") as out:
            process = subprocess.Popen(args, env=self.env, cwd=REPO_ROOT, stderr=out, start_new_session=True,
                                       **{"stdout": out, **kwargs})
        self.started.append(process)
        self.log_files.append(log)
        return process

    def worker(self) -> subprocess.Popen:
        return self._popen(
            [str(VENV_BIN / "dramatiq"), "actors.worker", "--processes", "1", "--threads", "1",
             "--queues", "recommendations", "catalog"],
            "worker", stdin=subprocess.DEVNULL,
        )

    def backend(self) -> Backend:
        process = self._popen([str(VENV_BIN / "python"), "-u", "-c", BACKEND_SCRIPT], "backend",
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return Backend(process, self.explain)

    def explain(self) -> str:
        return "\n".join(tail(log) for log in self.log_files)

    def stop_all(self) -> None:
        for process in self.started:
            kill_group(process)


# The web backend's side of a request, as a long-lived process: one JSON object per line in
# (the keyword arguments of request_recommendations), one JSON answer per line out.
BACKEND_SCRIPT = r"""
import json, logging, sys, time
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
from shoprec_app.states.worker_requests import request_recommendations
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    fields = json.loads(line)
    started = time.monotonic()
    request_id, error = request_recommendations(fields.pop("kind"), **fields)
    print(json.dumps({"request_id": request_id, "error": error, "seconds": time.monotonic() - started}), flush=True)
"""


class Backend:
    def __init__(self, process: subprocess.Popen, explain: Callable[[], str]) -> None:
        self.process = process
        self.explain = explain
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._answer().get("ready")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def _answer(self) -> dict:
        try:
            return json.loads(self.lines.get(timeout=DEADLINE))
        except queue.Empty:
            pytest.fail(f"the web backend did not answer (exit code {self.process.poll()})\n{self.explain()}")

    def request(self, kind: str = "for_you", **fields) -> dict:
        """What `request_recommendations` returned: {"request_id", "error", "seconds"}."""
        self.process.stdin.write(json.dumps({"kind": kind, **fields}) + "\n")
        self.process.stdin.flush()
        return self._answer()


class Shop:
    """The test's PostgreSQL database: shop data in, request rows and their history out."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.begin() as connection:
            connection.execute(text("""
                CREATE TABLE request_history (
                    request_id text, old_status text, new_status text,
                    completed_at timestamptz, items json, changed_at timestamptz DEFAULT clock_timestamp())
            """))
            connection.execute(text("""
                CREATE FUNCTION record_request_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO request_history (request_id, old_status, new_status, completed_at, items)
                    VALUES (NEW.id, OLD.status, NEW.status, NEW.completed_at, NEW.items);
                    RETURN NEW;
                END $$
            """))
            connection.execute(text("""
                CREATE TRIGGER record_request_change AFTER UPDATE ON recommendation_requests
                FOR EACH ROW EXECUTE FUNCTION record_request_change()
            """))

    def add_shopper(self) -> int:
        with Session(self.engine) as session:
            user = User(email=f"shopper-{uuid.uuid4().hex[:8]}@example.com", password_hash="not-a-real-hash")
            session.add(user)
            session.commit()
            return user.id

    def add_products(self) -> dict[str, list[int]]:
        """Three categories of four products; popularity falls within each. Ids by category, best first."""
        by_category: dict[str, list[int]] = {}
        with Session(self.engine) as session:
            for c, category in enumerate(("Shoes", "Bags", "Hats")):
                for rank in range(4):
                    product = Product(external_id=f"{category.lower()}-{rank}", title=f"{category} no. {rank}",
                                      category=category, price=10.0 + rank, popularity=100 - 10 * c - rank)
                    session.add(product)
                    session.flush()
                    by_category.setdefault(category, []).append(product.id)
            session.commit()
        return by_category

    def delete_product(self, product_id: int) -> None:
        with self.engine.begin() as connection:
            assert connection.execute(text("DELETE FROM products WHERE id = :id"), {"id": product_id}).rowcount == 1

    def insert_request(self, kind: str) -> str:
        """A request row written directly, bypassing create_request's checks (as an old or buggy writer might)."""
        request_id = str(uuid.uuid4())
        with self.engine.begin() as connection:
            connection.execute(text("""
                INSERT INTO recommendation_requests (id, kind, query, client_token, status, requested_at, model_version, items, error)
                VALUES (:id, :kind, '', '', 'pending', now(), '', '[]', '')
            """), {"id": request_id, "kind": kind})
        return request_id

    def request(self, request_id: str) -> RecommendationRequest:
        with Session(self.engine, expire_on_commit=False) as session:
            request = session.get(RecommendationRequest, request_id)
            assert request is not None, f"no request row {request_id}"
            return request

    def status(self, request_id: str) -> str:
        return self.request(request_id).status

    def history(self, request_id: str) -> list[dict]:
        with self.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT old_status, new_status, completed_at, items FROM request_history"
                " WHERE request_id = :id ORDER BY changed_at"), {"id": request_id})
            return [dict(row._mapping) for row in rows]

    def view(self, request_id: str) -> recommendations.RecommendationView:
        with Session(self.engine) as session:
            return recommendations.view(session, session.get(RecommendationRequest, request_id))

    def hold(self, request_id: str) -> RowLock:
        return RowLock(self.engine, request_id)


class RowLock:
    """The request row locked FOR UPDATE in an open transaction: a worker's final UPDATE waits on it."""

    def __init__(self, engine: Engine, request_id: str) -> None:
        self.engine = engine
        self.connection: Connection = engine.connect()
        self.transaction = self.connection.begin()
        self.connection.execute(text("SELECT id FROM recommendation_requests WHERE id = :id FOR UPDATE"),
                                {"id": request_id})
        self.pid = self.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def waiters(self) -> list[int]:
        """PostgreSQL backends blocked by this lock in an UPDATE of the requests table."""
        with self.engine.connect() as connection:
            return list(connection.execute(text("""
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND :holder = ANY(pg_blocking_pids(pid)) AND query ILIKE 'UPDATE recommendation_requests%'
            """), {"holder": self.pid}).scalars())

    def release(self) -> None:
        self.transaction.rollback()
        self.connection.close()


def backend_exists(engine: Engine, pid: int) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                  {"pid": pid}).scalar_one() > 0


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def rabbit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitNode]:
    require((RABBITMQ_BIN / "rabbitmq-server").exists() and shutil.which("erl") is not None,
            f"RabbitMQ is not installed ({RABBITMQ_BIN / 'rabbitmq-server'} missing; apt-get install rabbitmq-server)")
    node = RabbitNode(tmp_path_factory.mktemp("rabbitmq"))
    try:
        node.start()
        yield node
    finally:
        node.stop()


@pytest.fixture
def queues(rabbit: RabbitNode) -> Queues:
    rabbit.ensure_running()
    queues = Queues(rabbit)
    # Messages left by an earlier test name rows of a database that is gone.
    queues.purge(*(f"{name}{suffix}" for name in ("recommendations", "replies", "catalog")
                   for suffix in ("", ".DQ", ".XQ")))
    return queues


@pytest.fixture
def replies(queues: Queues) -> Replies:
    return Replies(queues)


@pytest.fixture
def shop(postgres_engine: Engine) -> Shop:
    return Shop(postgres_engine)


@pytest.fixture
def processes(rabbit: RabbitNode, postgres_url: str, postgres_engine: Engine, tmp_path: Path) -> Iterator[Processes]:
    artifacts = tmp_path / "artifacts"  # empty: no model, the shelf falls back to popular items
    artifacts.mkdir()
    env = {
        **os.environ,
        "SHOPREC_BROKER_URL": rabbit.url,
        "SHOPREC_DATABASE_URL": postgres_url,
        "SHOPREC_HOME": str(tmp_path / "home"),
        "SHOPREC_ARTIFACTS": str(artifacts),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REFLEX_DB_URL", None)
    running = Processes(env, tmp_path)
    yield running
    running.stop_all()


# --------------------------------------------------------------------------- tests


def test_request_completes_through_real_processes(shop: Shop, processes: Processes, replies: Replies):
    shopper = shop.add_shopper()
    products = shop.add_products()
    processes.worker()
    backend = processes.backend()

    sent = backend.request("for_you", user_id=shopper)

    assert sent["error"] == ""
    request_id = sent["request_id"]
    wait_for(lambda: shop.status(request_id) != "pending", "the worker to finish", explain=processes.explain)
    request = shop.request(request_id)
    assert request.status == "done", request.error
    assert request.model_version == "no-model"
    # Popular across categories: categories take turns, each starting from its best seller.
    expected = [products[c][rank] for rank in range(4) for c in ("Shoes", "Bags", "Hats")]
    assert [item["product_id"] for item in request.items] == expected
    [reply] = replies.wait_for_reply(request_id, processes.explain)
    assert reply["queue_name"] == "replies"
    assert [card.id for card in shop.view(request_id).cards] == expected


def test_worker_killed_while_storing_completes_exactly_once(shop: Shop, processes: Processes, replies: Replies):
    shopper = shop.add_shopper()
    shop.add_products()
    backend = processes.backend()
    request_id = backend.request("for_you", user_id=shopper)["request_id"]  # queued: no worker yet
    lock = shop.hold(request_id)
    try:
        first = processes.worker()
        [waiting] = wait_for(lock.waiters, "the worker's UPDATE to wait on the row lock", explain=processes.explain)

        kill_group(first)

        assert shop.status(request_id) == "pending"
        assert backend_exists(shop.engine, waiting), "the killed worker's database session ended before its lock"
    finally:
        lock.release()
    # The dead worker's session gets the lock, finds its client gone and rolls back: no half result.
    wait_for(lambda: not backend_exists(shop.engine, waiting), "the orphaned database session to end")
    assert shop.status(request_id) == "pending"
    assert shop.history(request_id) == []

    processes.worker()  # RabbitMQ hands it the message the killed worker never acknowledged

    wait_for(lambda: shop.status(request_id) != "pending", "the fresh worker to finish", explain=processes.explain)
    first_reply = replies.wait_for_reply(request_id, processes.explain)
    time.sleep(2)  # room for a duplicate reply or a second store to show up
    request = shop.request(request_id)
    assert request.status == "done", request.error
    assert len(request.items) == 12
    changes = shop.history(request_id)
    assert [(c["old_status"], c["new_status"]) for c in changes] == [("pending", "done")]
    assert changes[0]["completed_at"] == request.completed_at
    # A redelivered message may reply twice (harmless: the page reads the stored row); count them.
    duplicates = len(replies.for_request(request_id)) - 1
    print(f"\nkilled mid-store: stored once, {len(first_reply)} reply at first, {duplicates} duplicate replies")


def test_requests_complete_after_rabbitmq_restarts(rabbit: RabbitNode, shop: Shop, processes: Processes,
                                                   replies: Replies):
    shopper = shop.add_shopper()
    shop.add_products()
    processes.worker()
    backend = processes.backend()
    before = backend.request("for_you", user_id=shopper)
    wait_for(lambda: shop.status(before["request_id"]) == "done", "the first request", explain=processes.explain)
    replies.wait_for_reply(before["request_id"], processes.explain)

    rabbit.restart()
    restarted_at = time.monotonic()

    after = backend.request("for_you", user_id=shopper)  # the same web backend process as before
    assert after["error"] == "", f"the web backend could not send after the restart\n{processes.explain()}"
    wait_for(lambda: shop.status(after["request_id"]) != "pending", "the request sent after the restart",
             explain=processes.explain)
    assert shop.status(after["request_id"]) == "done", shop.request(after["request_id"]).error
    replies.wait_for_reply(after["request_id"], processes.explain)
    print(f"\nafter the restart: send took {after['seconds']:.2f}s, "
          f"done and replied {time.monotonic() - restarted_at:.1f}s after the node was back")
    assert all(process.poll() is None for process in processes.started), processes.explain()


def test_malformed_messages_are_dead_lettered(queues: Queues, shop: Shop, processes: Processes, replies: Replies):
    shopper = shop.add_shopper()
    shop.add_products()
    processes.worker()
    wait_for(lambda: queues.exists("recommendations"), "the worker to declare its queue", explain=processes.explain)
    poison = [
        queues.publish("recommendations", "recommend", [123]),
        queues.publish("recommendations", "recommend", ["not-a-uuid"]),
        queues.publish("recommendations", "recommend", [str(uuid.uuid4())]),  # a well-formed id with no row
    ]
    bogus = shop.insert_request("bogus")
    bogus_message = queues.publish("recommendations", "recommend", [bogus])

    dead: list[dict] = []

    def all_dead() -> bool:
        dead.extend(queues.take_all("recommendations.XQ"))
        return {m["message_id"] for m in dead} >= {*poison, bogus_message}

    wait_for(all_dead, "every malformed message in recommendations.XQ", explain=processes.explain)
    assert sorted(m["message_id"] for m in dead) == sorted([*poison, bogus_message]), "nothing else is dead-lettered"
    # Each went straight to the dead letters: none was retried.
    assert all(m["options"].get("retries", 0) == 0 for m in dead), dead

    # The shopper who asked for the bogus request is told, not left waiting on a spinner.
    wait_for(lambda: shop.status(bogus) != "pending", "the bogus request to be marked", explain=processes.explain)
    request = shop.request(bogus)
    assert (request.status, request.error) == ("failed", UNAVAILABLE)
    replies.wait_for_reply(bogus, processes.explain)
    assert shop.view(bogus).status == "failed"

    # The worker survived them all and still serves a good request.
    good = processes.backend().request("for_you", user_id=shopper)["request_id"]
    wait_for(lambda: shop.status(good) == "done", "a good request after the malformed ones", explain=processes.explain)
    assert queues.count("recommendations") == 0


def test_products_deleted_in_flight_are_left_out(shop: Shop, processes: Processes, replies: Replies):
    shopper = shop.add_shopper()
    products = shop.add_products()
    best_seller, runner_up = products["Shoes"][0], products["Shoes"][1]
    backend = processes.backend()
    request_id = backend.request("for_you", user_id=shopper)["request_id"]
    lock = shop.hold(request_id)
    try:
        processes.worker()
        wait_for(lock.waiters, "the worker to have computed and to wait on the row lock", explain=processes.explain)
        shop.delete_product(best_seller)  # after the worker chose it, before its result is stored
    finally:
        lock.release()

    wait_for(lambda: shop.status(request_id) != "pending", "the worker to finish", explain=processes.explain)
    request = shop.request(request_id)
    assert request.status == "done", request.error
    stored = [item["product_id"] for item in request.items]
    assert stored[0] == best_seller, "the result was computed before the delete, so it names the product"
    shown = [card.id for card in shop.view(request_id).cards]
    assert shown == stored[1:]
    replies.wait_for_reply(request_id, processes.explain)

    # A result stored long ago that names a product deleted since renders without it.
    later = backend.request("for_you", user_id=shopper)["request_id"]
    wait_for(lambda: shop.status(later) == "done", "the second request", explain=processes.explain)
    stored = [item["product_id"] for item in shop.request(later).items]
    assert best_seller not in stored and stored[0] == runner_up
    shop.delete_product(runner_up)
    view = shop.view(later)
    assert view.status == "done"
    assert [card.id for card in view.cards] == stored[1:]


def test_send_while_rabbitmq_is_down_fails_the_request(rabbit: RabbitNode, shop: Shop, processes: Processes,
                                                       replies: Replies):
    shopper = shop.add_shopper()
    shop.add_products()
    backend = processes.backend()
    assert backend.request("for_you", user_id=shopper)["error"] == ""  # connected while the node was up

    rabbit.stop()
    try:
        sent = backend.request("for_you", user_id=shopper)
    finally:
        rabbit.start()

    assert sent["error"] == UNAVAILABLE
    request = shop.request(sent["request_id"])
    assert (request.status, request.error) == ("failed", UNAVAILABLE)
    assert shop.view(sent["request_id"]).status == "failed"
    print(f"\nsend with the broker down returned the error after {sent['seconds']:.2f}s")

    # The same backend sends again once the node is back, and a worker completes it.
    processes.worker()
    again = backend.request("for_you", user_id=shopper)
    assert again["error"] == ""
    wait_for(lambda: shop.status(again["request_id"]) == "done", "a request sent after the node came back",
             explain=processes.explain)
