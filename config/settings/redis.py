"""Redis: the waitlist store and the cache behind throttling.

The two are separate django-redis aliases because they fail differently: the cache
may lose keys and ignores a missing server (throttling then lets requests through);
the waitlist store must never lose a key silently, so its connection raises.

``REDIS_CLUSTER=true`` puts the waitlist store on a Redis Cluster (redis-py's
``RedisCluster``): ``REDIS_URL`` then names any node of it, or a managed service's
configuration endpoint. The cache stays on a plain Redis, ``CACHE_REDIS_URL``, which must
then be given: a cluster has only database 0, and the cache must never share the
waitlists' database (see ``_next_database``).
"""

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import env


def _next_database(url: str) -> str:
    """``url`` with the database after its own: the cache's default home. A cache may
    be flushed whole (django-redis's ``clear()`` is FLUSHDB), so it never shares the
    waitlists' database."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database + 1) % 16}"))


# Where `make run` starts its Redis (bin/stack.py reads REDIS_LOCAL_PORT too).
REDIS_URL = env("REDIS_URL", default=f"redis://127.0.0.1:{env.int('REDIS_LOCAL_PORT', default=6380)}/0")
REDIS_CLUSTER = env.bool("REDIS_CLUSTER", default=False)
if REDIS_CLUSTER and not env("CACHE_REDIS_URL", default=""):
    raise ImproperlyConfigured(
        "REDIS_CLUSTER is on: set CACHE_REDIS_URL to a Redis for the throttling cache other than the"
        " waitlists' cluster (a cluster has only database 0, and clearing the cache flushes its database)."
    )
if REDIS_CLUSTER and urlsplit(REDIS_URL).path.strip("/") not in ("", "0"):
    raise ImproperlyConfigured("REDIS_CLUSTER is on: REDIS_URL must name database 0, the only one a cluster has.")
CACHE_URL = env("CACHE_REDIS_URL", default=_next_database(REDIS_URL))
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=2.0)

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "cache",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT_SECONDS,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT_SECONDS,
            "IGNORE_EXCEPTIONS": True,
        },
    },
    "waitlist": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT_SECONDS,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT_SECONDS,
            "IGNORE_EXCEPTIONS": False,
            **({"CONNECTION_FACTORY": "waitlist.cluster.ClusterConnectionFactory"} if REDIS_CLUSTER else {}),
        },
    },
}
# Log the cache's ignored errors, so an outage is visible even though requests go on.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# The waitlists' own rules.
# The most waitlists a student may be on at once.
WAITLIST_MAX_PER_STUDENT = env.int("WAITLIST_MAX_PER_STUDENT", default=3)
# A promotion parked longer than this is taken to have crashed, and is settled or put
# back in line by the next promotion of its section or by `check_integrity --repair`.
# Far longer than a promotion takes (milliseconds), so a slow one is never mistaken.
WAITLIST_PROMOTION_GRACE_SECONDS = env.float("WAITLIST_PROMOTION_GRACE_SECONDS", default=30.0)
