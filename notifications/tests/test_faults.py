"""The broker and the workers going away, with the service's own processes.

The module starts a RabbitMQ node of its own (as ``bin/stack.py`` starts a private one),
and the service on it as the Procfile runs it: a gunicorn ``web`` server, Celery
``beat`` and Celery ``worker`` processes, all on this run's DynamoDB Local and Redis.
The tests then really stop that node, and really kill a worker with ``SIGKILL``, and
count what a webhook receiver on 127.0.0.1 gets.

Times are shortened for the test, through the same settings production reads: the
sweep runs every second (``OUTBOX_SWEEP_INTERVAL_SECONDS``), an event or a delivery is
handed over again one second after it is due (``OUTBOX_GRACE_SECONDS``), and a task may
run 6 s (``CELERY_TASK_TIME_LIMIT``), so the lease of a delivery attempt is 11 s.
"""

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import requests
from django.conf import settings
from honcho.environ import parse_procfile
from standardwebhooks.webhooks import Webhook

from conftest import free_port
from enrollment.tests.http import enrollment_url
from notifications.data import DeliveryStatus
from notifications.models import Delivery
from notifications.tests.conftest import wait_until
from waitlist.tests.http import sender

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
START_TIMEOUT = 90.0
SWEEP_SECONDS = 1.0
GRACE_SECONDS = 1.0
TASK_TIME_LIMIT = 6  # so the lease of an attempt is 11 s (notifications.services._lease_seconds)


