"""Errors in GraphQL answers carry the REST API's codes.

A field that fails (not found, not allowed, bad input, a store down) is null in
``data`` and has an entry in ``errors`` with its ``path`` and ``extensions``:
``code`` (the same as the REST problem document's), ``status`` (what REST would have
answered) and, for bad input, ``errors`` by argument. Anything unexpected is logged
with its traceback and answered with a fixed message, never its text.
"""

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from core.problems import described

logger = logging.getLogger(__name__)

UNEXPECTED = "An unexpected error occurred; it has been logged."


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _extensions(exc: Exception) -> dict[str, Any] | None:
    """The extensions of an error a resolver raised (what REST's problem document would
    say, argument names in camelCase); None for an unexpected one."""
    known = described(exc)
    if known is None:
        return None
    extra = dict(known.extra)
    if "errors" in extra:
        extra["errors"] = {_camel(name): messages for name, messages in extra["errors"].items()}
    return {"code": known.code, "status": int(known.status), "message": known.detail, **extra}


def _is_bad_variable(error: GraphQLError) -> bool:
    """A variable's value that its declared type refuses (``"ID cannot represent value:
    [...]"``): graphql-core wraps its own error, which no resolver raised."""
    return error.path is None and isinstance(error.original_error, GraphQLError)


class ErrorCodes(SchemaExtension):
    """Rewrites each error of the result as described above."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [self._shaped(error) for error in result.errors]

    @staticmethod
    def _shaped(error: GraphQLError) -> GraphQLError:
        message = error.message
        if error.original_error is None:
            # The document itself: syntax, validation, limits. Its extensions say which.
            extensions = {"code": "invalid_query", "status": 400, **(error.extensions or {})}
        elif _is_bad_variable(error):
            extensions = {"code": "invalid", "status": 400}
        else:
            extensions = _extensions(error.original_error) or {"code": "internal_error", "status": 500}
            message = extensions.pop("message", UNEXPECTED)
        return GraphQLError(message, error.nodes, error.source, error.positions, error.path, None, extensions)


class LoggedSchema(Schema):
    """Logs what needs a look: unexpected errors with their traceback, and a store that
    is down. A refusal or a bad argument is the caller's business, not the log's."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            original = error.original_error
            if original is None or _is_bad_variable(error):
                continue  # the document or its variables: the caller's to fix
            known = described(original)
            if known is None:
                logger.error("GraphQL %s failed", error.path, exc_info=original)
            elif known.store is not None:
                logger.warning("GraphQL %s: %s unavailable: %r", error.path, known.store, original)
