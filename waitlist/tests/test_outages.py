"""When the waitlist store (Redis) does not answer: 503 with Retry-After where a request
needs it, never a 500; and a drop, already written to DynamoDB, still succeeds."""

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.roles import Role
from conftest import DEAD
from enrollment import services
from enrollment.models import Enrollment
from enrollment.tests.http import SECTIONS, assert_problem
from waitlist.api import waitlist_places

pytestmark = pytest.mark.django_db


def redis_down():
    """The waitlist store refuses connections (the throttling cache ignores that)."""
    return override_settings(
        CACHES={**settings.CACHES, "waitlist": {**settings.CACHES["waitlist"], "LOCATION": f"redis://{DEAD}/0"}}
    )


def assert_unavailable(response) -> None:
    body = assert_problem(response, 503, "service_unavailable")
    assert "redis" in body["detail"]
    assert int(response["Retry-After"]) > 0


def test_waitlist_reads_and_writes_answer_503_while_redis_is_down(client_for, make_user, make_section):
    section = make_section(capacity=0)
    student, registrar = make_user(Role.STUDENT), make_user(Role.REGISTRAR)
    client = client_for(student)

    with redis_down():
        responses = [
            client.post(f"{SECTIONS}{section.id}/enrollments/", {}, format="json"),
            client.get(f"{SECTIONS}{section.id}/waitlist/me/"),
            client.delete(f"{SECTIONS}{section.id}/waitlist/me/"),
            client.get(f"{SECTIONS}{section.id}/"),
            client.get("/api/v1/auto-enrollment/"),
            client_for(registrar).put("/api/v1/auto-enrollment/", {"frozen": False}, format="json"),
        ]

    for response in responses:
        assert_unavailable(response)
    assert waitlist_places(section_id=section.id) == []


def test_a_drop_succeeds_while_redis_is_down_and_the_seat_is_filled_later(client_for, make_user, make_section):
    # Given a full section with a student waiting
    section = make_section(capacity=1)
    seated, waiting = make_user(Role.STUDENT), make_user(Role.STUDENT)
    for student in (seated, waiting):
        client_for(student).post(f"{SECTIONS}{section.id}/enrollments/", {}, format="json")
    client = client_for(seated)

    # When the seated student drops while Redis is down
    with redis_down():
        response = client.delete(f"{SECTIONS}{section.id}/enrollments/me/")

    # Then the drop stands (DynamoDB has it) and nobody was lost from the line
    assert response.status_code == 204
    assert Enrollment.get(section.id, seated.id, consistent_read=True).status == "dropped"
    assert [place.student_id for place in waitlist_places(section_id=section.id)] == [waiting.id]
    # And the section's next promotion (here the integrity repair's) gives them the seat
    services.seats_fill(section_id=section.id)
    assert Enrollment.get(section.id, waiting.id, consistent_read=True).status == "enrolled"
