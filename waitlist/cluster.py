"""The waitlist store on Redis Cluster: a django-redis connection factory that answers
``redis.cluster.RedisCluster`` instead of ``redis.Redis``.

``REDIS_CLUSTER=true`` puts it under the ``waitlist`` alias (``config/settings/redis.py``);
``REDIS_URL`` then names any node of the cluster (or a managed service's configuration
endpoint), from which the client discovers the others and which slots each serves.
Every waitlist script touches the keys of one hash tag only, so each runs on the node
that owns the tag's slot; reads of one section are single-slot transactions; pipelines
over many sections are split by node by the client.

A cluster client is expensive to make (it asks a node for the whole slot map) and safe
to share between threads, so there is one per URL and process, where django-redis makes
a client per thread and cache instance.
"""

import threading
from typing import Any

import redis.exceptions
from django_redis.pool import ConnectionFactory
from redis.cluster import RedisCluster


class ClusterConnectionFactory(ConnectionFactory):
    _clusters: dict[str, RedisCluster] = {}
    _lock = threading.Lock()

    def connect(self, url: str) -> RedisCluster:
        with self._lock:
            cluster = self._clusters.get(url)
            if cluster is None:
                cluster = self._clusters[url] = self._cluster(url)
            return cluster

    def _cluster(self, url: str) -> RedisCluster:
        params: dict[str, Any] = self.make_connection_params(url)
        del params["url"]
        try:
            return RedisCluster.from_url(url, **params, **self.redis_client_cls_kwargs)
        except redis.exceptions.RedisClusterException as exc:
            # No node answered: the store is down, like a refused connection to one server.
            raise redis.exceptions.ConnectionError(f"no node of the Redis Cluster answers: {exc}") from exc

    def disconnect(self, connection: RedisCluster) -> None:
        connection.disconnect_connection_pools()
