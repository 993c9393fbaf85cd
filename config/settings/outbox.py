"""The transactional outbox (``core.outbox``), general to any app that reports a change."""

from config.env import env

# The Celery app the outbox (and any work it hands over) is sent through, by import path,
# so that core never imports the project's configuration.
OUTBOX_CELERY_APP = "config.celery_app.app"

# An outbox event (or a pending delivery) that has not reached a worker this long after
# it was handed to Celery is handed over again by the sweep, which Celery beat runs
# every OUTBOX_SWEEP_INTERVAL_SECONDS.
OUTBOX_GRACE_SECONDS = env.float("OUTBOX_GRACE_SECONDS", default=60.0)
OUTBOX_SWEEP_INTERVAL_SECONDS = env.float("OUTBOX_SWEEP_INTERVAL_SECONDS", default=15.0)
# Dispatched events are kept this long, then DynamoDB's TTL removes them.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)
