"""The email of a notification: a plain-text and an HTML part, sent through Django's
email framework (``EMAIL_URL`` picks the backend: SMTP in production, the console in
development, so the message shows in the ``make run`` output)."""

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from notifications.errors import SendFailed

_TEMPLATES = {
    "enrollment.promoted": "notifications/email/enrollment_promoted",
    "enrollment.promotion_skipped": "notifications/email/enrollment_promotion_skipped",
}


def _failure(exc: Exception) -> SendFailed:
    """Transient: no connection, a timeout, a 4xx SMTP reply; anything else is final."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return SendFailed(f"Recipient refused: {exc.recipients}", transient=all(400 <= code < 500 for code in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", transient=400 <= exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):  # OSError: refused, unreachable, timed out
        return SendFailed(f"{type(exc).__name__}: {exc}", transient=True)
    return SendFailed(f"{type(exc).__name__}: {exc}", transient=False)


def notification_email_send(*, to: str, event: dict[str, Any]) -> None:
    """Send the email of ``event`` (as in the webhook body) to ``to``; ``SendFailed`` if it was not taken."""
    template = _TEMPLATES[event["type"]]
    context = {"event": event, "data": event["data"]}
    subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-Event-Id": event["id"]},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise _failure(exc) from exc
