"""Notifications: the outbox of events, webhook and email delivery, and their sweep."""

from datetime import timedelta

from config.env import env

# Webhook targets on loopback, private, link-local or metadata addresses (and plain
# http) are refused unless this is on: a student must not make the service call into
# its own network. On by default in local development and tests only (local.py, test.py).
NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = env.bool("NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS", default=False)

# Attempts per delivery (the first included) before it is marked failed; transient
# failures are retried after base * 2**(attempt - 1) seconds, capped, with full jitter.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=5.0)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_RETRY_MAX_SECONDS", default=600.0)
NOTIFICATIONS_WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("NOTIFICATIONS_WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=3.0)
NOTIFICATIONS_WEBHOOK_READ_TIMEOUT_SECONDS = env.float("NOTIFICATIONS_WEBHOOK_READ_TIMEOUT_SECONDS", default=10.0)
# Delivery records (and dispatched outbox events) are kept this long, then DynamoDB's TTL removes them.
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=90)

# An outbox event (or a pending delivery) that has not reached a worker this long after
# it was handed to Celery is handed over again by the sweep, which Celery beat runs
# every OUTBOX_SWEEP_INTERVAL_SECONDS. A broker outage delays notifications; it loses none.
OUTBOX_GRACE_SECONDS = env.float("OUTBOX_GRACE_SECONDS", default=60.0)
OUTBOX_SWEEP_INTERVAL_SECONDS = env.float("OUTBOX_SWEEP_INTERVAL_SECONDS", default=15.0)
# Which Celery task consumes each type of event.
OUTBOX_CONSUMERS = {"enrollment.promoted": "notifications.deliver_event"}

CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "notifications.sweep",
        "schedule": timedelta(seconds=OUTBOX_SWEEP_INTERVAL_SECONDS),
        # A sweep that waited longer than its interval is superseded by the next one.
        "options": {"expires": OUTBOX_SWEEP_INTERVAL_SECONDS},
    },
}
