"""Request and response shapes of the subscription endpoints."""

from rest_framework import serializers

from core.serializers import StrictSerializer
from enrollment.api import SECTION_ID
from notifications.data import Channel, DeliveryStatus

MAX_URL_LENGTH = 2048


class SubscriptionCreateInputSerializer(StrictSerializer):
    section_id = serializers.RegexField(
        rf"^(?:{SECTION_ID})$", max_length=64, help_text="The section to hear about, e.g. 2026FA-CPSC-449-01."
    )
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True, max_length=254)
    webhook_url = serializers.URLField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=MAX_URL_LENGTH,
        help_text="Receives a signed POST (Standard Webhooks). https; http only where private targets are allowed.",
    )

    def validate_section_id(self, value: str) -> str:
        return value.upper()


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Opaque.")
    section_id = serializers.CharField()
    student_id = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    webhook_url = serializers.URLField(allow_null=True)
    created_at = serializers.DateTimeField()


class SubscriptionCreatedSerializer(SubscriptionOutputSerializer):
    webhook_secret = serializers.CharField(
        help_text="`whsec_` + base64 key that signs the webhooks (Standard Webhooks). Shown this once: keep it."
    )


class DeliverySerializer(serializers.Serializer):
    event_id = serializers.CharField(help_text="The event's id: the webhook's `webhook-id` header.")
    channel = serializers.ChoiceField(choices=[str(channel) for channel in Channel])
    status = serializers.ChoiceField(choices=[str(status) for status in DeliveryStatus])
    attempts = serializers.IntegerField(help_text="Attempts made so far.")
    last_error = serializers.CharField(allow_null=True, help_text="Why the last attempt failed; null once delivered.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True, help_text="While pending: when it is tried next.")
