"""DRF's throttles, with their rates read per request.

DRF binds ``THROTTLE_RATES`` when its module is imported; reading them from the live
settings instead lets each environment (and a test) set its own rates.
"""

from collections.abc import Mapping

from rest_framework import throttling
from rest_framework.settings import api_settings


class _LiveRateMixin:
    scope: str | None

    def get_rate(self) -> str | None:
        rates: Mapping[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return rates.get(self.scope) if self.scope else None


class AnonymousRateThrottle(_LiveRateMixin, throttling.AnonRateThrottle):
    """Requests without a token, counted per client address."""


class UserRateThrottle(_LiveRateMixin, throttling.UserRateThrottle):
    """Requests with a token, counted per user."""
