"""When DynamoDB does not answer, enrollment says so (503 with Retry-After), never 500."""

import pytest

from conftest import DEAD
from core import dynamodb
from core.dynamodb import TableMeta
from enrollment.models import Section
from enrollment.tests.http import SECTIONS, assert_problem


def assert_unavailable(response) -> None:
    body = assert_problem(response, 503, "service_unavailable")
    assert "dynamodb" in body["detail"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_enroll_and_lists_answer_503_while_dynamodb_is_down(client_for, student, section, dynamodb_down):
    client = client_for(student)

    assert_unavailable(client.post(f"{SECTIONS}{section.id}/enrollments/", {}, format="json"))
    assert_unavailable(client.get(SECTIONS, {"term": section.term}))
    assert_unavailable(client.get("/api/v1/students/me/enrollments/"))


@pytest.mark.django_db
def test_an_enroll_whose_transaction_cannot_reach_dynamodb_answers_503(client_for, student, section, monkeypatch):
    # Given DynamoDB goes away between the section's read and the transaction
    monkeypatch.setattr(TableMeta, "host", f"http://{DEAD}")
    monkeypatch.setattr(TableMeta, "max_retry_attempts", 0)
    dynamodb.connection.cache_clear()
    try:
        response = client_for(student).post(f"{SECTIONS}{section.id}/enrollments/", {}, format="json")
    finally:
        dynamodb.connection.cache_clear()

    # Then the client is told to retry, and no seat was taken
    assert_unavailable(response)
    assert Section.get(section.id, consistent_read=True).enrolled == 0
