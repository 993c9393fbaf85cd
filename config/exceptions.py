"""Every error the API returns is an RFC 9457 problem document with a stable ``code``.

The mapping from an error to what a client is told, and the document itself, are in
``core.problems`` (GraphQL uses them too). DRF's exception handler covers the API views;
``handler400/403/404/500`` in ``config.urls`` cover what never reaches a view (an
unknown path, a crash).
"""

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import PayloadTooLarge, StoreUnavailable
from core.openapi import PROBLEM_CONTENT_TYPE
from core.outages import unavailable_store
from core.problems import CODES_BY_STATUS, described, problem, problem_response

logger = logging.getLogger(__name__)


def _flat_detail(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _flat_detail(detail[0])
    if isinstance(detail, dict):  # SimpleJWT's token errors: {"detail", "code", "messages"}
        messages = detail.get("messages") or []
        if messages and isinstance(messages[0], dict) and "message" in messages[0]:
            return _flat_detail(messages[0]["message"])
        return _flat_detail(detail["detail"]) if "detail" in detail else "Invalid input."
    return str(detail)


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
        code = CODES_BY_STATUS.get(status, getattr(exc, "default_code", "error"))
        body = problem(
            status=status, code=code, detail=_flat_detail(getattr(exc, "detail", response.data)), instance=instance
        )

    renderer = getattr(request, "accepted_renderer", None)
    # The browsable API renders the document as HTML; everyone else gets problem+json.
    content_type = PROBLEM_CONTENT_TYPE if renderer is None or renderer.format == "json" else None
    return Response(body, status=status, headers=headers, content_type=content_type)


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
