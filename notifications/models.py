"""Subscriptions and delivery records in DynamoDB (see docs/data-model.md).

A subscription is keyed by its student and section, so "one per student and section"
is a conditional PutItem and "this student's subscriptions for this section" (the
fan-out of an event) is one GetItem; its public id encodes that key (see
``SubscriptionKey``), so reading it by id is a GetItem too.

A delivery is one (event, subscription, channel): the worker claims it with a
conditional write before sending, so a task that runs twice sends once.
"""

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from core.dynamodb import TableMeta, TableModel, table_name
from core.models import DueIndex


class Subscription(TableModel):
    """A student's request to hear when they are enrolled from a section's waitlist.

    Access: PutItem (condition: none yet), GetItem on (``student_id``, ``section_id``),
    Query on ``student_id`` ("my subscriptions"), DeleteItem.
    """

    class Meta(TableMeta):
        table_name = table_name("subscriptions")

    student_id = UnicodeAttribute(hash_key=True)
    section_id = UnicodeAttribute(range_key=True)
    subscription_id = UnicodeAttribute()  # the public id; changes if it is deleted and made again
    email = UnicodeAttribute(null=True)
    webhook_url = UnicodeAttribute(null=True)
    sealed_secret = UnicodeAttribute()  # the signing secret, encrypted (see notifications.webhooks)
    created_at = UTCDateTimeAttribute()


class Delivery(TableModel):
    """One event sent (or being sent) on one channel of one subscription.

    ``status`` is ``pending`` until it is ``delivered`` or ``failed``. A worker claims
    an attempt with a conditional update (``pending``, not leased, ``next_attempt_at``
    reached) that sets ``lease_owner``/``lease_until`` and counts the attempt; only the
    lease holder records the outcome. While pending it sits in the ``due`` index, due
    when the sweep should hand it to a worker again (a lost message, a dead worker).
    Access: conditional PutItem/UpdateItem and GetItem on the key; Query on
    ``subscription_id`` (``GET /subscriptions/{id}/deliveries/``, oldest first, since
    event ids are time-ordered); Query on ``due``.
    """

    class Meta(TableMeta):
        table_name = table_name("deliveries")

    subscription_id = UnicodeAttribute(hash_key=True)
    delivery_key = UnicodeAttribute(range_key=True)  # "{event_id}#{channel}"
    event_id = UnicodeAttribute()
    channel = UnicodeAttribute()  # email | webhook
    status = UnicodeAttribute()  # pending | delivered | failed
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    next_attempt_at = NumberAttribute()  # epoch seconds
    lease_owner = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)  # epoch seconds
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    delivered_at = UTCDateTimeAttribute(null=True)
    due_shard = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    expires_at = TTLAttribute()

    due = DueIndex()
