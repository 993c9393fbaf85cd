"""How the service's PynamoDB models reach DynamoDB.

Every table model derives from ``TableModel`` and gives its ``Meta`` the base
``TableMeta``: the table name carries the configured prefix (tests use their own), the
endpoint is DynamoDB Local or, when unset, real AWS, and timeouts are short so an
outage answers 503 instead of hanging a request.
"""

import contextlib
import functools
import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError
from django.conf import settings
from pynamodb.connection import Connection, TableConnection
from pynamodb.connection.base import BOTOCORE_EXCEPTIONS
from pynamodb.exceptions import GetError, PynamoDBException, TableDoesNotExist
from pynamodb.models import Model

# DynamoDB answers these when it is overloaded or throttling: a retry later may work.
_TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",  # tables not created yet: the deployment is not ready
    }
)


def table_name(name: str) -> str:
    """The full name of a table: the configured prefix, then ``name``."""
    return f"{settings.DYNAMODB_TABLE_PREFIX}{name}"


class TableMeta:
    """Connection settings shared by every table's ``Meta``."""

    host = settings.DYNAMODB_ENDPOINT
    region = settings.AWS_REGION
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = settings.DYNAMODB_CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = settings.DYNAMODB_READ_TIMEOUT_SECONDS
    max_retry_attempts = settings.DYNAMODB_MAX_RETRY_ATTEMPTS
    max_pool_connections = settings.DYNAMODB_MAX_POOL_CONNECTIONS
    if settings.DYNAMODB_ENDPOINT and settings.DYNAMODB_LOCAL_CREDENTIALS:
        # DynamoDB Local accepts any credentials, but botocore insists on some.
        aws_access_key_id, aws_secret_access_key = settings.DYNAMODB_LOCAL_CREDENTIALS


_SHARED: weakref.WeakSet[Connection] = weakref.WeakSet()


@functools.cache
def _shared_connection(
    host: str | None,
    region: str,
    connect_timeout_seconds: float,
    read_timeout_seconds: float,
    max_retry_attempts: int,
    max_pool_connections: int,
    aws_access_key_id: str | None,
    aws_secret_access_key: str | None,
) -> Connection:
    """One connection (so one botocore client) per distinct set of connection settings.

    botocore clients are thread-safe, so every table and thread can share one: PynamoDB
    would otherwise make one per table, each with a botocore session of its own holding
    its own parsed copy of the DynamoDB service model (about 10 MB apiece). The client is
    made here, once, because PynamoDB makes it lazily without a lock, so that concurrent
    first requests would each make one.
    """
    shared = Connection(
        host=host,
        region=region,
        connect_timeout_seconds=connect_timeout_seconds,
        read_timeout_seconds=read_timeout_seconds,
        max_retry_attempts=max_retry_attempts,
        max_pool_connections=max_pool_connections,
        aws_access_key_id=aws_access_key_id,
        aws_secret_access_key=aws_secret_access_key,
    )
    shared.client  # noqa: B018 - made now, see above
    _SHARED.add(shared)
    return shared


# functools.cache does not stop two threads from making the same value at once: the first
# requests of a fresh worker would each make a botocore client (10 MiB apiece, measured).
_making_a_connection = threading.Lock()


def _connection_for(meta: Any) -> Connection:
    """The shared connection with the settings of a table's ``Meta`` (or ``TableMeta``)."""
    with _making_a_connection:
        return _shared_connection(
            meta.host,
            meta.region,
            meta.connect_timeout_seconds,
            meta.read_timeout_seconds,
            meta.max_retry_attempts,
            meta.max_pool_connections,
            getattr(meta, "aws_access_key_id", None),
            getattr(meta, "aws_secret_access_key", None),
        )


@functools.cache
def connection() -> Connection:
    """The connection transactions (``TransactWrite``) use, with the tables' settings:
    the very one the tables use."""
    return _connection_for(TableMeta)


