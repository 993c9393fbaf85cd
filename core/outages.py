"""Which backing store an exception says is down, if any."""

import kombu.exceptions
import redis.exceptions

from core.dynamodb import is_unavailable_error
from core.errors import StoreUnavailable

# What a Redis Cluster answers while it cannot serve a key's slot: it is down or failing
# over (CLUSTERDOWN), no node serves the slot, or the slot is moving (TRYAGAIN).
_REDIS_CLUSTER_UNAVAILABLE = (
    redis.exceptions.ClusterDownError,
    redis.exceptions.SlotNotCoveredError,
    redis.exceptions.TryAgainError,
)


def unavailable_store(exc: BaseException | None) -> str | None:
    """The name of the backing store that ``exc`` (or what caused it) says is down."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StoreUnavailable):
            return current.store
        if isinstance(current, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
            return "redis"
        if isinstance(current, _REDIS_CLUSTER_UNAVAILABLE):
            return "redis"
        if isinstance(current, kombu.exceptions.OperationalError):
            return "rabbitmq"
        if is_unavailable_error(current):
            return "dynamodb"
        current = current.__cause__ or current.__context__
    return None
