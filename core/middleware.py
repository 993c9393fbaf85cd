"""Middleware of the project's own."""

from collections.abc import Callable

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from core.problems import problem_response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's messages (the admin's and the browsable API's login pages use them), with
    the storage made only when something reads or adds a message.

    Django makes it on every request: a cookie storage and a session storage, and a cookie
    signer derived from the secret key, which was 8% of the CPU of a waitlist poll (py-spy,
    issue 14). An API request never uses it, so it now costs nothing there.
    """

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # never used: nothing to store, as Django's storage would conclude
        return super().process_response(request, response)


class ContentSecurityPolicyMiddleware:
    """``Content-Security-Policy`` on every answer that has none: nobody may frame any of
    them, and an API answer (JSON, a problem document) may load nothing at all, should a
    browser ever render one. HTML pages (the docs, GraphiQL, the admin, the browsable
    API) load their own scripts and styles, so they get only ``frame-ancestors``, as
    ``X-Frame-Options: DENY`` says for older browsers."""

    API_POLICY = "default-src 'none'; frame-ancestors 'none'"
    PAGE_POLICY = "frame-ancestors 'none'"

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            page = response.get("Content-Type", "").startswith("text/html")
            response["Content-Security-Policy"] = self.PAGE_POLICY if page else self.API_POLICY
        return response


class BodyWithoutContentTypeMiddleware:
    """A body sent without a ``Content-Type`` is a 415, not an empty request.

    DRF reads such a request's data as empty: ``POST .../enrollments/`` with
    ``{"student_id": ...}`` and no content type would enroll the caller themself. Saying
    what was not understood is safer than acting on a request the client did not send.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.META.get("CONTENT_TYPE") and _has_body(request):
            detail = "The request has a body but no Content-Type; send application/json."
            return problem_response(request, 415, detail)
        return self.get_response(request)


def _has_body(request: HttpRequest) -> bool:
    if request.META.get("HTTP_TRANSFER_ENCODING"):
        return True
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True  # a length that is not a number: not a request to act on either
