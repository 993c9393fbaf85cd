"""Security headers on real answers over a socket (OWASP API8): the test settings'
server for every kind of answer, and gunicorn under the production settings (HSTS, no
version in ``Server``), as the ``Procfile`` starts it."""

import http.client
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from accounts.services import token_pair_issue
from conftest import PASSWORD, free_port
from core.tests.production import production_environment

EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _get(base_url: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _assert_secure_headers(response: http.client.HTTPResponse, what: str) -> None:
    for name, value in EVERY_ANSWER.items():
        assert response.getheader(name) == value, f"{what}: {name} is {response.getheader(name)!r}"
    assert response.getheader("X-Powered-By") is None, what
    policy = response.getheader("Content-Security-Policy") or ""
    assert "frame-ancestors 'none'" in policy, f"{what}: {policy!r}"
    if not (response.getheader("Content-Type") or "").startswith("text/html"):
        assert "default-src 'none'" in policy, f"{what}: {policy!r}"  # an API answer loads nothing


def test_every_kind_of_answer_carries_the_security_headers(http_server, student):
    token = token_pair_issue(username=student.username, password=PASSWORD).access
    answers = {
        "a health check": _get(http_server.url, "/healthz"),
        "a 401 problem": _get(http_server.url, "/api/v1/auth/me/"),
        "a 404 problem": _get(http_server.url, "/api/v1/no-such-thing/"),
        "a JSON answer": _get(http_server.url, "/api/v1/auth/me/", {"Authorization": f"Bearer {token}"}),
        "an HTML page": _get(http_server.url, "/api/docs/"),
        "the JWKS": _get(http_server.url, "/.well-known/jwks.json"),
    }

    assert [answer.status for answer in answers.values()] == [200, 401, 404, 200, 200, 200]
    for what, answer in answers.items():
        _assert_secure_headers(answer, what)
    # No HSTS over plain http outside production (a browser would ignore it there anyway).
    assert answers["a health check"].getheader("Strict-Transport-Security") is None


@pytest.fixture
def production_server(tmp_path):
    """gunicorn serving the service with the production settings on a free port."""
    port = free_port()
    environment = production_environment(tmp_path)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(base_url, "/healthz")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.1)
    yield base_url
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_production_answers_with_hsts_and_no_version_over_https(production_server):
    # Behind the gateway (or a load balancer) that ended TLS and says so.
    https = {"X-Forwarded-Proto": "https"}
    answers = {
        "a health check": _get(production_server, "/healthz", https),
        "a 401 problem": _get(production_server, "/api/v1/auth/me/", https),
        "a 404 problem": _get(production_server, "/api/v1/no-such-thing/", https),
    }

    assert [answer.status for answer in answers.values()] == [200, 401, 404]
    for what, answer in answers.items():
        _assert_secure_headers(answer, what)
        assert answer.getheader("Strict-Transport-Security") == "max-age=31536000", what
        server = answer.getheader("Server") or ""
        assert "/" not in server and not any(ch.isdigit() for ch in server), f"{what}: Server: {server}"
