"""The Celery application. Its settings live in ``config.settings.celery``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("enrollment")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
