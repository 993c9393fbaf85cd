"""Serializers and serializer helpers shared by every app's views."""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """``data`` checked by ``serializer_class``: its validated data, or a 400 (``ValidationError``)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is a 400 instead of a silent no-op."""

    def to_internal_value(self, data):
        # A number where the document says text is refused too: DRF's CharField would
        # store 12.5 as "12.5". A text field that takes numbers on purpose (a user id)
        # says ``numbers_allowed``.
        if isinstance(data, Mapping):
            numbers = {
                name: ["Not a valid string."]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not getattr(field, "numbers_allowed", False)
                and isinstance(data.get(name), int | float)
            }
            if numbers:
                raise serializers.ValidationError(numbers)
        return super().to_internal_value(data)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields)) if hasattr(self.initial_data, "keys") else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown or read-only field."] for name in unknown})
        return attrs


class PartialUpdateSerializer(StrictSerializer):
    """A PATCH body: the fields to change, at least one of them."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["Send at least one field to change."]})
        return attrs


class HealthOutputSerializer(serializers.Serializer):
    status = serializers.CharField()


class ReadinessOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    checks = serializers.DictField(child=serializers.CharField(), help_text="Store name to `ok` or the failure.")
