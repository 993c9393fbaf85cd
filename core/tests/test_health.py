"""Liveness, and readiness that names the store that does not answer."""

import pytest

from conftest import DEAD


def test_healthz(api_client):
    response = api_client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_every_store_answers(api_client):
    response = api_client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"dynamodb": "ok", "redis": "ok", "rabbitmq": "ok"}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        **settings.CACHES,
        "waitlist": {**settings.CACHES["waitlist"], "LOCATION": f"redis://{DEAD}/0"},
    }


@pytest.fixture
def rabbitmq_down(settings):
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@{DEAD}//"


@pytest.mark.parametrize("store", ["dynamodb", "redis", "rabbitmq"])
def test_readyz_names_the_store_that_is_down(api_client, request, store):
    request.getfixturevalue(f"{store}_down")

    response = api_client.get("/readyz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert store in body["detail"]
    assert body["checks"][store].startswith("unavailable")
    assert [name for name, result in body["checks"].items() if result == "ok"] == sorted(
        {"dynamodb", "redis", "rabbitmq"} - {store}, key=["dynamodb", "redis", "rabbitmq"].index
    )


@pytest.mark.django_db
def test_a_request_that_needs_dynamodb_answers_503_when_it_is_down(api_client, dynamodb_down):
    body = {"username": "someone", "password": "a-long-pass-phrase"}

    response = api_client.post("/api/v1/auth/register/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "dynamodb" in response.json()["detail"]
    assert response["Retry-After"]


@pytest.mark.django_db
def test_requests_go_on_when_the_throttling_cache_is_down(client_for, student, settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": f"redis://{DEAD}/0"}}

    response = client_for(student).get("/api/v1/auth/me/")

    assert response.status_code == 200
