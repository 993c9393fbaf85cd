"""Outgoing email, configured by one URL (``EMAIL_URL``), e.g. ``smtp+tls://user:pw@host:587``.

django-environ turns the URL into Django's EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT,
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS/SSL settings.
"""

from config.env import env

globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Registrar <registrar@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
