"""The catalog fixtures of the enrollment tests (a course in a department of its own,
sections made through the services, enroll over HTTP), for the waitlist tests too; and a
Redis of a test's own, to stop, kill and restart."""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from conftest import free_port
from core import throttling
from enrollment.tests.conftest import (  # noqa: F401
    assert_consistent,
    course,
    enroll,
    make_course,
    make_section,
    new_section,
    section,
)

REDIS_CONF = Path(settings.BASE_DIR) / "redis.conf"
REDIS_START_SECONDS = 20


class DurableRedis:
    """A redis-server started from the repository's redis.conf, as ``make run`` starts
    one, on a port and a data directory of its own: the test may stop it, kill it and
    start it again on the same data. Waitlists in database 0, the throttling cache in 1
    (the settings' defaults for one server)."""

    def __init__(self, server: str, data_dir: Path) -> None:
        self.server, self.data_dir, self.port = server, data_dir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it (again) and wait until it answers, having loaded its files."""
        argv = [self.server, str(REDIS_CONF), "--port", str(self.port), "--dir", str(self.data_dir)]
        self.process = subprocess.Popen(
            [*argv, "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + REDIS_START_SECONDS
        while True:
            try:
                client.ping()  # answers LOADING (an error) until the files are read
                return
            except (redis.ConnectionError, redis.BusyLoadingError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise AssertionError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop it as an operator or a supervisor would (SIGTERM), and wait until it is gone."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no chance to write or flush anything more."""
        self._end(signal.SIGKILL)

    def _end(self, signum: signal.Signals) -> None:
        assert self.process is not None and self.process.poll() is None, "redis-server is not running"
        self.process.send_signal(signum)
        self.process.wait(timeout=REDIS_START_SECONDS)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """The waitlist store and the throttling cache on this server, for the block."""
        caches = {
            **settings.CACHES,
            "waitlist": {**settings.CACHES["waitlist"], "LOCATION": self.url},
            "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{self.port}/1"},
        }
        throttling._script.cache_clear()  # the throttle's script is bound to the cache's client
        try:
            with override_settings(CACHES=caches):
                yield
        finally:
            throttling._script.cache_clear()

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def durable_redis(tmp_path) -> Iterator[DurableRedis]:
    """A Redis of this test's own, configured by redis.conf (not started yet: ``start()``)."""
    server = os.environ.get("REDIS_SERVER_BIN") or shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed here (make test installs it)")
    owned = DurableRedis(server, tmp_path)
    yield owned
    owned.close()
