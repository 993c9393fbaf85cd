"""The base of every domain error the service raises.

Each app has one subclass of ``ServiceError`` and one subclass of that per failure, with
a stable ``code``, an HTTP ``status`` and a message. Services raise them; only the
exception handler (``config.exceptions``) turns them into HTTP responses.
"""

from http import HTTPStatus
from typing import Any, ClassVar


class ServiceError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = HTTPStatus.BAD_REQUEST
    message: ClassVar[str] = "The request could not be completed."

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.message
        # Extra members of the problem document, e.g. the errors of a field.
        self.extra = extra
        super().__init__(self.detail)


class Conflict(ServiceError):
    status = HTTPStatus.CONFLICT
    code = "conflict"
    message = "The request conflicts with the current state."


class Duplicate(Conflict):
    code = "duplicate"
    message = "That already exists."


class NotFound(ServiceError):
    status = HTTPStatus.NOT_FOUND
    code = "not_found"
    message = "Not found."


class Forbidden(ServiceError):
    status = HTTPStatus.FORBIDDEN
    code = "permission_denied"
    message = "You do not have permission to perform this action."


class PayloadTooLarge(ServiceError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"
    message = "The request body is too large."


class StoreUnavailable(ServiceError):
    """A backing store (DynamoDB, Redis, RabbitMQ) did not answer; the client may retry."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "service_unavailable"
    message = "A backing service is unavailable. Try again shortly."
    retry_after_seconds = 5

    def __init__(self, store: str, detail: str | None = None, **extra: Any) -> None:
        self.store = store
        super().__init__(detail or f"{store} is unavailable. Try again shortly.", **extra)


class IdempotencyKeyReused(ServiceError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was used with a different request."


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    message = "A request with this Idempotency-Key is still being processed. Retry later."


class InvalidIdempotencyKey(ServiceError):
    code = "invalid"
    message = "Idempotency-Key must be 1 to 255 visible ASCII characters."


class InvalidField(ServiceError):
    """Input that is well-formed but names something that does not fit, e.g. an unknown id.

    Rendered like a serializer's validation failure: ``errors`` maps the field to messages.
    """

    code = "invalid"
    message = "Invalid input."

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, errors={field: [message]})


class InvalidCursor(InvalidField):
    def __init__(self, message: str = "This cursor is not valid for this list. Start from the first page.") -> None:
        super().__init__("cursor", message)
