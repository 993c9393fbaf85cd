"""Errors of the notifications app, each with its stable ``code``."""

from core.errors import Duplicate, Forbidden, NotFound


class SubscriptionNotFound(NotFound):
    message = "No subscription with this id."


class SubscriptionExists(Duplicate):
    message = "You already have a subscription for this section. Delete it to subscribe again."


class NotYourSubscription(Forbidden):
    message = "This subscription belongs to another student."


class SendFailed(Exception):
    """One attempt to send a delivery failed; ``transient`` failures are retried.

    Not a ``ServiceError``: it never reaches an HTTP client, only the delivery record.
    """

    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
