"""What ``/graphql/`` refuses before reading anything (too deep, too costly, too long,
introspection when it is off, mutations), and the GraphiQL page of development.

The limits are settings read for every operation, so the ``settings`` fixture of
pytest-django lowers or raises them for one test.
"""

import re

import pytest
from graphql import get_introspection_query

from core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from enrollment.tests.http import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.django_db

GRAPHQL = "/graphql/"

# section(1) waitlist(2) items(3) section(4) waitlist(5) items(6) section(7) course(8) title(9)
DEEP_9 = """
query Deep($id: ID!) {
  section(id: $id) {
    waitlist(pageSize: 1) { items { section {
      waitlist(pageSize: 1) { items { section { course { title } } } }
    } } }
  }
}
"""
# The same, one level less: section(7) id(8).
DEEP_8 = """
query Deep($id: ID!) {
  section(id: $id) {
    waitlist(pageSize: 1) { items { section {
      waitlist(pageSize: 1) { items { section { id } } }
    } } }
  }
}
"""
# DEEP_9 through named fragments, each adding levels of its own.
DEEP_9_FRAGMENTS = """
query Deep($id: ID!) { section(id: $id) { ...Line } }
fragment Line on Section { waitlist(pageSize: 1) { items { ...Place } } }
fragment Place on WaitlistEntry { section { ...Again } }
fragment Again on Section { waitlist(pageSize: 1) { items { section { ...Course } } } }
fragment Course on Section { course { title } }
"""
# DEEP_9 through inline fragments.
DEEP_9_INLINE = """
query Deep($id: ID!) {
  section(id: $id) {
    ... on Section { waitlist(pageSize: 1) { items { ... { section {
      waitlist(pageSize: 1) { items { section { ... on Section { course { title } } } } }
    } } } } }
  }
}
"""

COSTLY = "{ sections(pageSize: 100) { items { roster(pageSize: 100) { items { studentId } } } } }"


def _only_error(body: dict) -> dict:
    assert len(body.get("errors", [])) == 1, body
    return body["errors"][0]


@pytest.fixture
def own_section(new_section):
    return new_section()


# --- depth ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [DEEP_9, DEEP_9_FRAGMENTS, DEEP_9_INLINE], ids=["plain", "fragments", "inline"])
def test_a_query_deeper_than_the_limit_is_refused_before_any_read(
    graphql, instructor, own_section, dynamodb_calls, query
):
    dynamodb_calls.clear()

    body = graphql(instructor, query, {"id": own_section.id})

    assert body["data"] is None
    error = _only_error(body)
    assert error["extensions"]["code"] == "query_too_deep"
    assert error["extensions"]["status"] == 400
    assert (error["extensions"]["depth"], error["extensions"]["limit"]) == (9, 8)
    assert error["message"] == "Operation 'Deep' is 9 levels deep; the limit is 8. Nest fewer fields."
    assert dynamodb_calls.count() == 0


def test_a_query_as_deep_as_the_limit_runs(graphql, instructor, own_section):
    body = graphql(instructor, DEEP_8, {"id": own_section.id})

    assert body == {"data": {"section": {"waitlist": {"items": []}}}}


def test_an_unnamed_deep_query_is_this_query_in_the_message(graphql, student, settings):
    settings.GRAPHQL_MAX_DEPTH = 2

    body = graphql(student, "{ sections { items { id } } }")

    assert _only_error(body)["message"] == "This query is 3 levels deep; the limit is 2. Nest fewer fields."


def test_a_lower_depth_limit_from_settings(graphql, student, settings, dynamodb_calls):
    settings.GRAPHQL_MAX_DEPTH = 2

    assert graphql(student, "{ me { id } }") == {"data": {"me": {"id": student.id}}}
    dynamodb_calls.clear()
    refused = graphql(student, "{ courses { items { id } } }")
    assert _only_error(refused)["extensions"]["code"] == "query_too_deep"
    assert (refused["errors"][0]["extensions"]["depth"], refused["errors"][0]["extensions"]["limit"]) == (3, 2)
    assert dynamodb_calls.count() == 0


