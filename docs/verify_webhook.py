"""Verify a webhook from the course-enrollment service, with Python's standard library only.

Copy this file into the receiver (it needs nothing from this project or PyPI), then:

    from verify_webhook import verify
    if not verify(secret, request.headers, request.body):  # the raw bytes, before any JSON parsing
        return 400

``secret`` is the ``whsec_...`` the subscription answered once. The signature follows
Standard Webhooks: ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``,
keyed by the base64-decoded part of the secret after ``whsec_``. A receiver that can
install packages may use any Standard Webhooks library instead (``standardwebhooks``).

From a shell: ``python3 verify_webhook.py SECRET ID TIMESTAMP SIGNATURE < body`` prints
``valid`` (exit 0) or ``invalid`` (exit 1).
"""

import base64
import hashlib
import hmac
import sys
import time
from collections.abc import Mapping

TOLERANCE_SECONDS = 5 * 60  # refuse replays of old messages, and clocks too far apart


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> bool:
    """Whether ``body`` with these headers was signed with ``secret`` in the last 5 minutes."""
    lower = {name.lower(): value for name, value in headers.items()}
    try:
        message_id, timestamp = lower["webhook-id"], lower["webhook-timestamp"]
        signatures = lower["webhook-signature"].split()
        sent_at = int(timestamp)
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent_at) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(expected, signature)
        for version, _, signature in (entry.partition(",") for entry in signatures)
    )


if __name__ == "__main__":
    secret, message_id, timestamp, signature = sys.argv[1:5]
    headers = {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    valid = verify(secret, headers, sys.stdin.buffer.read())
    print("valid" if valid else "invalid")
    sys.exit(0 if valid else 1)
