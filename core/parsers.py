"""The request body parser of every API view: DRF's JSON parser, made total.

DRF's parser turns a ``ValueError`` (bad JSON, bad UTF-8) into a 400, but a body
nested deeper than Python's recursion limit (tens of thousands of ``[``) makes the
decoder raise ``RecursionError``, which would be a 500.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser

NESTED_TOO_DEEPLY = "JSON parse error - the body is nested too deeply."


class JSONParser(DRFJSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(NESTED_TOO_DEEPLY) from exc
