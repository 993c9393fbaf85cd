"""Every error the API returns is an RFC 9457 problem document with a stable ``code``.

DRF's exception handler covers the API views; ``handler400/403/404/500`` in
``config.urls`` cover what never reaches a view (an unknown path, a crash).
"""

import logging
import sys
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import PayloadTooLarge, ServiceError, StoreUnavailable
from core.openapi import PROBLEM_CONTENT_TYPE
from core.outages import unavailable_store

logger = logging.getLogger(__name__)


# DRF's own errors, by status: the code a client can switch on.
_CODES_BY_STATUS = {
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


def _as_drf_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return drf_exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return drf_exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return drf_exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return drf_exceptions.ParseError(str(exc))
    return exc


def _flat_detail(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _flat_detail(detail[0])
    if isinstance(detail, dict):  # SimpleJWT's token errors: {"detail", "code", "messages"}
        messages = detail.get("messages") or []
        if messages and isinstance(messages[0], dict) and "message" in messages[0]:
            return _flat_detail(messages[0]["message"])
        return _flat_detail(detail["detail"]) if "detail" in detail else "Invalid input."
    return str(detail)


@dataclass(frozen=True)
class Described:
    """What a client is told about an error: the status, the stable code, the detail and
    the extra members (``errors`` by field for invalid input)."""

    status: int
    code: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)
    store: str | None = None  # the backing store that is down, for a 503


def described(exc: BaseException) -> Described | None:
    """``exc`` as any interface (REST, GraphQL) reports it, when it is one the API
    answers on purpose: a store outage, a domain error, invalid input. None otherwise."""
    if (store := unavailable_store(exc)) is not None:
        error = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(store)
        return Described(error.status, error.code, error.detail, error.extra, store=store)
    if isinstance(exc, ServiceError):
        return Described(exc.status, exc.code, exc.detail, exc.extra)
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Described(HTTPStatus.BAD_REQUEST, "invalid", "Invalid input.", {"errors": errors})
    return None


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: render ``exc`` as a problem document.

    Returns None for an unexpected exception, which DRF then re-raises: it is a bug,
    logged by Django and answered by ``handler500``.
    """
    request = context["request"]
    instance = request.path
    exc = _as_drf_exception(exc)
    headers: dict[str, str] = {}

    if (known := described(exc)) is not None:
        if known.store is not None:
            logger.warning("%s unavailable during %s %s: %r", known.store, request.method, instance, exc)
            headers["Retry-After"] = str(StoreUnavailable.retry_after_seconds)
        body = problem(status=known.status, code=known.code, detail=known.detail, instance=instance, **known.extra)
        status = known.status
    else:
        response = drf_exception_handler(exc, context)
        if response is None:
            return None
        status = response.status_code
        headers.update(
            {name: value for name, value in response.items() if name in ("WWW-Authenticate", "Retry-After", "Allow")}
        )
        code = _CODES_BY_STATUS.get(status, getattr(exc, "default_code", "error"))
        body = problem(
            status=status, code=code, detail=_flat_detail(getattr(exc, "detail", response.data)), instance=instance
        )

    renderer = getattr(request, "accepted_renderer", None)
    # The browsable API renders the document as HTML; everyone else gets problem+json.
    content_type = PROBLEM_CONTENT_TYPE if renderer is None or renderer.format == "json" else None
    return Response(body, status=status, headers=headers, content_type=content_type)


def problem_response(request: HttpRequest, status: int, detail: str, code: str | None = None) -> JsonResponse:
    """A problem document answered outside DRF (``code`` defaults to the status's usual one)."""
    code = code or _CODES_BY_STATUS.get(status, "error")
    body = problem(status=status, code=code, detail=detail, instance=request.path)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 400, "Bad request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 403, "You do not have permission to perform this action.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 404, "No such resource.")


def server_error(request: HttpRequest) -> JsonResponse:
    store = unavailable_store(sys.exc_info()[1]) if sys.exc_info()[1] is not None else None
    if store is not None:  # a store failed outside an API view, e.g. in middleware
        response = problem_response(request, 503, StoreUnavailable(store).detail, code=StoreUnavailable.code)
        response["Retry-After"] = str(StoreUnavailable.retry_after_seconds)
        return response
    return problem_response(request, 500, "An unexpected error occurred; it has been logged.", code="internal_error")
