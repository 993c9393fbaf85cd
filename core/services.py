"""Writes of core: claiming ``Idempotency-Key``s and storing the responses they replay.

A key is claimed with a conditional write in DynamoDB before the request runs, so
exactly one of several concurrent requests with the same key runs; the others wait for
its response. A claim expires after ``LEASE_SECONDS`` (a crashed request), a record
after ``RECORD_LIFETIME``.
"""

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from core.dynamodb import is_condition_failure
from core.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidIdempotencyKey
from core.models import IdempotencyRecord

RECORD_LIFETIME = timedelta(hours=24)
# How long a claim protects a running request; after that a retry may take over.
LEASE_SECONDS = 30
# How long a concurrent retry waits for the first request before answering 409.
WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Claim:
    key: str
    owner: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str]
    content_type: str | None


def digest(*parts: str) -> str:
    """sha256 of ``parts`` joined by a separator no part contains: record keys and body fingerprints."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def idempotency_key_parse(raw: str) -> str:
    """The key from the header; the draft standard's quoted form is accepted too."""
    key = raw.strip(" \t")  # HTTP's optional whitespace around a field value, nothing else
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 1 <= len(key) <= 255 or not all(33 <= ord(ch) <= 126 for ch in key):
        raise InvalidIdempotencyKey()
    return key


def idempotency_claim(*, scope: str, key: str, fingerprint: str) -> Claim | StoredResponse:
    """Claim ``key`` in ``scope`` for this request, or return the response it already got.

    Raises ``IdempotencyKeyReused`` when the key came with another body, and
    ``IdempotencyKeyInUse`` when the first request is still running after the wait.
    """
    record_key = digest(scope, key)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        now = _now()
        claim = Claim(key=record_key, owner=uuid.uuid4().hex)
        record = IdempotencyRecord(
            key=record_key,
            fingerprint=fingerprint,
            state="in_progress",
            owner=claim.owner,
            lease_until=int(now.timestamp()) + LEASE_SECONDS,
            expires_at=now + RECORD_LIFETIME,
        )
        # A put that may only replace an expired record or an abandoned claim.
        free = (
            IdempotencyRecord.key.does_not_exist()
            | (IdempotencyRecord.expires_at < now)
            | ((IdempotencyRecord.state == "in_progress") & (IdempotencyRecord.lease_until < int(now.timestamp())))
        )
        try:
            record.save(condition=free)
            return claim
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
        try:
            existing = IdempotencyRecord.get(record_key, consistent_read=True)
        except IdempotencyRecord.DoesNotExist:
            continue  # released meanwhile: claim it again
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if existing.state == "completed":
            return StoredResponse(
                status=int(existing.response_status),
                body=existing.response_body,
                headers=json.loads(existing.response_headers or "{}"),
                content_type=existing.response_content_type,
            )
        if time.monotonic() >= deadline:
            raise IdempotencyKeyInUse()
        time.sleep(_POLL_SECONDS)


def idempotency_complete(*, claim: Claim, response: StoredResponse) -> None:
    """Store the response of a claimed request, for its retries to replay."""
    try:
        IdempotencyRecord(key=claim.key).update(
            actions=[
                IdempotencyRecord.state.set("completed"),
                IdempotencyRecord.response_status.set(response.status),
                IdempotencyRecord.response_body.set(response.body),
                IdempotencyRecord.response_headers.set(json.dumps(response.headers)),
                # A nullable attribute: PynamoDB's types do not say that set() takes None.
                IdempotencyRecord.response_content_type.set(response.content_type),  # type: ignore[arg-type]
            ],
            condition=IdempotencyRecord.owner == claim.owner,
        )
    except UpdateError as exc:
        # The lease ran out and a retry took the key over: its response will be stored.
        if not is_condition_failure(exc):
            raise


def idempotency_release(*, claim: Claim) -> None:
    """Give a claim up, so that a retry runs the request again."""
    try:
        IdempotencyRecord(key=claim.key).delete(condition=IdempotencyRecord.owner == claim.owner)
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise
