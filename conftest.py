"""Fixtures for the whole suite. Tests talk to the real stores that `make test` started:
DynamoDB Local (tables carry this run's prefix), Redis and RabbitMQ."""

import itertools
import os
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import connection
from pynamodb.connection.base import Connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import token_pair_issue, user_create
from config.celery_app import app as celery_app
from core import dynamodb
from core.dynamodb import TableMeta, registered_models, table_ensure
from core.outbox import publish_pause

PASSWORD = "correct-horse-battery-9"
# Nothing listens on port 1 of the loopback address: connections are refused at once.
DEAD = "127.0.0.1:1"


@pytest.fixture(scope="session", autouse=True)
def dynamodb_tables(django_db_setup, django_db_blocker):
    """This run's tables, created once and deleted at the end."""
    models = registered_models()
    for model in models:
        table_ensure(model=model, recreate=True)
    yield models
    for model in models:
        model.delete_table()


class DynamoDBCalls:
    """The DynamoDB operations a test made, from any thread (a live server's too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.operations: list[tuple[str, str | None]] = []

    def record(self, operation: str, table: str | None) -> None:
        with self._lock:
            self.operations.append((operation, table))

    def count(self, operation: str | None = None) -> int:
        with self._lock:
            return sum(1 for name, _ in self.operations if operation in (None, name))

    def clear(self) -> None:
        with self._lock:
            self.operations.clear()


@pytest.fixture(autouse=True)
def dynamodb_calls(request, monkeypatch):
    """Record every DynamoDB call, and fail the test on any ``Scan``.

    No request path may scan a table: every read is a GetItem or a Query on a key or
    an index. The Scan raises where it happens and, should the code under test swallow
    that, fails the test at teardown anyway. Management commands that may scan on
    purpose (the integrity check) opt out with ``@pytest.mark.allow_scan``.
    """
    calls = DynamoDBCalls()
    allow_scan = request.node.get_closest_marker("allow_scan") is not None
    dispatch = Connection.dispatch

    def recording_dispatch(self, operation_name, operation_kwargs):
        calls.record(operation_name, operation_kwargs.get("TableName"))
        if operation_name == "Scan" and not allow_scan:
            raise AssertionError(f"Scan of {operation_kwargs.get('TableName')}: request paths must Query or Get")
        return dispatch(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "dispatch", recording_dispatch)
    yield calls
    if not allow_scan:
        scans = [table for name, table in calls.operations if name == "Scan"]
        assert not scans, f"the test scanned DynamoDB tables: {scans}"


@pytest.fixture
def dynamodb_down(monkeypatch):
    """DynamoDB refuses connections: for the tables and for transactions."""
    for meta in [TableMeta, *(model.Meta for model in registered_models())]:
        monkeypatch.setattr(meta, "host", f"http://{DEAD}")
        monkeypatch.setattr(meta, "max_retry_attempts", 0)
    for model in registered_models():
        monkeypatch.setattr(model, "_connection", None)
    dynamodb.connection.cache_clear()
    yield
    for model in registered_models():
        model._connection = None
    dynamodb.connection.cache_clear()


def free_port() -> int:
    """A free loopback port, for a store or server a test starts itself."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DurableDynamoDB:
    """A DynamoDB Local of the test's own, keeping its data on disk (``-dbPath``), as
    ``make run`` starts one: the test may stop it, freeze it and start it again on the
    same data. ``serving()`` points every table (and transactions) at it."""

    START_SECONDS = 90

    def __init__(self, command: list[str], data_dir: Path, monkeypatch) -> None:
        self.command, self.data_dir, self.monkeypatch = command, data_dir, monkeypatch
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it (again) and wait until it answers HTTP."""
        self.process = subprocess.Popen(
            [*self.command, "-dbPath", str(self.data_dir), "-port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self.START_SECONDS
        while True:
            try:
                urllib.request.urlopen(self.endpoint, timeout=2).close()
                return
            except urllib.error.HTTPError:  # it answers (400: no operation named): it is up
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise AssertionError(f"DynamoDB Local did not start on port {self.port}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop it (SIGTERM), and wait until it is gone."""
        assert self.process is not None and self.process.poll() is None, "DynamoDB Local is not running"
        self.process.terminate()
        self.process.wait(timeout=30)

    def freeze(self) -> None:
        """SIGSTOP: it still accepts connections (the kernel does) but answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def configure(self, **settings) -> None:
        """Every table's (and the transactions') connection settings: ``host``,
        ``connect_timeout_seconds``, ``read_timeout_seconds``, ``max_retry_attempts``."""
        for meta in [TableMeta, *(model.Meta for model in registered_models())]:
            for name, value in settings.items():
                self.monkeypatch.setattr(meta, name, value)
        for model in registered_models():
            self.monkeypatch.setattr(model, "_connection", None)
        dynamodb.connection.cache_clear()

    def serving(self) -> None:
        """The service's tables on this DynamoDB Local (created there), until the test ends."""
        self.configure(host=self.endpoint)
        for model in registered_models():
            table_ensure(model=model)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()
        for model in registered_models():
            model._connection = None
        dynamodb.connection.cache_clear()


