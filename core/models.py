"""Tables owned by core: the record of each Idempotency-Key."""

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

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
