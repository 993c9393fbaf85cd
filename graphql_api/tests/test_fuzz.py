"""GraphQL fuzzing of its own, on a live server, with the token of each role.

Four kinds of case go to ``POST /graphql/``: queries that hypothesis-graphql builds from
the schema (valid ones, and invalid ones), queries over each field's arguments with random
variables (real ids part of the time), and malformed bodies (JSON that is not an object,
members of the wrong type, garbage documents, bytes that are not JSON). Every answer must
be below 500 and be either a GraphQL result (``data`` and/or ``errors``, each error with a
``message``) or a problem document.
"""

import json
import time
from collections import Counter

import graphql
import pytest
import requests
from hypothesis import given, seed
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

from accounts.roles import Role
from core.tests.fuzzing import BUDGET_SECONDS, SEED, Known, bounded, world_make
from graphql_api.schema import schema as strawberry_schema

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "code"}
GRAPHQL_CONTENT_TYPES = ("application/json", "application/graphql-response+json")
# Cases of each kind, for each role.
EXAMPLES = 10

SCHEMA: graphql.GraphQLSchema = strawberry_schema._schema

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _variable_queries(known: Known) -> st.SearchStrategy[dict]:
    """``query($a: T, ...) { field(a: $a) ... }`` for each field of Query with arguments,
    with variables that are real ids, values of the declared types, or anything at all."""
    ids = [value for values in known.values.values() for value in values]
    documents = []
    for name, field in SCHEMA.query_type.fields.items():  # type: ignore[union-attr]
        if not field.args:
            continue
        declared = ", ".join(f"${arg}: {arg_field.type}" for arg, arg_field in field.args.items())
        passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
        selection = "" if graphql.is_leaf_type(graphql.get_named_type(field.type)) else " { __typename }"
        documents.append((f"query Fuzz({declared}) {{ {name}({passed}){selection} }}", list(field.args)))
    value = st.sampled_from(ids) | json_values
    return st.sampled_from(documents).flatmap(
        lambda document: st.fixed_dictionaries(
            {"query": st.just(document[0]), "variables": st.dictionaries(st.sampled_from(document[1]), value)},
            optional={"operationName": st.sampled_from(["Fuzz", "Other"]) | json_values},
        )
    )


def _documents(mode: Mode) -> st.SearchStrategy[dict]:
    return queries(SCHEMA, mode=mode).map(lambda document: {"query": document})


# Raw bodies: (bytes, content type).
_malformed = st.one_of(
    # JSON that is not an object.
    json_values.filter(lambda value: not isinstance(value, dict)).map(lambda value: (json.dumps(value), "json")),
    # Members of the wrong type, or none of the right ones.
    st.fixed_dictionaries(
        {},
        optional={"query": json_values | st.text(), "variables": json_values, "operationName": json_values},
    ).map(lambda value: (json.dumps(value), "json")),
    # A garbage document.
    st.text().map(lambda text: (json.dumps({"query": text}), "json")),
    # Not JSON, or not UTF-8, or not said to be JSON.
    st.binary(max_size=64).map(lambda raw: (raw, "json")),
    st.text(max_size=64).map(lambda text: (text.encode("utf-8", "surrogatepass"), "json")),
    st.sampled_from(["text/plain", "application/graphql", "application/x-www-form-urlencoded", ""]).map(
        lambda content_type: ('{"query": "{ me { id } }"}', content_type)
    ),
)


