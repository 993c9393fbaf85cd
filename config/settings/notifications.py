"""Notifications: the outbox of events, webhook and email delivery, and their sweep."""

from datetime import timedelta

from config.env import env
from config.settings.outbox import OUTBOX_SWEEP_INTERVAL_SECONDS

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
# Delivery records are kept this long, then DynamoDB's TTL removes them.
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=90)

# The sweep of the outbox (core.outbox) and of pending deliveries: one beat task, every
# OUTBOX_SWEEP_INTERVAL_SECONDS (config/settings/outbox.py). A broker outage delays
# notifications; it loses none.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "notifications.sweep",
        "schedule": timedelta(seconds=OUTBOX_SWEEP_INTERVAL_SECONDS),
        # A sweep that waited longer than its interval is superseded by the next one.
        "options": {"expires": OUTBOX_SWEEP_INTERVAL_SECONDS},
    },
}
