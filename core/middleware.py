"""Middleware of the project's own."""

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


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
