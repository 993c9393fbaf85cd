"""OpenAPI pieces every app's views share: the problem document and its responses."""

from http import HTTPStatus
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

PROBLEM_CONTENT_TYPE = "application/problem+json"

# What every DRF CharField refuses and drf-spectacular leaves unsaid: a NUL character
# anywhere, and (unless blank is allowed) a value that is blank once trimmed.
TEXT_PATTERN = r"^[^\x00]*$"
NON_BLANK_TEXT_PATTERN = r"^[^\x00]*[^\x00\s][^\x00]*$"


def path_parameter(name: str, regex: str, description: str) -> OpenApiParameter:
    """A path parameter documented with the route's own regex: an id the route cannot
    match is a 404 before any view runs, and clients and fuzzers can know which."""
    schema = {"type": "string", "pattern": f"^(?:{regex})$"}
    return OpenApiParameter(name, schema, OpenApiParameter.PATH, description=description)


# A query parameter whose value is a JSON document (GraphQL's ``variables``) says so with
# this extension; the hook below describes it by its content instead of as a string.
JSON_CONTENT = {"x-json-content": {"type": "object"}}


def query_parameters_as_parsed(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook for query parameters.

    The API's list filters and page parameters are read by serializers from the query
    string, where DRF takes an empty optional value (``?course=``) as absent: the document
    says ``allowEmptyValue``. A parameter marked with ``JSON_CONTENT`` is JSON in a string.
    """
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                content = parameter.pop("x-json-content", None)
                if content is not None:
                    parameter.pop("schema", None)
                    parameter["content"] = {"application/json": {"schema": content}}
                elif path.startswith("/api/v1/") and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


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
