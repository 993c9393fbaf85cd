from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Notifications consume the outbox's promotion events; the outbox itself knows no consumer.
        from core.outbox import outbox_consumer_register
        from enrollment.api import PROMOTED_EVENT, SKIPPED_EVENT

        outbox_consumer_register(event_type=PROMOTED_EVENT, task="notifications.deliver_event")
        outbox_consumer_register(event_type=SKIPPED_EVENT, task="notifications.deliver_event")