def test_a_higher_depth_limit_from_settings(graphql, instructor, own_section, settings):
    settings.GRAPHQL_MAX_DEPTH = 9

    body = graphql(instructor, DEEP_9, {"id": own_section.id})

    assert body == {"data": {"section": {"waitlist": {"items": []}}}}


# --- cost -----------------------------------------------------------------------------------


def test_a_costly_query_is_refused_with_its_cost_and_the_limit(graphql, registrar, dynamodb_calls):
    dynamodb_calls.clear()

    body = graphql(registrar, COSTLY)

    assert body["data"] is None
    error = _only_error(body)
    assert error["extensions"]["code"] == "query_too_costly"
    assert error["extensions"]["status"] == 400
    # 100 sections, each a roster (weight 10) of 100 rows of 2 fields.
    expected = 1 + 100 * (1 + 10 + 100 * (1 + 1))
    assert (error["extensions"]["cost"], error["extensions"]["limit"]) == (expected, 5000)
    assert error["message"].startswith(f"This query costs {expected}; the limit is 5000.")
    assert "pageSize" in error["message"]
    assert dynamodb_calls.count() == 0


def test_a_page_size_from_a_variable_counts_as_the_largest_page(graphql, registrar, own_section, dynamodb_calls):
    inner = "items { roster(pageSize: 20) { items { studentId } } }"
    by_variable = f"query($n: Int, $t: String) {{ sections(term: $t, pageSize: $n) {{ {inner} }} }}"
    literal = f"query($t: String) {{ sections(term: $t, pageSize: 1) {{ {inner} }} }}"
    dynamodb_calls.clear()

    refused = graphql(registrar, by_variable, {"n": 1, "t": own_section.term})

    error = _only_error(refused)
    assert error["extensions"]["code"] == "query_too_costly"
    assert error["extensions"]["cost"] == 1 + MAX_PAGE_SIZE * (1 + 10 + 20 * 2)
    assert dynamodb_calls.count() == 0
    # The same page size written in the query: cheap, and it runs.
    body = graphql(registrar, literal, {"t": own_section.term})
    assert body == {"data": {"sections": {"items": [{"roster": {"items": []}}]}}}


def test_a_list_without_page_size_counts_the_default_page(graphql, student, settings):
    # courses: 1, plus a default page of items of 2 fields (items, id).
    settings.GRAPHQL_MAX_COST = 1 + DEFAULT_PAGE_SIZE * 2 - 1

    body = graphql(student, "{ courses { items { id } } }")

    assert _only_error(body)["extensions"]["cost"] == 1 + DEFAULT_PAGE_SIZE * 2


def test_a_lower_cost_limit_from_settings(graphql, student, settings, dynamodb_calls):
    settings.GRAPHQL_MAX_COST = 10
    dynamodb_calls.clear()

    refused = graphql(student, "{ courses { items { id } } }")
    assert _only_error(refused)["extensions"] == {
        "code": "query_too_costly",
        "status": 400,
        "cost": 41,
        "limit": 10,
    }
    assert dynamodb_calls.count() == 0
    passed = graphql(student, "{ courses(pageSize: 2) { items { id } } }")
    assert "errors" not in passed, passed


def test_aliases_add_up(graphql, student, dynamodb_calls):
    # 25 lists of 100 sections of 2 fields: 25 * 201 = 5025, over 5000.
    query = "{ " + " ".join(f"s{n}: sections(pageSize: 100) {{ items {{ id }} }}" for n in range(25)) + " }"
    dynamodb_calls.clear()

    body = graphql(student, query)

    error = _only_error(body)
    assert (error["extensions"]["code"], error["extensions"]["cost"]) == ("query_too_costly", 25 * 201)
    assert dynamodb_calls.count() == 0


