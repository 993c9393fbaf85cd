"""The webhook machinery without HTTP: the Standard Webhooks signature (checked with the
independent ``standardwebhooks`` library), the sealing of signing secrets under
SECRET_KEY and its rotation, the public subscription id, and which URLs may be called."""

import base64
import json
import subprocess
import sys
import time

import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.errors import InvalidField
from notifications.data import SubscriptionKey
from notifications.errors import SendFailed
from notifications.webhooks import (
    secret_seal,
    secret_unseal,
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
    assert settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS is True

    assert webhook_url_check(url) == url


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "https:///no-host", "https://127.0.0.1/#fragment"])
def test_malformed_targets_are_refused_even_where_private_targets_are_allowed(url):
    refusal(url)
