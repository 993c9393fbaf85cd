"""GraphQL fixtures: the catalog fixtures of enrollment's tests, and a way to query."""

import pytest

from enrollment.tests.conftest import course, enroll, make_course, make_section, new_section, section  # noqa: F401

GRAPHQL = "/graphql/"


@pytest.fixture
def graphql(client_for):
    """POST a query as ``profile`` (anonymous if None); the decoded JSON answer, after
    insisting on 200."""

    def run(profile, query: str, variables: dict | None = None, expect_status: int = 200) -> dict:
        client = client_for(profile)
        response = client.post(GRAPHQL, {"query": query, "variables": variables or {}}, format="json")
        assert response.status_code == expect_status, response.content
        return response.json()

    return run
