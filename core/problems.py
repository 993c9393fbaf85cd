"""What a client is told about an error, as an RFC 9457 problem document with a stable
``code``: the mapping from an error to its status, code and detail (``described``), shared
by every interface (the REST exception handler in ``config.exceptions``, GraphQL's error
codes), and the document itself.
"""

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.settings import api_settings

from core.errors import ServiceError, StoreUnavailable
from core.openapi import PROBLEM_CONTENT_TYPE
from core.outages import unavailable_store

# DRF's own errors, by status: the code a client can switch on.
CODES_BY_STATUS: dict[int, str] = {
    HTTPStatus.BAD_REQUEST: "invalid",
    HTTPStatus.UNAUTHORIZED: "not_authenticated",
    HTTPStatus.FORBIDDEN: "permission_denied",
    HTTPStatus.NOT_FOUND: "not_found",
    HTTPStatus.METHOD_NOT_ALLOWED: "method_not_allowed",
    HTTPStatus.NOT_ACCEPTABLE: "not_acceptable",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    HTTPStatus.TOO_MANY_REQUESTS: "throttled",
}


def problem(
    *, status: int, code: str, detail: str, instance: str, title: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The body of a problem document."""
    return {
        "type": f"{settings.PROBLEM_TYPE_BASE}{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        **extra,
    }


@dataclass(frozen=True)
class Described:
    """What a client is told about an error: the status, the stable code, the detail and
    the extra members (``errors`` by field for invalid input)."""

    status: int
    code: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)
    store: str | None = None  # the backing store that is down, for a 503


def field_errors(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's validation errors as ``errors`` documents them, field name to messages, one
    level deep: what is wrong in a list's item or a nested object is named by its path
    (``meetings[0].start``), and what is wrong with a nested value as a whole by the
    value's own path (``meetings``, ``meetings[1]``: not a list, not an object)."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():
                name = f"{path}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY and path:
                name = path
            else:
                name = f"{path}.{key}" if path else str(key)
            for field_name, messages in field_errors(value, name).items():
                errors.setdefault(field_name, []).extend(messages)
        return errors
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        # A list serializer's errors: one entry per item, empty for the valid ones.
        return field_errors({index: item for index, item in enumerate(detail) if item}, path)
    messages = detail if isinstance(detail, list) else [detail]
    return {path or api_settings.NON_FIELD_ERRORS_KEY: list(messages)}


def described(exc: BaseException) -> Described | None:
    """``exc`` as any interface (REST, GraphQL) reports it, when it is one the API
    answers on purpose: a store outage, a domain error, invalid input. None otherwise."""
    if (store := unavailable_store(exc)) is not None:
        error = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(store)
        return Described(error.status, error.code, error.detail, error.extra, store=store)
    if isinstance(exc, ServiceError):
        return Described(exc.status, exc.code, exc.detail, exc.extra)
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = field_errors(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail})
        return Described(HTTPStatus.BAD_REQUEST, "invalid", "Invalid input.", {"errors": errors})
    return None


def problem_response(request: HttpRequest, status: int, detail: str, code: str | None = None) -> JsonResponse:
    """A problem document answered outside DRF (``code`` defaults to the status's usual one)."""
    code = code or CODES_BY_STATUS.get(status, "error")
    body = problem(status=status, code=code, detail=detail, instance=request.path)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
