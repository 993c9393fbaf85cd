"""Idempotency-Key on creating POSTs: a retry gets the first response and changes nothing."""

import threading

import pytest
import requests

from accounts.models import User
from conftest import PASSWORD

REGISTER = "/api/v1/auth/register/"


def _body(username="idem"):
    return {"username": username, "password": PASSWORD, "email": f"{username}@example.edu"}


@pytest.mark.django_db
def test_a_retry_replays_the_first_response(api_client):
    first = api_client.post(REGISTER, _body(), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    retry = api_client.post(REGISTER, _body(), format="json", HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="idem").count() == 1


@pytest.mark.django_db
def test_an_error_is_replayed_too(api_client):
    api_client.post(REGISTER, _body("taken"), format="json")

    first = api_client.post(REGISTER, _body("taken"), format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    retry = api_client.post(REGISTER, _body("taken"), format="json", HTTP_IDEMPOTENCY_KEY="key-2")

    assert first.status_code == retry.status_code == 409
    assert retry["Content-Type"] == "application/problem+json"
    assert retry.json() == first.json()


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api_client):
    api_client.post(REGISTER, _body("one"), format="json", HTTP_IDEMPOTENCY_KEY="key-3")

    response = api_client.post(REGISTER, _body("two"), format="json", HTTP_IDEMPOTENCY_KEY="key-3")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not User.objects.filter(username="two").exists()


@pytest.mark.django_db
def test_keys_are_scoped_to_the_caller(client_for, make_user, registrar):
    other_registrar = make_user("registrar")
    body = {"username": "made", "password": PASSWORD, "roles": ["student"]}

    first = client_for(registrar).post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    second = client_for(other_registrar).post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert first.status_code == 201
    assert second.status_code == 409  # ran again for the other caller: the username is taken


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_400(api_client, key):
    response = api_client.post(REGISTER, _body(), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once_and_agree(live_server):
    responses = []
    barrier = threading.Barrier(8)

    def post():
        barrier.wait()
        responses.append(
            requests.post(
                f"{live_server.url}{REGISTER}", json=_body("racer"), headers={"Idempotency-Key": "race"}, timeout=30
            )
        )

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [response.status_code for response in responses] == [201] * 8
    assert len({response.text for response in responses}) == 1
    assert User.objects.filter(username="racer").count() == 1