def test_too_many_aliases_are_refused(graphql, student, dynamodb_calls):
    query = "{ " + " ".join(f"m{n}: me {{ id }}" for n in range(31)) + " }"
    dynamodb_calls.clear()

    body = graphql(student, query)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "invalid_query"
    assert "alias" in body["errors"][0]["message"].lower()


def test_deep_and_costly_are_both_reported(graphql, registrar, settings):
    settings.GRAPHQL_MAX_DEPTH = 4

    body = graphql(registrar, COSTLY)

    assert sorted(error["extensions"]["code"] for error in body["errors"]) == ["query_too_costly", "query_too_deep"]


def test_a_normal_query_passes(graphql, student, own_section):
    # GraphiQL's example query, in this test's term.
    query = """
    query OpenSections($term: String) {
      sections(term: $term, open: true, pageSize: 5) {
        items { id title seatsLeft waitlisted course { credits } instructor { lastName } }
        nextCursor
      }
      me { username enrollments { items { sectionId status position } } }
    }
    """

    body = graphql(student, query, {"term": own_section.term})

    assert "errors" not in body, body
    assert [item["id"] for item in body["data"]["sections"]["items"]] == [own_section.id]
    assert body["data"]["me"] == {"username": student.username, "enrollments": {"items": []}}


# --- tokens ----------------------------------------------------------------------------------


def test_a_document_with_too_many_tokens_is_refused(graphql, student, dynamodb_calls):
    query = "{ " + "me { id } " * 700 + "}"  # 2,800 tokens
    dynamodb_calls.clear()

    body = graphql(student, query)

    assert body["data"] is None
    error = _only_error(body)
    assert error["extensions"]["code"] == "invalid_query"
    assert "more than 2000 tokens" in error["message"]
    assert dynamodb_calls.count() == 0


def test_a_lower_token_limit_from_settings(graphql, student, settings):
    settings.GRAPHQL_MAX_TOKENS = 8

    assert graphql(student, "{ me { id } }") == {"data": {"me": {"id": student.id}}}
    body = graphql(student, "{ me { id username firstName lastName email roles } }")
    assert "more than 8 tokens" in _only_error(body)["message"]


# --- introspection ---------------------------------------------------------------------------


def test_introspection_works_in_test_settings(graphql, student):
    body = graphql(student, "{ __schema { types { name } } }")

    names = {type_["name"] for type_ in body["data"]["__schema"]["types"]}
    assert {"Query", "Section", "Course", "Person", "Me", "Registration", "SectionStatus"} <= names


def test_graphiqls_full_introspection_query_is_within_the_limits(graphql, student):
    # Deeper than GRAPHQL_MAX_DEPTH (ofType in ofType...), but introspection is not counted.
    body = graphql(student, get_introspection_query(descriptions=True))

    assert "errors" not in body, body["errors"]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_introspection_is_refused_when_turned_off(graphql, student, settings, dynamodb_calls):
    settings.GRAPHQL_INTROSPECTION = False
    dynamodb_calls.clear()

    body = graphql(student, "{ __schema { types { name } } }")
    by_type = graphql(student, '{ __type(name: "Section") { fields { name } } }')

    for refused in (body, by_type):
        assert refused["data"] is None
        assert refused["errors"]
        assert all(error["extensions"]["code"] == "invalid_query" for error in refused["errors"])
        assert "introspection" in refused["errors"][0]["message"]
    assert dynamodb_calls.count() == 0
    # __typename is not introspection of the schema: clients add it freely.
    assert graphql(student, "{ me { __typename id } }") == {"data": {"me": {"__typename": "Me", "id": student.id}}}


# --- no mutations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "mutation { x }",
        'mutation { enroll(sectionId: "2026FA-CPSC-449-01") { status } }',
        "subscription { x }",
    ],
)
def test_there_are_no_mutations_or_subscriptions(graphql, student, dynamodb_calls, query):
    dynamodb_calls.clear()

    body = graphql(student, query)

    assert body["data"] is None
    error = _only_error(body)
    assert error["extensions"]["code"] == "invalid_query"
    assert "not supported" in error["message"]
    assert dynamodb_calls.count() == 0


