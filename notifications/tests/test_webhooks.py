"""The webhook machinery without HTTP: the Standard Webhooks signature (checked with the
independent ``standardwebhooks`` library), the sealing of signing secrets under
SECRET_KEY and its rotation, the public subscription id, and which URLs may be called."""

import base64
import contextlib
import ipaddress
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.errors import InvalidField
from notifications.data import SubscriptionKey
from notifications.errors import SendFailed
from notifications.webhooks import (
    secret_seal,
    secret_unseal,
    webhook_post,
    webhook_secret_new,
    webhook_signature,
    webhook_url_check,
)

EVENT_ID = "evt_01J0000000000000000000000"
BODY = json.dumps(
    {
        "id": EVENT_ID,
        "type": "enrollment.promoted",
        "occurred_at": "2026-08-20T12:00:00Z",
        "data": {"section_id": "2026FA-CPSC-449-01", "student_id": "1042", "title": "Bäck-End Ëngineering"},
    },
    ensure_ascii=False,
    separators=(",", ":"),
).encode()


def signed_headers(secret: str, body: bytes, *, message_id: str = EVENT_ID) -> dict[str, str]:
    """The three Standard Webhooks headers of ``body``, signed now with ``secret``."""
    timestamp = int(time.time())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhook_signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body),
    }


# --- the signature -------------------------------------------------------------------


def test_the_signature_verifies_with_the_standard_webhooks_library():
    secret = webhook_secret_new()
    headers = signed_headers(secret, BODY)

    payload = Webhook(secret).verify(BODY, headers)

    assert payload == json.loads(BODY)
    assert headers["webhook-signature"].startswith("v1,")


def test_the_signature_matches_the_spec_example():
    # The worked example of the Standard Webhooks specification (and its reference libraries).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    signature = webhook_signature(
        secret=secret, message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=b'{"test": 2432232314}'
    )

    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_tampered_body_fails_verification():
    secret = webhook_secret_new()
    headers = signed_headers(secret, BODY)
    tampered = BODY.replace(b'"1042"', b'"1043"')
    assert tampered != BODY

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)


def test_another_message_id_fails_verification():
    secret = webhook_secret_new()
    headers = {**signed_headers(secret, BODY), "webhook-id": "evt_someone_else"}

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)


def test_the_wrong_secret_fails_verification():
    headers = signed_headers(webhook_secret_new(), BODY)

    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_secret_new()).verify(BODY, headers)


# --- verifying outside the project: docs/verify_webhook.py, standard library only ---------


def _verify_outside(secret: str, headers: dict[str, str], body: bytes) -> subprocess.CompletedProcess:
    """The receiver's example run as a receiver would: a Python with no site-packages
    (no project, no virtualenv, no PyPI), from a copy of the file elsewhere."""
    script = settings.BASE_DIR / "docs" / "verify_webhook.py"
    args = [headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"]]
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), secret, *args], input=body, capture_output=True, timeout=30
    )


def test_the_standalone_example_verifies_a_real_signature():
    secret = webhook_secret_new()

    result = _verify_outside(secret, signed_headers(secret, BODY), BODY)

    assert (result.returncode, result.stdout, result.stderr) == (0, b"valid\n", b"")


def test_the_standalone_example_refuses_a_tampered_body_and_another_secret():
    secret = webhook_secret_new()
    headers = signed_headers(secret, BODY)

    tampered = _verify_outside(secret, headers, BODY.replace(b"1042", b"1043"))
    other_secret = _verify_outside(webhook_secret_new(), headers, BODY)

    assert (tampered.returncode, tampered.stdout) == (1, b"invalid\n")
    assert (other_secret.returncode, other_secret.stdout) == (1, b"invalid\n")


def test_a_new_secret_is_standard_webhooks_shaped_and_unique():
    secrets = [webhook_secret_new() for _ in range(20)]

    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24
    assert len(set(secrets)) == len(secrets)


