"""Fixtures of the notifications tests: a real Celery worker on the real RabbitMQ (this
run's own queue), a real webhook receiver and a real SMTP server on 127.0.0.1. (The
``broker_down`` fixture is in the root conftest.)"""

import email
import email.policy
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker

from accounts.roles import Role
from config.celery_app import app as celery_app
from enrollment.tests.conftest import (  # noqa: F401
    assert_consistent,
    course,
    enroll,
    make_course,
    make_section,
    new_section,
)

SUBSCRIPTIONS = "/api/v1/subscriptions/"


def wait_until(condition: Callable[[], object], *, timeout: float = 20.0, what: str = "the condition"):
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


# --- a student waiting, subscribed --------------------------------------------


@pytest.fixture
def waiting_subscriber(client_for, make_user, new_section, enroll):  # noqa: F811 (fixtures imported above)
    """A full one-seat section, a student waiting first in line who subscribes with
    ``subscription`` (an email and/or a webhook URL), and the student holding the seat."""

    def make(**subscription):
        section = new_section(capacity=1, waitlist_capacity=5)
        holder, waiter = make_user(Role.STUDENT), make_user(Role.STUDENT)
        enroll(holder, section.id)
        assert enroll(waiter, section.id)["status"] == "waitlisted"
        response = client_for(waiter).post(SUBSCRIPTIONS, {"section_id": section.id, **subscription}, format="json")
        assert response.status_code == 201, response.content
        return section, holder, waiter, response.json()

    return make


# --- a real Celery worker ----------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A Celery worker consuming this run's queue on the real RabbitMQ, in threads of
    the test process (so it sees the tests' settings and tables)."""
    celery_app.loader.import_default_modules()
    with django_db_blocker.unblock():
        with start_worker(
            celery_app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ) as worker:
            yield worker


# --- a real webhook receiver -------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str
    # Held (see WebhookReceiver.hold), and the sender had hung up before it was answered.
    abandoned: bool = False

    def json(self):
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """Records every POST; answers with the scripted statuses in turn, then ``default``.

    ``hold(n)`` keeps the next ``n`` requests unanswered (their bodies read) until
    ``release()``: ``held`` is set when one arrives, so a test can act while the sender
    waits in the middle of its delivery.
    """

    url: str = ""
    default: int = 204
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    holds: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def hold(self, count: int = 1) -> None:
        with self.lock:
            self.holds += count

    def release(self) -> None:
        self.released.set()

    def take_hold(self) -> bool:
        with self.lock:
            if self.holds == 0:
                return False
            self.holds -= 1
            return True

    def respond(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        with self.lock:
            self.script.extend((status, headers or {}) for status in statuses)

    def next_answer(self, received: Received) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.requests.append(received)
            return self.script.pop(0) if self.script else (self.default, {})

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        wait_until(lambda: len(self.requests) >= count, timeout=timeout, what=f"{count} webhook request(s)")
        return list(self.requests)


def _peer_closed(sock: socket.socket) -> bool:
    """True when the other end closes the connection within a second (a read would
    find its end): a sender just killed has, once the kernel has closed its socket."""
    readable, _, _ = select.select([sock], [], [], 1.0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:  # reset
        return True


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received = Received(headers={k.lower(): v for k, v in self.headers.items()}, body=body, path=self.path)
            if receiver.take_hold():
                receiver.held.set()
                receiver.released.wait(timeout=60)
                received.abandoned = _peer_closed(self.connection)
            status, headers = receiver.next_answer(received)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender is gone
                pass

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/enrollment"
    yield receiver
    receiver.release()
    server.shutdown()
    server.server_close()


# --- a real SMTP server ------------------------------------------------------------


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on 127.0.0.1 that Django's SMTP backend sends to; ``.messages``."""
    mailbox = _Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot be given port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield mailbox
    controller.stop()
