"""``Idempotency-Key`` for the POSTs that create something.

A retry with the same key and body gets the first response back and changes nothing,
even while the first request is still running: the key is claimed with a conditional
write in DynamoDB before the view runs, and a concurrent retry waits for the claim to
settle. A key is scoped to its caller, method and path, and kept for a day.
"""

import functools
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from drf_spectacular.utils import OpenApiParameter
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.errors import IdempotencyKeyInUse, IdempotencyKeyReused, ServiceError
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
RECORD_LIFETIME = timedelta(hours=24)
# How long a claim protects a running request; after that a retry may take over.
LEASE_SECONDS = 30
# How long a concurrent retry waits for the first request before answering 409.
WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.05
# Responses not worth replaying: the retry should run again.
_TRANSIENT_STATUSES = frozenset({HTTPStatus.TOO_MANY_REQUESTS})
_REPLAYED_HEADERS = ("Location",)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description="A unique key (e.g. a UUID) per intended operation: a retry with the same "
    "key and body returns the first response and changes nothing. Kept for 24 hours.",
)


class InvalidIdempotencyKey(ServiceError):
    code = "invalid"
    message = "Idempotency-Key must be 1 to 255 visible ASCII characters."


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


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def idempotency_key_parse(raw: str) -> str:
    """The key from the header; the draft standard's quoted form is accepted too."""
    key = raw.strip()
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
    record_key = _digest(scope, key)
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
            if exc.cause_response_code != "ConditionalCheckFailedException":
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
                IdempotencyRecord.response_content_type.set(response.content_type),
            ],
            condition=IdempotencyRecord.owner == claim.owner,
        )
    except UpdateError as exc:
        # The lease ran out and a retry took the key over: its response will be stored.
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def idempotency_release(*, claim: Claim) -> None:
    """Give a claim up, so that a retry runs the request again."""
    try:
        IdempotencyRecord(key=claim.key).delete(condition=IdempotencyRecord.owner == claim.owner)
    except DeleteError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def _replay(stored: StoredResponse) -> Response:
    headers = {**stored.headers, "Idempotent-Replayed": "true"}
    return Response(
        data=json.loads(stored.body),
        status=stored.status,
        headers=headers,
        content_type=stored.content_type,
    )


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a view's POST handler so that it honours ``Idempotency-Key``."""

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        raw_key = request.headers.get(HEADER)
        if raw_key is None:
            return handler(view, request, *args, **kwargs)
        key = idempotency_key_parse(raw_key)
        caller = str(request.user.pk) if request.user.is_authenticated else "anonymous"
        scope = "\x1f".join((caller, request.method, request.path))
        body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
        outcome = idempotency_claim(scope=scope, key=key, fingerprint=_digest(body))
        if isinstance(outcome, StoredResponse):
            return _replay(outcome)
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:
                # Render the error as DRF would, so that it is replayed like a success.
                response = view.handle_exception(exc)
        except BaseException:
            idempotency_release(claim=outcome)
            raise
        if response.status_code >= 500 or response.status_code in _TRANSIENT_STATUSES:
            idempotency_release(claim=outcome)
            return response
        idempotency_complete(
            claim=outcome,
            response=StoredResponse(
                status=response.status_code,
                body=json.dumps(response.data, cls=JSONEncoder),
                headers={name: response[name] for name in _REPLAYED_HEADERS if name in response},
                content_type=response.content_type,
            ),
        )
        return response

    return wrapper