# --- sealing the secret --------------------------------------------------------------


def test_a_sealed_secret_unseals_and_does_not_show_it():
    secret = webhook_secret_new()

    sealed = secret_seal(secret)

    assert secret_unseal(sealed) == secret
    assert secret not in sealed
    assert secret.removeprefix("whsec_") not in sealed


def test_a_secret_sealed_before_a_key_rotation_still_unseals(settings):
    old_key = "old-" + "k" * 50
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old_key, []
    secret = webhook_secret_new()
    sealed = secret_seal(secret)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "n" * 50, [old_key]

    assert secret_unseal(sealed) == secret
    assert secret_unseal(secret_seal(secret)) == secret


def test_a_secret_sealed_under_a_key_now_gone_fails_permanently(settings):
    old_key = "old-" + "k" * 50
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old_key, []
    sealed = secret_seal(webhook_secret_new())

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "n" * 50, []

    with pytest.raises(SendFailed) as failure:
        secret_unseal(sealed)
    assert failure.value.transient is False


# --- the public id -------------------------------------------------------------------


def test_a_subscription_id_carries_its_student_and_section():
    key = SubscriptionKey(student_id="1042", section_id="2026FA-CPSC-449-01")

    subscription_id = key.new_id()

    assert subscription_id.startswith("sub_")
    assert SubscriptionKey.parse(subscription_id) == key


def test_two_ids_of_the_same_key_differ():
    key = SubscriptionKey(student_id="1042", section_id="2026FA-CPSC-449-01")

    first, second = key.new_id(), key.new_id()

    assert first != second
    assert SubscriptionKey.parse(first) == SubscriptionKey.parse(second) == key


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "subscription_id",
    [
        "",
        "sub_",
        "sub_!!!.x",
        "sub_.x",
        _b64("1042/2026FA-CPSC-449-01") + ".x",  # no prefix
        "sub_" + _b64("1042/2026FA-CPSC-449-01"),  # no dot
        "sub_" + _b64("1042/2026FA-CPSC-449-01") + ".x.y",  # two dots
        "sub_" + _b64("no slash at all") + ".x",
        "sub_" + _b64("1042/") + ".x",
        "sub_" + _b64("/2026FA-CPSC-449-01") + ".x",
        "sub_" + base64.urlsafe_b64encode(b"\xff\xfe/\xff").decode().rstrip("=") + ".x",  # not UTF-8
    ],
)
def test_garbage_is_not_a_subscription_id(subscription_id):
    assert SubscriptionKey.parse(subscription_id) is None


# --- which URLs may be called --------------------------------------------------------


@pytest.fixture
def public_webhooks_only(settings):
    settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = False


def refusal(url: str) -> str:
    """The message ``webhook_url_check`` refuses ``url`` with, on ``webhook_url``."""
    with pytest.raises(InvalidField) as refused:
        webhook_url_check(url)
    errors = refused.value.extra["errors"]
    assert list(errors) == ["webhook_url"]
    return errors["webhook_url"][0]


@pytest.mark.usefixtures("public_webhooks_only")
@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://10.0.0.5/x",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::7f00:1]/",  # IPv4-compatible 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/",  # 169.254.169.254 through NAT64
        "https://[2002:7f00:1::]/",  # 127.0.0.1 through 6to4
        "https://localhost/",
        "https://LOCALHOST./",
        "https://metadata.google.internal/",
        "https://100.64.0.1/",
    ],
)
def test_private_targets_are_refused(url):
    assert "not a public" in refusal(url)


@pytest.mark.usefixtures("public_webhooks_only")
@pytest.mark.parametrize("url", ["http://93.184.216.34/hook", "ftp://93.184.216.34/hook"])
def test_only_https_is_allowed_when_private_targets_are_off(url):
    assert "https" in refusal(url)


