"""Plain data of the notifications app, for its views and for other apps."""

import base64
import binascii
import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

_ID_PREFIX = "sub_"


class Channel(enum.StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class SubscriptionKey:
    """The table key of a subscription, which its public id carries.

    An id is ``sub_{base64url(student_id/section_id)}.{nonce}``: reading one by id is a
    strongly consistent GetItem (no index that lags a fresh subscription), and the
    nonce makes the id of a subscription made again after a delete a new one.
    """

    student_id: str
    section_id: str

    def new_id(self) -> str:
        return f"{_ID_PREFIX}{_b64(f'{self.student_id}/{self.section_id}')}.{secrets.token_urlsafe(9)}"

    @classmethod
    def parse(cls, subscription_id: str) -> "SubscriptionKey | None":
        """The key in ``subscription_id``, or None if it is not an id this service made."""
        if not subscription_id.startswith(_ID_PREFIX) or subscription_id.count(".") != 1:
            return None
        encoded = subscription_id.removeprefix(_ID_PREFIX).split(".")[0]
        try:
            decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        student_id, slash, section_id = decoded.partition("/")
        if not (student_id and slash and section_id):
            return None
        return cls(student_id=student_id, section_id=section_id)


@dataclass(frozen=True)
class SubscriptionData:
    id: str
    student_id: str
    section_id: str
    email: str | None
    webhook_url: str | None
    created_at: datetime

    @property
    def channels(self) -> list[Channel]:
        targets = {Channel.EMAIL: self.email, Channel.WEBHOOK: self.webhook_url}
        return [channel for channel, target in targets.items() if target]


@dataclass(frozen=True)
class SubscriptionCreated(SubscriptionData):
    """A new subscription, with the signing secret that is shown this once."""

    webhook_secret: str


@dataclass(frozen=True)
class DeliveryData:
    event_id: str
    channel: Channel
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None  # while pending
