import io

from django.core.management import call_command

from graphql_api.management.commands.graphql_schema import COMMITTED
from graphql_api.schema import schema


def test_the_committed_schema_is_current():
    # Clients generate code from graphql_api/schema.graphql: it must be the schema served.
    call_command("graphql_schema", "--check", stdout=io.StringIO())
    assert COMMITTED.read_text() == schema.as_str() + "\n"


def test_the_schema_has_no_mutations_or_subscriptions():
    assert schema.as_str().count("type Query") == 1
    assert "type Mutation" not in schema.as_str()
    assert "type Subscription" not in schema.as_str()
