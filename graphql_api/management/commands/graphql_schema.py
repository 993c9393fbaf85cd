"""The GraphQL schema (SDL): print it, write graphql_api/schema.graphql, or check it."""

from pathlib import Path

from core.management.generated import GeneratedFileCommand
from graphql_api.schema import schema

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"


class Command(GeneratedFileCommand):
    help = "Print the GraphQL schema; --write updates graphql_api/schema.graphql, --check fails if it is stale."
    path = COMMITTED

    def render(self, **options) -> str:
        return schema.as_str() + "\n"