def _stack():
    """bin/stack.py as a module (it is a script), for how it runs a private RabbitMQ node."""
    spec = importlib.util.spec_from_file_location("bin_stack", ROOT / "bin" / "stack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


stack = _stack()


@dataclass
class Process:
    """A child in a session of its own: stopping it stops everything it started."""

    name: str
    popen: subprocess.Popen
    log: Path

    @classmethod
    def start(cls, name: str, argv: list[str], log: Path, env: dict[str, str]) -> "Process":
        with log.open("ab") as out:
            popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(name, popen, log)

    def tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines()[-25:] if self.log.exists() else []
        return f"{self.name} ({self.log}):\n" + "\n".join(lines)

    def wait_until(self, ready, what: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited while waiting until {what}\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {timeout:.0f} s\n{self.tail()}")
            time.sleep(0.1)

    def send(self, signum: signal.Signals) -> None:
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass

    def stop(self, signum: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> None:
        """Signal the whole group and wait for the process; SIGKILL what is left."""
        if self.popen.returncode is not None:  # stopped (and reaped) already
            return
        if self.popen.poll() is None:
            self.send(signum)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.send(signal.SIGKILL)
        self.popen.wait()


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


class RabbitMQNode:
    """A RabbitMQ node of this module's, that the tests stop and start again (its data
    stays on disk in between, as a restarted broker's does)."""

    def __init__(self, base: Path) -> None:
        server, epmd = os.environ.get("RABBITMQ_SERVER_BIN"), os.environ.get("EPMD_BIN")
        if not server or not epmd:
            pytest.skip("rabbitmq-server and epmd are not installed here (`make test` installs them)")
        self.server, self.base = server, base
        self.port, dist_port, epmd_port = free_port(), free_port(), free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        self.epmd = Process.start(
            "epmd", [epmd, "-address", "127.0.0.1", "-port", str(epmd_port)], base / "epmd.log", dict(os.environ)
        )
        self.epmd.wait_until(lambda: not _refused(epmd_port), "epmd listens")
        self.env = stack.rabbitmq_node_env(
            base,
            dict(os.environ),
            node_name=f"faults-{os.getpid()}",
            port=self.port,
            dist_port=dist_port,
            epmd_port=epmd_port,
        )
        self.node: Process | None = None

    def launch(self) -> None:
        self.node = Process.start("RabbitMQ", [self.server], self.base / "rabbitmq.log", self.env)

    def wait_ready(self) -> None:
        assert self.node is not None
        self.node.wait_until(lambda: stack.amqp_answers(self.url), f"RabbitMQ takes logins on {self.port}")

    def start(self) -> None:
        """Start the node and wait until it takes logins."""
        self.launch()
        self.wait_ready()

    def stop(self) -> None:
        """Stop the node as its service manager would (SIGTERM), and insist it is gone."""
        assert self.node is not None
        self.node.stop(signal.SIGTERM)
        assert _refused(self.port)

    def close(self) -> None:
        if self.node is not None:
            self.node.stop(signal.SIGKILL)
        self.epmd.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def rabbitmq(tmp_path_factory) -> Iterator[RabbitMQNode]:
    """The module's node, launched (``service`` waits until it answers)."""
    node = RabbitMQNode(tmp_path_factory.mktemp("rabbitmq"))
    try:
        node.launch()
        yield node
    finally:
        node.close()


PROCFILE = parse_procfile((ROOT / "Procfile").read_text()).processes


class Service:
    """The Procfile's processes on the module's broker: ``web``, ``beat`` and a
    ``worker``, which a test may kill and start again."""

    def __init__(self, broker: RabbitMQNode, logs: Path) -> None:
        self.logs = logs
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
            "CELERY_BROKER_URL": broker.url,
            "OUTBOX_SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
            "OUTBOX_GRACE_SECONDS": str(GRACE_SECONDS),
            "CELERY_TASK_TIME_LIMIT": str(TASK_TIME_LIMIT),
            "CELERY_TASK_SOFT_TIME_LIMIT": str(TASK_TIME_LIMIT - 1),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(logs / "celerybeat-schedule"),
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "4",
            "WORKER_CONCURRENCY": "1",
        }
        self.children: list[Process] = []
        self.workers = 0
        self.worker: Process

    def start(self, name: str, log_name: str) -> Process:
        # As honcho runs a Procfile line: through the shell, which expands the variables.
        child = Process.start(name, ["/bin/sh", "-c", f"exec {PROCFILE[name]}"], self.logs / log_name, self.env)
        self.children.append(child)
        return child

    def start_worker(self) -> Process:
        """A Celery worker as the Procfile starts one (wait for it with ``consuming``)."""
        self.workers += 1
        self.worker = self.start("worker", f"worker-{self.workers}.log")
        return self.worker

    def consuming(self) -> Process:
        """The current worker, once it consumes from the queue."""
        worker = self.worker
        worker.wait_until(lambda: " ready." in worker.log.read_text(errors="replace"), "the worker is ready")
        return worker

    def close(self) -> None:
        for child in reversed(self.children):
            child.stop(signal.SIGKILL)  # nothing of theirs is kept


@pytest.fixture(scope="module")
def service(rabbitmq, tmp_path_factory, dynamodb_tables) -> Iterator[Service]:
    """web, beat and a worker; ``service.worker`` is the current worker."""
    service = Service(rabbitmq, tmp_path_factory.mktemp("service"))
    try:
        web = service.start("web", "web.log")  # it boots while the broker does
        rabbitmq.wait_ready()
        service.start("beat", "beat.log")
        service.start_worker()
        web.wait_until(lambda: _ready(f"{service.url}/readyz"), f"{service.url}/readyz answers 200")
        service.consuming()
        yield service
    finally:
        service.close()


@pytest.fixture
def broker(rabbitmq) -> Iterator[RabbitMQNode]:
    """The module's RabbitMQ node, running again after the test whatever the test did."""
    yield rabbitmq
    if rabbitmq.node is None or rabbitmq.node.popen.poll() is not None:
        rabbitmq.start()


def _ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _deliveries(subscription_id: str) -> list[Delivery]:
    return list(Delivery.query(subscription_id, consistent_read=True))


def _delivered(subscription_id: str) -> Delivery | None:
    records = _deliveries(subscription_id)
    return records[0] if len(records) == 1 and records[0].status == DeliveryStatus.DELIVERED else None


def test_with_rabbitmq_stopped_drops_promote_and_every_notification_arrives_once_it_is_back(
    broker, service, waiting_subscriber, webhook_receiver, registrar
):
    # Given three full one-seat sections, each with a student waiting who is subscribed
    # by webhook, and a worker and beat running
    waits = [waiting_subscriber(webhook_url=webhook_receiver.url) for _ in range(3)]
    service.consuming()

    # When RabbitMQ is stopped
    outage_began = time.monotonic()
    broker.stop()
    # And each student holding a seat drops, over HTTP
    timings, statuses = [], []
    for section, holder, _waiter, _subscription in waits:
        started = time.monotonic()
        statuses.append(sender(service.url, holder)("DELETE", enrollment_url(section.id, "me")).status_code)
        timings.append(time.monotonic() - started)

    # Then every drop succeeded, without waiting on the broker, and promoted the student waiting
    assert statuses == [204, 204, 204]
    assert max(timings) < 5, timings
    registrar_send = sender(service.url, registrar)
    for section, _holder, waiter, _subscription in waits:
        response = registrar_send("GET", f"/api/v1/sections/{section.id}/enrollments/")
        assert response.status_code == 200, response.content
        assert [item["student_id"] for item in response.json()["results"]] == [waiter.id]
    # And nothing is delivered while the broker is down, though beat's sweep is due twice
    # over: the events wait in the outbox, not one delivery record yet
    time.sleep(2 * SWEEP_SECONDS)
    assert webhook_receiver.requests == []
    assert all(_deliveries(subscription["id"]) == [] for *_, subscription in waits)

    # When RabbitMQ is back
    broker.start()
    back_at = time.monotonic()

    # Then each student's webhook arrives, through the sweep and the worker, once
    received = webhook_receiver.wait_for(3, timeout=45)
    for _section, _holder, waiter, subscription in waits:
        record = wait_until(partial(_delivered, subscription["id"]), what="the delivery recorded as delivered")
        assert record.attempts == 1
        (request,) = [r for r in received if r.headers["webhook-id"] == record.event_id]
        payload = Webhook(subscription["webhook_secret"]).verify(request.body, request.headers)
        assert payload["data"]["student_id"] == waiter.id
    delivered_in = time.monotonic() - back_at
    outage = back_at - outage_began
    print(f"\noutage {outage:.1f}s; drops {[round(t, 2) for t in timings]}s; delivered {delivered_in:.1f}s after it")
    # And no more: several sweeps later, still one request per event
    time.sleep(2 * SWEEP_SECONDS)
    assert len(webhook_receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in webhook_receiver.requests}) == 3
    # And web, beat and the worker rode it out: the same processes, reconnected
    current = [child for child in service.children if child.name != "worker"] + [service.worker]
    assert [child.name for child in current if child.popen.poll() is not None] == []


def _pool_process(worker: Process) -> int:
    """The pid of the worker's one pool process (the Procfile's prefork pool, concurrency 1)."""
    pid = worker.popen.pid
    (child,) = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(child)


def _send_tasks(*workers: Process) -> list[str]:
    """The ids of the ``send_delivery`` messages the workers received, in their log order."""
    found = []
    for worker in workers:
        found += re.findall(r"Task notifications\.send_delivery\[([0-9a-f-]+)\] received", worker.log.read_text())
    return found


@pytest.mark.parametrize("killed", ["the whole worker", "its pool process"])
def test_a_worker_killed_in_the_middle_of_a_webhook_delivers_it_once_after_a_worker_is_back(
    service, waiting_subscriber, webhook_receiver, killed
):
    # Given a student waiting, subscribed by webhook, a worker, and a receiver that will
    # hold the first request open
    section, holder, _waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)
    worker = service.consuming()
    webhook_receiver.hold(1)

    # When the seat is freed, and while the receiver holds the webhook request the worker
    # is killed with SIGKILL: all of it (its main process and its pool), or only the
    # pool process making the delivery
    response = sender(service.url, holder)("DELETE", enrollment_url(section.id, "me"))
    assert response.status_code == 204, response.content
    assert webhook_receiver.held.wait(timeout=30), "the webhook request never arrived"
    (sent_by,) = _send_tasks(worker)[-1:]
    killed_at = time.monotonic()
    if killed == "the whole worker":
        worker.stop(signal.SIGKILL)
    else:
        os.kill(_pool_process(worker), signal.SIGKILL)
    webhook_receiver.release()

    # Then the receiver saw the sender hang up before its answer, and the delivery is
    # still pending: the dead process's lease on it holds
    (first,) = webhook_receiver.wait_for(1)
    assert first.abandoned
    (record,) = _deliveries(subscription["id"])
    assert record.status == DeliveryStatus.PENDING and record.attempts == 1 and record.lease_until > time.time()

    # When a worker is back (a new one; or the same one's new pool process)
    if killed == "the whole worker":
        service.start_worker()
    new_worker = service.consuming()

    # Then the delivery is made again, once, after the lease, and recorded delivered
    record = wait_until(lambda: _delivered(subscription["id"]), timeout=45, what="the delivery recorded as delivered")
    recovered_in = time.monotonic() - killed_at
    assert record.attempts == 2
    _first, second = webhook_receiver.requests
    assert not second.abandoned
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == record.event_id
    Webhook(subscription["webhook_secret"]).verify(second.body, second.headers)
    time.sleep(2 * SWEEP_SECONDS)
    assert len(webhook_receiver.requests) == 2
    # And what re-sent it: RabbitMQ gave the unacknowledged message back (acks_late) and
    # a worker received it again, but the lease turned it away; the sweep handed the
    # delivery over once the lease had ended, as a new message
    received = _send_tasks(*([worker] if new_worker is worker else [worker, new_worker]))
    assert received.count(sent_by) == 2, received
    assert recovered_in > TASK_TIME_LIMIT + 5
    print(f"\n{killed} killed: delivered again {recovered_in:.1f}s after")
