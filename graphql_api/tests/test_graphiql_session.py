"""GraphiQL for someone logged in (as for the browsable API): its queries run with the
session and the page's CSRF token; someone who is not is told how to get a token."""

import json
import re

import pytest
from django.test import Client

from conftest import PASSWORD

GRAPHQL = "/graphql/"


def _json_script(page: str, element_id: str):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no {element_id} in the page"
    return json.loads(found.group(1))


@pytest.fixture
def browser():
    """A browser: cookies, and Django's CSRF checks as a real one meets them."""
    return Client(enforce_csrf_checks=True)


def test_a_logged_in_user_gets_a_graphiql_whose_queries_run_with_the_session(browser, student):
    # Given a student logged in at /api-auth/login/, as for the browsable API
    login_page = browser.get("/api-auth/login/")
    csrf = login_page.cookies["csrftoken"].value
    login = browser.post(
        "/api-auth/login/",
        {"username": student.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf, "next": GRAPHQL},
    )
    assert login.status_code == 302

    # When they open GraphiQL
    page = browser.get(GRAPHQL, HTTP_ACCEPT="text/html").content.decode()

    # Then the page knows them, and its fetcher's CSRF token lets the queries through
    assert f"Logged in as <strong>{student.username}</strong>" in page
    assert _json_script(page, "session-user") == student.username
    token = _json_script(page, "csrf-token")
    response = browser.post(
        GRAPHQL,
        json.dumps({"query": "{ me { username } __schema { queryType { name } } }"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {
        "me": {"username": student.username},
        "__schema": {"queryType": {"name": "Query"}},
    }


def test_a_session_query_without_the_csrf_token_is_refused(browser, student):
    browser.force_login(_user(student))

    response = browser.post(GRAPHQL, json.dumps({"query": "{ me { username } }"}), content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_without_a_session_the_page_says_how_to_log_in_or_get_a_token(browser):
    page = browser.get(GRAPHQL, HTTP_ACCEPT="text/html").content.decode()

    assert "Not logged in" in page
    assert 'href="/api-auth/login/?next=/graphql/"' in page
    assert "POST /api/v1/auth/token/" in page and "PASTE-ACCESS-TOKEN-HERE" in page
    assert _json_script(page, "session-user") is None


def _user(profile):
    from accounts.models import User

    return User.objects.get(pk=profile.id)