class TableModel(Model):
    """Base class of the service's tables; ``registered_models`` finds its subclasses."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """The table's connection, over the connection shared by every table with the
        same settings (see ``_shared_connection``)."""
        table = super()._get_connection()
        if table.connection not in _SHARED:  # made just now by PynamoDB, with the Meta's settings
            shared = _connection_for(cls.Meta)
            with contextlib.suppress(ValueError):  # the shared connection knows this table already
                shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table


_BATCH_GET_ATTEMPTS = 5


def batch_get_consistent(
    wanted: Sequence[tuple[type[TableModel], tuple[Any, ...]]],
) -> dict[tuple[str, tuple[Any, ...]], TableModel]:
    """Items of several tables in one strongly consistent ``BatchGetItem`` (PynamoDB's
    ``batch_get`` reads one table per call): ``(model, key)`` pairs in, the items found
    out, by ``(table name, key)``. Keys DynamoDB leaves unprocessed are asked again."""
    requests: dict[str, dict[str, Any]] = {}
    models: dict[str, type[TableModel]] = {}
    for model, key in wanted:
        table = model.Meta.table_name
        models[table] = model
        names = [model._hash_key_attribute()]
        if model._range_key_attribute() is not None:
            names.append(model._range_key_attribute())
        item = {
            attribute.attr_name: {attribute.attr_type: attribute.serialize(value)}
            for attribute, value in zip(names, key, strict=True)
        }
        requests.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(item)
    found: dict[tuple[str, tuple[Any, ...]], TableModel] = {}
    for _ in range(_BATCH_GET_ATTEMPTS):
        if not requests:
            break
        try:
            reply = connection().dispatch("BatchGetItem", {"RequestItems": requests})
        except BOTOCORE_EXCEPTIONS as exc:
            raise GetError(f"Failed to batch get items: {exc}", exc) from exc
        for table, items in reply.get("Responses", {}).items():
            model = models[table]
            for raw in items:
                instance = model.from_raw_data(raw)
                key = (getattr(instance, model._hash_keyname or ""),)
                if model._range_keyname:
                    key += (getattr(instance, model._range_keyname),)
                found[(table, key)] = instance
        requests = reply.get("UnprocessedKeys") or {}
    if requests:
        raise GetError("DynamoDB left keys of a batch read unprocessed", None)
    return found


def registered_models() -> list[type[TableModel]]:
    """Every concrete table model of the installed apps, in a stable order."""

    def walk(cls: type[TableModel]) -> Iterator[type[TableModel]]:
        for sub in cls.__subclasses__():
            if getattr(getattr(sub, "Meta", None), "table_name", None):
                yield sub
            yield from walk(sub)

    return sorted(set(walk(TableModel)), key=lambda model: model.Meta.table_name)


def is_unavailable_error(exc: BaseException) -> bool:
    """Whether ``exc`` means DynamoDB could not be reached or asked us to back off."""
    if isinstance(exc, BotoCoreError | TableDoesNotExist):
        return True
    if isinstance(exc, PynamoDBException):
        return isinstance(exc.cause, BotoCoreError) or exc.cause_response_code in _TRANSIENT_ERROR_CODES
    return False


def is_condition_failure(exc: PynamoDBException) -> bool:
    """Whether a write failed because its condition did not hold (not because of an outage)."""
    return exc.cause_response_code == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class TableStatus:
    name: str
    created: bool


def table_ensure(*, model: type[TableModel], recreate: bool = False) -> TableStatus:
    """Create the table of ``model`` unless it exists; with ``recreate``, drop it first."""
    if recreate and model.exists():
        model.delete_table()
    if model.exists():
        return TableStatus(name=model.Meta.table_name, created=False)
    model.create_table(wait=True, billing_mode="PAY_PER_REQUEST", ignore_update_ttl_errors=True)
    return TableStatus(name=model.Meta.table_name, created=True)


def table_check(*, model: type[TableModel]) -> None:
    """Raise unless the table of ``model`` exists and DynamoDB answers."""
    model.describe_table()
