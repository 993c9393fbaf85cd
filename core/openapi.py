"""OpenAPI pieces every app's views share: the problem document and its responses."""

from http import HTTPStatus

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every error of this API is rendered."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    code = serializers.CharField(help_text="Stable, snake_case: what a client switches on.")
    # A field named like Serializer.errors: this serializer only documents the schema.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation failures only: field name to messages.",
    )


def problem_responses(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """``@extend_schema(responses=...)`` entries for the given error statuses."""
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ProblemSerializer, description=HTTPStatus(status).phrase
        )
        for status in statuses
    }
