"""Every error is an RFC 9457 problem document with a stable code."""

import pytest

from conftest import PASSWORD
from core.problems import field_errors

pytestmark = pytest.mark.django_db

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "code"}


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_MEMBERS <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    return body


def test_400_validation(api_client):
    body = assert_problem(api_client.post("/api/v1/auth/register/", {}, format="json"), 400, "invalid")

    assert body["errors"]["username"] and body["errors"]["password"]
    assert body["instance"] == "/api/v1/auth/register/"


def test_400_malformed_json(api_client):
    response = api_client.post("/api/v1/auth/register/", data="{nope", content_type="application/json")

    assert_problem(response, 400, "invalid")


def test_400_body_of_the_wrong_shape(api_client):
    response = api_client.post("/api/v1/auth/register/", data="[1, 2]", content_type="application/json")

    body = assert_problem(response, 400, "invalid")
    assert "non_field_errors" in body["errors"]


def test_401(api_client):
    assert_problem(api_client.get("/api/v1/auth/me/"), 401, "not_authenticated")


def test_403(client_for, student):
    assert_problem(client_for(student).post("/api/v1/users/", {}, format="json"), 403, "permission_denied")


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/auth/me", "/nowhere"])
def test_404(api_client, path):
    assert_problem(api_client.get(path), 404, "not_found")


def test_405(client_for, student):
    assert_problem(client_for(student).delete("/api/v1/auth/me/"), 405, "method_not_allowed")


def test_415(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", data="username=a", content_type="application/x-www-form-urlencoded"
    )

    assert_problem(response, 415, "unsupported_media_type")


def test_413_for_a_body_over_the_limit(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {"username": "x" * 2048, "password": PASSWORD}

    assert_problem(api_client.post("/api/v1/auth/register/", body, format="json"), 413, "payload_too_large")


def test_400_for_an_unknown_host(api_client):
    assert_problem(api_client.get("/healthz", HTTP_HOST="evil.example"), 400, "invalid")


def test_406(api_client):
    assert_problem(api_client.get("/api/v1/auth/me/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


def test_429_with_retry_after(api_client, student, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "2/min"}}
    credentials = {"username": student.username, "password": PASSWORD}

    statuses = [api_client.post("/api/v1/auth/token/", credentials, format="json").status_code for _ in range(3)]

    assert statuses[:2] == [200, 200]
    response = api_client.post("/api/v1/auth/token/", credentials, format="json")
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_user_throttle_counts_per_user(client_for, make_user, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "2/min"},
    }
    first, second = client_for(make_user()), client_for(make_user())

    assert [first.get("/api/v1/auth/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/auth/me/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": ["a"], "password": {"x": 1}},
        {"username": "x" * 10_000, "password": PASSWORD},
        {"username": None, "password": None, "email": 7},
        {"username": "bad name!", "password": PASSWORD},
    ],
)
def test_odd_input_is_a_400_never_a_500(api_client, body):
    assert_problem(api_client.post("/api/v1/auth/register/", body, format="json"), 400, "invalid")


def test_browsable_api_renders_errors_as_html(api_client):
    response = api_client.get("/api/v1/auth/me/", HTTP_ACCEPT="text/html")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/html")


def test_nested_validation_errors_are_named_by_their_path():
    # DRF's shapes: a list serializer's errors (one entry per item), a ListField's (by
    # index), a nested object's, and a non-field error of a nested value
    detail = {
        "meetings": [{}, {"start": ["Bad time."], "non_field_errors": ["Bad meeting."]}],
        "roles": {0: ["Not a role."]},
        "address": {"city": ["Required."]},
        "tickets": {"non_field_errors": ["Expected a list."]},
        "non_field_errors": ["Send at least one field."],
    }

    assert field_errors(detail) == {
        "meetings[1].start": ["Bad time."],
        "meetings[1]": ["Bad meeting."],
        "roles[0]": ["Not a role."],
        "address.city": ["Required."],
        "tickets": ["Expected a list."],
        "non_field_errors": ["Send at least one field."],
    }
