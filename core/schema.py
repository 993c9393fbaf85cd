"""The project's drf-spectacular AutoSchema (``DEFAULT_SCHEMA_CLASS``): request schemas
that say what the project's serializers refuse.

A module of its own: drf-spectacular's ``openapi`` reads DRF's settings, which import the
throttles, which import ``core.problems``, which imports ``core.openapi``.
"""

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular import openapi
from drf_spectacular.plumbing import force_instance, is_patched_serializer
from rest_framework import serializers

from core.openapi import NON_BLANK_TEXT_PATTERN, TEXT_PATTERN
from core.serializers import PartialUpdateSerializer, StrictSerializer


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the text rules of DRF's CharField in request schemas.

    Without them a client (or a fuzzer) following the document sends ``"\\u0000"`` or
    ``" "`` where the schema allows any string, and gets a 400 the schema did not announce.
    """

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        plain_text = (
            isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and not {"enum", "format", "pattern"} & schema.keys()
            # A regex of the field's own says what it accepts (drf-spectacular adds it later).
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
        )
        if direction == "request" and plain_text:
            blank_allowed = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = TEXT_PATTERN if blank_allowed else NON_BLANK_TEXT_PATTERN
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            # ``many=True, min_length=..., max_length=...``: drf-spectacular drops both.
            # (the stubs lack these attributes of DRF's ListSerializer)
            bounds = {"minItems": getattr(field, "min_length", None), "maxItems": getattr(field, "max_length", None)}
            schema.update({key: value for key, value in bounds.items() if value is not None})
        return schema

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        """Request bodies as the project's serializers check them: a ``StrictSerializer``
        refuses unknown fields, a ``PartialUpdateSerializer`` wants at least one, and any
        other body sent with PATCH needs its required fields all the same."""
        schema = super()._map_basic_serializer(serializer, direction)
        serializer = force_instance(serializer)
        if direction != "request" or not isinstance(serializer, StrictSerializer):
            return schema
        schema["additionalProperties"] = False
        if isinstance(serializer, PartialUpdateSerializer):
            schema["minProperties"] = 1
        elif is_patched_serializer(serializer, direction):
            required = [name for name, field in serializer.fields.items() if field.required and not field.read_only]
            if required:
                schema["required"] = required
        return schema