@pytest.fixture
def durable_dynamodb(tmp_path, monkeypatch):
    """A DynamoDB Local of this test's own, data on disk (not started yet: ``start()``)."""
    command = os.environ.get("DYNAMODB_LOCAL_COMMAND")  # exported by bin/stack.py test
    if not command:
        pytest.skip("DynamoDB Local is not installed here (make test installs it)")
    owned = DurableDynamoDB(shlex.split(command), tmp_path, monkeypatch)
    yield owned
    owned.close()


@pytest.fixture(autouse=True)
def _clean_throttle_cache():
    """Throttle counters from one test must not throttle the next."""
    caches["default"].clear()


_user_id_blocks = itertools.count(1)


def _user_ids_past_earlier_tests() -> None:
    """Start this test's user ids in a block of its own.

    The users database rolls back after each test, ids included, but DynamoDB keeps the
    rows a test wrote under those ids: without this, a later test's user 3 would see an
    earlier user 3's enrollments.
    """
    if connection.vendor != "sqlite":
        return
    table, start = User._meta.db_table, next(_user_id_blocks) * 1000
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [start, table])
        if cursor.rowcount == 0:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start])


@pytest.fixture
def make_user(db):
    _user_ids_past_earlier_tests()
    counter = iter(range(1, 1_000_000))

    def make(*roles: Role, username: str | None = None, **fields):
        return user_create(
            username=username or f"user{next(counter)}_{'_'.join(roles) or 'none'}",
            password=PASSWORD,
            roles=roles or [Role.STUDENT],
            **fields,
        )

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client that sends the access token of ``profile``."""

    def make(profile) -> APIClient:
        client = APIClient()
        access = token_pair_issue(username=profile.username, password=PASSWORD).access
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return make


@pytest.fixture
def student(make_user):
    return make_user(Role.STUDENT)


@pytest.fixture
def instructor(make_user):
    return make_user(Role.INSTRUCTOR)


@pytest.fixture
def registrar(make_user):
    return make_user(Role.REGISTRAR)


class _BusyDayServer(ThreadedWSGIServer):
    """Django's threaded development server with a listen backlog for a crowd: its
    default of 10 resets connections when a hundred clients connect at once."""

    url = ""  # the base URL, once it listens

    request_queue_size = 512


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # the access log would drown the test output
        pass


@pytest.fixture
def http_server(transactional_db):
    """The service on a real socket, one thread per request: ``.url`` is its base URL."""
    server = _BusyDayServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1//"


@pytest.fixture
def broker_down():
    """RabbitMQ unreachable for publishing (the web side, the sweep): the worker keeps
    its own connection, as a worker on another host would. ``restore()`` ends the outage."""
    conf, amqp = celery_app.conf, celery_app.amqp
    # Publishing goes through pools of connections to the write URL: set the working
    # ones aside (kombu keeps them registered by URL) and let Celery make new ones.
    # (Celery's and kombu's private pools, and a setting its types call read-only.)
    saved = conf.broker_write_url, celery_app._pool, amqp._producer_pool  # type: ignore[attr-defined]
    conf.broker_write_url, celery_app._pool, amqp._producer_pool = DEAD_BROKER, None, None  # type: ignore[misc,attr-defined]
    publish_pause.clear()

    class Broker:
        restored = False

        def restore(self):
            if not self.restored:
                conf.broker_write_url, celery_app._pool, amqp._producer_pool = saved  # type: ignore[misc,attr-defined]
                publish_pause.clear()
                self.restored = True

    broker = Broker()
    yield broker
    broker.restore()
