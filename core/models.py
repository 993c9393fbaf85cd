"""Tables owned by core: the record of each Idempotency-Key, and the outbox of events."""

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from core.dynamodb import TableMeta, TableModel, table_name


class IdempotencyRecord(TableModel):
    """One ``Idempotency-Key`` of one caller on one endpoint, and the response it got.

    ``state`` is ``in_progress`` while the first request runs (until ``lease_until``,
    after which a retry may take over a request that crashed) and ``completed`` once
    ``response_*`` hold what to replay. DynamoDB's TTL removes it after ``expires_at``.
    Access: GetItem and conditional PutItem/UpdateItem on ``key``.
    """

    class Meta(TableMeta):
        table_name = table_name("idempotency")

    key = UnicodeAttribute(hash_key=True)  # sha256 of caller, method, path and the header
    fingerprint = UnicodeAttribute()  # sha256 of the request's parsed body
    state = UnicodeAttribute()
    owner = UnicodeAttribute()  # random id of the request holding the claim
    lease_until = NumberAttribute()  # epoch seconds
    expires_at = TTLAttribute()
    response_status = NumberAttribute(null=True)
    response_body = UnicodeAttribute(null=True)  # JSON
    response_headers = UnicodeAttribute(null=True)  # JSON object of replayed headers
    response_content_type = UnicodeAttribute(null=True)


class DueIndex(GlobalSecondaryIndex):
    """Sparse: only items with work still to hand to a worker carry ``due_shard`` and
    ``due_at``, so the sweep reads exactly those, oldest first (``due_at <= now``).

    The partition is one of ``DUE_SHARDS`` values, so on registration day the writes
    to the index spread over several partitions instead of one hot key.
    """

    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class OutboxRecord(TableModel):
    """An event written in the same TransactWrite as the change it reports (the
    transactional outbox), so the change cannot exist without its event.

    While the event has not reached its consumer task it carries ``due_shard`` and
    ``due_at`` (the ``due`` index); ``outbox_dispatched`` removes them and sets the TTL.
    Access: PutItem in a transaction, GetItem on ``event_id``, Query on ``due``.
    """

    class Meta(TableMeta):
        table_name = table_name("outbox")

    event_id = UnicodeAttribute(hash_key=True)  # "evt_" + time-ordered id; the webhook-id
    type = UnicodeAttribute()  # e.g. enrollment.promoted
    occurred_at = UTCDateTimeAttribute()
    data = UnicodeAttribute()  # JSON object
    handovers = NumberAttribute(default=0)  # times the sweep handed it to Celery again
    dispatched_at = UTCDateTimeAttribute(null=True)
    due_shard = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)  # epoch seconds
    expires_at = TTLAttribute(null=True)

    due = DueIndex()