def _problems_with(response: requests.Response) -> str | None:
    """What is wrong with ``response`` as an answer of GraphQL over HTTP, or None."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:300]}"
    content_type = response.headers.get("Content-Type", "")
    try:
        body = response.json()
    except ValueError:
        return f"not JSON ({content_type}): {response.text[:300]}"
    if content_type.startswith("application/problem+json"):
        if not isinstance(body, dict) or not PROBLEM_MEMBERS <= set(body) or body["status"] != response.status_code:
            return f"a broken problem document: {body}"
        return None
    if not content_type.startswith(GRAPHQL_CONTENT_TYPES):
        return f"content type {content_type!r}"
    for result in body if isinstance(body, list) else [body]:
        if not isinstance(result, dict) or not {"data", "errors"} & set(result):
            return f"neither data nor errors: {result}"
        if result.get("data") is not None and not isinstance(result["data"], dict):
            return f"data that is not an object: {result}"
        errors = result.get("errors", [])
        if not isinstance(errors, list) or not all(isinstance(error, dict) for error in errors):
            return f"errors that are not objects: {result}"
        if not all(isinstance(error.get("message"), str) for error in errors):
            return f"errors without messages: {result}"
        if "errors" not in result and result.get("data") is None:
            return f"no data and no errors: {result}"
        if any((error.get("extensions") or {}).get("status", 0) >= 500 for error in errors):
            return f"a server error for a field: {result}"
    return None


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR, Role.REGISTRAR])
def test_graphql_answers_every_body_properly(role, http_server, make_user, client_for, capsys):
    world = world_make(client_for, make_user)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {world.token(http_server.url, role)}"
    url = f"{http_server.url}/graphql/"
    statuses: Counter[int] = Counter()
    cases: Counter[str] = Counter()
    failures: dict[str, str] = {}

    def send(kind: str, raw: str | bytes, content_type: str) -> None:
        cases[kind] += 1
        headers = {"Content-Type": "application/json" if content_type == "json" else content_type}
        response = session.post(url, data=raw, headers=headers, timeout=30)
        statuses[response.status_code] += 1
        problem = _problems_with(response)
        if problem:
            failures.setdefault(f"{kind}: {problem[:200]}", f"sent {raw[:500]!r} ({content_type})")

    kinds: dict[str, st.SearchStrategy] = {
        "valid query": _documents(Mode.POSITIVE).map(lambda body: (json.dumps(body), "json")),
        "invalid query": _documents(Mode.NEGATIVE).map(lambda body: (json.dumps(body), "json")),
        "variables": _variable_queries(world.known).map(lambda body: (json.dumps(body), "json")),
        "malformed body": _malformed,
    }
    started = time.monotonic()
    for done, (kind, strategy) in enumerate(kinds.items()):
        spent = time.monotonic() - started
        per_case = spent / max(1, sum(cases.values())) or 0.05
        examples = max(3, min(EXAMPLES, int((BUDGET_SECONDS - spent) / (len(kinds) - done) / per_case)))

        @seed(SEED)
        @bounded(examples)
        @given(body=strategy)
        def run(body: tuple[str | bytes, str]) -> None:
            send(kind, *body)  # noqa: B023 (run is called before the loop moves on)

        run()
    elapsed = time.monotonic() - started

    with capsys.disabled():
        print(
            f"\nGraphQL fuzzing as {role}: {sum(cases.values())} cases ({dict(cases)}) in {elapsed:.1f} s; "
            f"statuses {dict(sorted(statuses.items()))}"
        )
    assert set(cases) == set(kinds), f"kinds no case reached: {set(kinds) - set(cases)}"
    assert not failures, "\n".join(f"{problem}\n    {sent}" for problem, sent in failures.items())


def test_a_variable_its_type_refuses_is_the_callers_error_not_the_servers(client_for, student, caplog):
    body = {"query": "query Fuzz($id: ID!) { section(id: $id) { id } }", "variables": {"id": [["", None], False]}}

    response = client_for(student).post("/graphql/", body, format="json")

    assert response.status_code < 500
    (error,) = response.json()["errors"]
    assert error["message"].startswith("Variable '$id' has invalid value")
    assert error["extensions"] == {"code": "invalid", "status": 400}
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


@pytest.mark.parametrize("body", [b"\xef\xbf", b"\xff\xfe\x00", b'{"query": "{ me { id } }\xff"}'])
def test_a_body_that_is_not_utf8_is_a_400_problem(client_for, student, body):
    response = client_for(student).generic("POST", "/graphql/", body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Unable to parse request body as JSON"


@pytest.mark.parametrize("name", [3.2, 1, ["Q"], {"a": 1}, True])
def test_an_operation_name_that_is_not_a_string_is_a_400_problem(client_for, student, name):
    body = {"query": "query Q { me { id } }", "operationName": name}

    response = client_for(student).post("/graphql/", body, format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "operationName" in response.json()["detail"]