@pytest.mark.usefixtures("public_webhooks_only")
@pytest.mark.parametrize("url", ["https://93.184.216.34/hook", "https://hooks.example.com/enroll"])
def test_public_targets_are_accepted(url):
    assert webhook_url_check(url) == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "https://[::1]/", "https://localhost/"])
def test_private_targets_are_accepted_where_allowed(settings, url):
    settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = True  # as in tests and local development

    assert webhook_url_check(url) == url


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "https:///no-host", "https://127.0.0.1/#fragment"])
def test_malformed_targets_are_refused_even_where_private_targets_are_allowed(url):
    refusal(url)


# --- SSRF (OWASP API7): other spellings of a private address, names that resolve to one,
# --- redirects, and the address a send really connects to ------------------------------
#
# `make test` also runs this file once under the production settings
# (test_webhooks_production.py), where private targets are refused by configuration.


def _private_names_of_this_machine() -> list[str]:
    """Host names that really resolve to a non-public address here (/etc/hosts, the
    machine's own name), other than the names refused by name alone: the refusal must
    come from resolving them."""
    candidates = {socket.gethostname()}
    with contextlib.suppress(OSError):
        for line in Path("/etc/hosts").read_text().splitlines():
            candidates.update(line.split("#")[0].split()[1:])
    names = []
    for name in sorted(candidates):
        if name.lower() in ("localhost", "localhost.localdomain") or name.lower().endswith((".local", ".localhost")):
            continue
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)}
        except (OSError, UnicodeError):
            continue
        if addresses and not any(ipaddress.ip_address(str(a).split("%")[0]).is_global for a in addresses):
            names.append(name)
    return names


OTHER_SPELLINGS_OF_LOOPBACK = [
    "https://2130706433/",  # 127.0.0.1 as one decimal number
    "https://0x7f000001/",  # ... in hexadecimal
    "https://0177.0.0.1/",  # ... with an octal first part
    "https://017700000001/",  # ... as one octal number
    "https://127.1/",  # ... shortened
    "https://0x7f.1/",
    "https://0/",  # 0.0.0.0: connecting to it reaches this machine
    "https://[::]/",
    "https://[::ffff:7f00:1]/",  # IPv4-mapped, in hexadecimal
    "https://[0:0:0:0:0:ffff:127.0.0.1]/",
    "https://\u24dbocalhost/",  # "ⓛocalhost": IDNA maps it to localhost, which resolves to 127.0.0.1
]
CLOUD_METADATA = [
    "https://169.254.169.254/latest/meta-data/iam/",  # AWS, GCP, Azure, OpenStack
    "https://[fd00:ec2::254]/latest/meta-data/",  # AWS over IPv6
    "https://169.254.170.2/v2/credentials",  # AWS ECS task credentials
    "https://[::ffff:169.254.169.254]/",
    "https://2852039166/",  # 169.254.169.254 as one number
    "https://metadata.google.internal./computeMetadata/v1/",
    "https://100.100.100.200/latest/meta-data/",  # Alibaba Cloud (carrier-grade NAT space)
]
PRIVATE_RANGES = [
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.0.1/",
    "https://[fd12:3456::1]/",
    "https://[fe80::1]/",
]


@pytest.mark.usefixtures("public_webhooks_only")
@pytest.mark.parametrize("url", OTHER_SPELLINGS_OF_LOOPBACK + CLOUD_METADATA + PRIVATE_RANGES)
def test_every_spelling_of_a_private_or_metadata_address_is_refused(url):
    assert "not a public" in refusal(url)


@pytest.mark.usefixtures("public_webhooks_only")
def test_names_that_resolve_to_a_private_address_are_refused_for_what_they_resolve_to():
    names = _private_names_of_this_machine()
    if not names:
        pytest.skip("no host name of this machine resolves to a private address")

    for name in names:
        message = refusal(f"https://{name}:8443/hook")
        assert f"{name} resolves to" in message and "not a public address" in message


