"""DRF's throttles, with their rates read per request, in one Redis round trip.

DRF binds ``THROTTLE_RATES`` when its module is imported; reading them from the live
settings instead lets each environment (and a test) set its own rates.

DRF keeps each caller's request times as one pickled list in the cache, read and written
back whole on every request: two round trips, a list of up to the rate's size unpickled
and pickled again, and concurrent requests overwrite each other's entries. Here the same
sliding window (a request counts for ``duration`` seconds after it was made) is a sorted
set that one Lua script trims, counts and adds to: one round trip, atomic. Like the cache
it lives in, a throttle that cannot reach Redis lets the request through (and logs it).
"""

import functools
import hashlib
import logging
import math
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import redis
from django.core.cache import caches
from django.http import HttpRequest, HttpResponseBase
from django_redis import get_redis_connection
from redis.commands.core import Script
from rest_framework import throttling
from rest_framework.settings import api_settings

from core.problems import problem_response

logger = logging.getLogger(__name__)

_CACHE = "default"

# KEYS: the caller's request times (ZSET: member -> unix time)
# ARGV: now (unix s), window (s), the most requests in a window, a member unique to this request
# -> {1, count} when the request is allowed (and counted) | {0, count, oldest time} when throttled
_SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, count, oldest[2]}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return {1, count + 1}
"""


@functools.cache
def _script() -> Script:
    return get_redis_connection(_CACHE).register_script(_SLIDING_WINDOW)


class _SlidingWindowMixin:
    scope: str | None
    rate: str | None
    num_requests: int
    duration: int
    # DRF's, from the throttle classes this is mixed into.
    timer: Callable[[], float]
    get_cache_key: Callable[..., str | None]

    def get_rate(self) -> str | None:
        rates: Mapping[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return rates.get(self.scope) if self.scope else None

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        member = f"{self.now!r}-{secrets.token_hex(4)}"
        try:
            reply = _script()(
                keys=[caches[_CACHE].make_key(key)], args=[self.now, self.duration, self.num_requests, member]
            )
        except redis.RedisError as exc:
            logger.warning("throttle %s not applied: the cache is unavailable (%s)", self.scope, exc)
            return True
        allowed, self.count = int(reply[0]), int(reply[1])
        self.oldest = float(reply[2]) if not allowed else self.now
        return bool(allowed)

    def wait(self) -> float | None:
        """Seconds until the next request would be allowed (DRF's arithmetic)."""
        remaining_duration = self.duration - (self.now - self.oldest)
        available_requests = self.num_requests - self.count + 1
        if available_requests <= 0:
            return None
        return remaining_duration / float(available_requests)


class AnonymousRateThrottle(_SlidingWindowMixin, throttling.AnonRateThrottle):
    """Requests without a token, counted per client address."""


class UserRateThrottle(_SlidingWindowMixin, throttling.UserRateThrottle):
    """Requests with a token, counted per user."""


class LoginAddressThrottle(_SlidingWindowMixin, throttling.SimpleRateThrottle):
    """Password attempts (token, session and admin logins), counted per client address."""

    scope = "login"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _username_of(request: Any) -> str | None:
    """The username a login request names: DRF's parsed body, or a login form's."""
    data = request.data if hasattr(request, "data") else request.POST
    username = data.get("username") if hasattr(data, "get") else None
    return username if isinstance(username, str) and username else None


class LoginUsernameThrottle(_SlidingWindowMixin, throttling.SimpleRateThrottle):
    """Password attempts counted per username, from any address: guessing one account's
    password from many addresses (a botnet) is slowed as much as from one."""

    scope = "login_username"

    def get_cache_key(self, request, view) -> str | None:
        username = _username_of(request)
        if username is None:
            return None  # nothing to guess against; the address throttle still counts it
        # Hashed: a key stays short and says nothing of what was typed.
        ident = hashlib.sha256(username.casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


LOGIN_THROTTLES = [LoginAddressThrottle, LoginUsernameThrottle]


def login_throttled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A Django (not DRF) login view behind the login throttles: a POST over either
    limit is a 429 problem document with ``Retry-After``, and is not tried."""

    @functools.wraps(view)
    def throttled_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            waits = [
                throttle.wait()
                for throttle in (cls() for cls in LOGIN_THROTTLES)
                if not throttle.allow_request(request, None)  # type: ignore[arg-type]  # no DRF view here
            ]
            if waits:
                response = problem_response(request, 429, "Too many login attempts. Try again later.")
                response["Retry-After"] = str(max(1, math.ceil(max(wait or 1 for wait in waits))))
                return response
        return view(request, *args, **kwargs)

    return throttled_view
