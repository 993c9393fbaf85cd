"""``Idempotency-Key`` for the POSTs that create something.

A retry with the same key and body gets the first response back and changes nothing,
even while the first request is still running (see ``core.services``). A key is scoped
to its caller, method and path, and kept for a day.
"""

import functools
import json
from collections.abc import Callable
from http import HTTPStatus

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.services import (
    StoredResponse,
    digest,
    idempotency_claim,
    idempotency_complete,
    idempotency_key_parse,
    idempotency_release,
)

HEADER = "Idempotency-Key"
# Responses not worth replaying: the retry should run again.
_TRANSIENT_STATUSES = frozenset({HTTPStatus.TOO_MANY_REQUESTS})
_REPLAYED_HEADERS = ("Location",)

# What core.services.idempotency_key_parse accepts, for the OpenAPI document.
KEY_PATTERN = r'^[ \t]*(?:"[!-~]{1,255}"|[!-~]|[!#-~][!-~]{0,254}|"[!-~]{0,253}[!#-~])[ \t]*$'

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    # 1 to 255 visible ASCII characters, bare or in the draft standard's quotes (not "").
    type={"type": "string", "pattern": KEY_PATTERN},
    description="A unique key (e.g. a UUID) per intended operation: a retry with the same "
    "key and body returns the first response and changes nothing. Kept for 24 hours.",
)


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
        scope = "\x1f".join((caller, request.method or "", request.path))
        body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
        outcome = idempotency_claim(scope=scope, key=key, fingerprint=digest(body))
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