class _Listener:
    """A TCP server on 127.0.0.1 that answers every request with ``status`` and
    ``headers`` and counts the connections it accepts."""

    def __init__(self, status: int = 204, headers: dict[str, str] | None = None):
        self.connections = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def setup(self):
                listener.connections += 1
                super().setup()

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                listener.requests.append((self.path, dict(self.headers)))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    listeners: list[_Listener] = []

    def make(**answer) -> _Listener:
        listeners.append(_Listener(**answer))
        return listeners[-1]

    yield make
    for each in listeners:
        each.close()


def _send(url: str):
    return webhook_post(url=url, body=BODY, headers={"webhook-id": EVENT_ID})


@pytest.mark.usefixtures("public_webhooks_only")
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]"])
def test_a_send_to_a_private_target_is_refused_before_connecting(listener, host):
    # A subscription made before the rules (or a name that resolved elsewhere then):
    # the check at send time refuses it, and nothing reaches the receiver.
    receiver = listener()

    with pytest.raises(SendFailed) as failure:
        _send(f"https://{host}:{receiver.port}/hook")

    assert failure.value.transient is False and "Refused target" in str(failure.value)
    assert receiver.connections == 0


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_a_private_address_is_not_followed(listener, settings, status):
    # The receiver is on 127.0.0.1, so this needs private targets allowed to reach it at
    # all (under production settings it is refused before connecting: also no follow).
    inside = listener()
    outside = listener(status=status, headers={"Location": f"http://127.0.0.1:{inside.port}/admin"})
    allowed = settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS

    with pytest.raises(SendFailed) as failure:
        _send(f"http://127.0.0.1:{outside.port}/hook")

    assert failure.value.transient is False
    assert inside.connections == 0
    if allowed:
        assert [path for path, _ in outside.requests] == ["/hook"]
        assert "redirects are not followed" in str(failure.value)
    else:
        assert outside.connections == 0


def test_a_send_connects_to_the_address_it_checked_not_to_a_second_lookup(listener, settings, monkeypatch):
    # DNS rebinding: a name that passes the check, then resolves elsewhere. The only
    # stand-in here is the resolver (no DNS server can be run offline): it answers a
    # checked address first and another one after.
    receiver = listener()
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding_getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "10.255.255.1"
        return real_getaddrinfo(address, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    scheme = "http" if settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS else "https"  # production: https only
    url = f"{scheme}://rebind.test:{receiver.port}/hook"

    if settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS:
        response = _send(url)
        assert response.status == 204
        ((path, headers),) = receiver.requests
        assert path == "/hook" and headers["Host"] == f"rebind.test:{receiver.port}"
    else:
        with pytest.raises(SendFailed):
            _send(url)
        assert receiver.connections == 0
    assert lookups == ["rebind.test"]  # one lookup: the address checked is the address called


def test_a_receivers_answer_is_not_trusted(listener, settings):
    # OWASP API10: the service reads at most a few hundred bytes of a failed answer, for
    # the delivery's last_error, and nothing of a successful one; it follows no link in it.
    settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = True
    receiver = listener(status=500, headers={"Retry-After": "not-a-number", "Location": "http://169.254.169.254/"})

    with pytest.raises(SendFailed) as failure:
        _send(f"http://127.0.0.1:{receiver.port}/hook")

    assert failure.value.transient is True and failure.value.retry_after is None
    assert len(receiver.requests) == 1


def test_a_receivers_retry_after_cannot_park_a_delivery_for_ever(listener, settings):
    # A receiver asking for a year's pause gets at most the longest backoff.
    from notifications.services import _backoff_seconds

    settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = True
    receiver = listener(status=503, headers={"Retry-After": "31536000"})

    with pytest.raises(SendFailed) as failure:
        _send(f"http://127.0.0.1:{receiver.port}/hook")

    assert failure.value.retry_after == 31536000
    assert _backoff_seconds(1, failure.value.retry_after) == settings.NOTIFICATIONS_RETRY_MAX_SECONDS