def test_the_schema_has_no_mutation_type(graphql, student):
    body = graphql(student, "{ __schema { mutationType { name } subscriptionType { name } } }")

    assert body == {"data": {"__schema": {"mutationType": None, "subscriptionType": None}}}


def test_a_mutation_by_get_changes_nothing(client_for, student):
    response = client_for(student).get(GRAPHQL, {"query": "mutation { x }"})

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["code"] == "invalid"
    assert "mutation" in response.json()["detail"]


# --- GraphiQL ----------------------------------------------------------------------------------

URL_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
STATIC_URL = re.compile(r"""["'](/static/[^"']+)["']""")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_graphiql_is_a_page_for_a_browser_without_a_token(api_client):
    response = api_client.get(GRAPHQL, HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "GraphiQL" in page
    assert 'id="graphiql"' in page
    urls = URL_ATTRIBUTE.findall(page)
    assert urls, "no src or href in the page"
    remote = [url for url in urls if url.lower().startswith(("http://", "https://", "//"))]
    assert remote == [], f"the page loads from elsewhere: {remote}"
    assert "http://" not in page and "https://" not in page


def test_every_static_file_of_graphiql_is_served(api_client):
    page = api_client.get(GRAPHQL, HTTP_ACCEPT="text/html").content.decode()
    static = STATIC_URL.findall(page)

    assert len(static) >= 4, static
    assert any(url.endswith(".css") for url in static) and any(url.endswith(".js") for url in static)
    for url in static:
        response = api_client.get(url)
        assert response.status_code == 200, url
        assert len(_body(response)) > 1000, url


def test_graphiql_shows_for_a_browser_with_a_token_too(client_for, student):
    response = client_for(student).get(GRAPHQL, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b"GraphiQL" in response.content


def test_without_graphiql_the_page_is_a_401_without_a_token(api_client, settings):
    settings.GRAPHQL_GRAPHIQL = False

    response = api_client.get(GRAPHQL, HTTP_ACCEPT="text/html")
    as_json = api_client.get(GRAPHQL, HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert b"not_authenticated" in response.content
    assert b"graphiql.min.js" not in response.content
    assert as_json.status_code == 401
    assert as_json["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert as_json.json()["code"] == "not_authenticated"


def test_without_graphiql_a_signed_in_browser_gets_no_page(client_for, student, settings):
    settings.GRAPHQL_GRAPHIQL = False

    response = client_for(student).get(GRAPHQL, HTTP_ACCEPT="text/html")

    # A GET without a query, and no page to show: there is nothing here.
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["code"] == "not_found"


def test_graphiql_without_its_files_says_how_to_get_them(api_client, settings, tmp_path):
    settings.GRAPHIQL_ASSETS_DIR = tmp_path

    response = api_client.get(GRAPHQL, HTTP_ACCEPT="text/html")

    assert response.status_code == 503
    page = response.content.decode()
    assert "graphiql/graphiql.min.js" in page and "react/umd/react.production.min.js" in page
    assert "<script src=" not in page
    assert not [url for url in URL_ATTRIBUTE.findall(page) if url.lower().startswith(("http", "//"))]


def test_graphiql_is_only_for_get(api_client):
    response = api_client.post(GRAPHQL, {}, format="json", HTTP_ACCEPT="text/html")

    assert response.status_code == 401


def test_cyclic_fragments_are_refused_not_followed(graphql, student, dynamodb_calls):
    query = """
    query { section(id: "x") { ...A } }
    fragment A on Section { waitlist { items { section { ...B } } } }
    fragment B on Section { waitlist { items { section { ...A } } } }
    """
    dynamodb_calls.clear()

    body = graphql(student, query)

    assert body["data"] is None
    assert body["errors"]
    assert {error["extensions"]["code"] for error in body["errors"]} <= {"invalid_query", "query_too_costly"}
    assert any("Cannot spread fragment 'A' within itself" in error["message"] for error in body["errors"])
    assert dynamodb_calls.count() == 0
