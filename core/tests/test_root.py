"""The API root: `/`, `/api/` and `/api/v1/` link to everything a newcomer looks for."""

import pytest

ROOTS = ["/", "/api/", "/api/v1/"]


@pytest.mark.parametrize("path", ROOTS)
def test_the_root_links_resources_docs_schema_graphql_and_health(api_client, path):
    response = api_client.get(path, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    links = response.json()
    assert links["courses"] == "http://testserver/api/v1/courses/"
    assert links["sections"] == "http://testserver/api/v1/sections/"
    assert links["my_enrollments"] == "http://testserver/api/v1/students/me/enrollments/"
    assert links["token"] == "http://testserver/api/v1/auth/token/"
    assert links["docs"] == "http://testserver/api/docs/"
    assert links["schema"] == "http://testserver/api/schema/"
    assert links["graphql"] == "http://testserver/graphql/"
    assert links["healthz"] == "http://testserver/healthz"
    assert links["readyz"] == "http://testserver/readyz"


def test_every_link_of_the_root_is_served(api_client, client_for, registrar):
    links = api_client.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    signed_in = client_for(registrar)

    for name, url in links.items():
        response = signed_in.get(url.removeprefix("http://testserver"), HTTP_ACCEPT="text/html,*/*;q=0.8")
        # Served: an answer, a redirect to a login (admin), a method to use (register, token)
        # or a role to hold (subscriptions are students'), never a 404 or an error
        assert response.status_code in (200, 302, 400, 403, 405), (name, url, response.status_code)


def test_the_browsable_root_is_a_page_of_links(api_client):
    response = api_client.get("/api/v1/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b'href="http://testserver/api/v1/sections/"' in response.content


def test_other_unknown_paths_are_still_problem_documents(api_client):
    response = api_client.get("/api/v2/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_root_is_not_an_operation_of_the_contract(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    assert "/" not in paths and "/api/" not in paths and "/api/v1/" not in paths
