"""Redis stopped, for real: a redis-server of the test's own (the repository's redis.conf)
holds the waitlists and the throttling cache, and is stopped and started again.

While it is down, what needs a waitlist answers 503 with Retry-After, never a 500; the
catalog and the schedules keep answering from DynamoDB, without the waitlists (and say
so); a drop, already written to DynamoDB, still succeeds. When it is back, nothing is
lost and everything works again.
"""

import io

import pytest
from django.core.management import call_command

from accounts.roles import Role
from enrollment.models import Enrollment
from enrollment.tests.http import (
    COURSES,
    SECTIONS,
    assert_problem,
    enrollment_url,
    enrollments_url,
    place_url,
    section_url,
    student_url,
    waitlist_url,
)
from waitlist.api import waitlist_places

pytestmark = pytest.mark.django_db

SWAPS = "/api/v1/students/me/swaps/"
AUTO_ENROLLMENT = "/api/v1/auto-enrollment/"
PORTAL = """query($term: String!) {
  me { enrollments { items { sectionId status position } waitlistsUnavailable } }
  sections(term: $term) { items { id enrolled waitlisted status } }
}"""


def assert_unavailable(response) -> None:
    body = assert_problem(response, 503, "service_unavailable")
    assert "redis" in body["detail"]
    assert int(response["Retry-After"]) > 0


def listed(response) -> dict[str, dict]:
    """The sections of a list answer, by id."""
    assert response.status_code == 200, response.content
    return {item["id"]: item for item in response.json()["results"]}


@pytest.fixture
def full_section_with_a_line(durable_redis, client_for, make_user, new_section, make_section, enroll):
    """On a Redis of the test's own: a section of one seat, taken, with two students
    waiting; the first of them also has a seat in another section of the term."""
    durable_redis.start()
    with durable_redis.serving():
        full = new_section(capacity=1)
        other = make_section(course_id=full.course_id, term=full.term, number="02", capacity=30)
        seated, first, second = (make_user(Role.STUDENT) for _ in range(3))
        enroll(seated, full.id)
        enroll(first, other.id)
        assert enroll(first, full.id)["position"] == 1
        assert enroll(second, full.id)["position"] == 2
        yield full, other, seated, first, second


def test_while_redis_is_stopped_waitlists_answer_503_and_catalog_and_schedules_still_answer(
    durable_redis, full_section_with_a_line, client_for, make_user, instructor, registrar
):
    full, other, seated, first, second = full_section_with_a_line
    line = waitlist_places(section_id=full.id)
    newcomer = make_user(Role.STUDENT)
    as_first, as_staff = client_for(first), client_for(instructor)

    # When Redis stops
    durable_redis.stop()

    # Then everything that needs a waitlist answers 503 with Retry-After
    for response in (
        client_for(newcomer).post(enrollments_url(full.id), {}, format="json"),  # would join the line
        as_first.get(place_url(full.id, "me")),
        client_for(second).delete(place_url(full.id, "me")),
        as_staff.get(waitlist_url(full.id)),
        as_first.get(SWAPS),
        as_first.get(AUTO_ENROLLMENT),
        client_for(registrar).put(AUTO_ENROLLMENT, {"frozen": True}, format="json"),
    ):
        assert_unavailable(response)
    readiness = as_first.get("/readyz")
    assert readiness.status_code == 503 and readiness.json()["checks"]["redis"] != "ok"

    # And the catalog answers from DynamoDB: seats as they are, nothing said about the waitlists
    sections = listed(as_first.get(SECTIONS, {"term": full.term}))
    assert {section_id: (item["waitlisted"], item["status"]) for section_id, item in sections.items()} == {
        full.id: (None, "full"),  # no seat free; whether its line has room is not known
        other.id: (None, "open"),
    }
    detail = as_first.get(section_url(full.id))
    assert detail.status_code == 200 and detail.json()["enrolled"] == 1 and detail.json()["waitlisted"] is None
    assert as_first.get(COURSES, {"department": full.department}).status_code == 200
    # (a change of the catalog is written and answered, not written and then refused)
    changed = client_for(registrar).patch(section_url(other.id), {"capacity": 31}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["capacity"], changed.json()["waitlisted"]) == (31, None)
    assert [item["student_id"] for item in as_staff.get(enrollments_url(full.id)).json()["results"]] == [seated.id]
    # And a schedule lists the seats, and says that the places could not be read
    schedule = as_first.get(student_url("me"))
    assert schedule.status_code == 200, schedule.content
    assert schedule.json()["waitlists_unavailable"] is True
    assert [(item["section_id"], item["status"]) for item in schedule.json()["results"]] == [(other.id, "enrolled")]
    # And GraphQL answers the same way
    portal = as_first.post("/graphql/", {"query": PORTAL, "variables": {"term": full.term}}, format="json").json()
    assert "errors" not in portal, portal
    assert portal["data"]["me"]["enrollments"] == {
        "items": [{"sectionId": other.id, "status": "ENROLLED", "position": None}],
        "waitlistsUnavailable": True,
    }
    assert {item["id"]: item["waitlisted"] for item in portal["data"]["sections"]["items"]} == {
        full.id: None,
        other.id: None,
    }

    # When Redis is back, from its own files
    durable_redis.start()

    # Then no place was lost, and everything works again
    assert waitlist_places(section_id=full.id) == line
    place = as_first.get(place_url(full.id, "me"))
    assert place.status_code == 200 and place.json()["position"] == 1
    assert listed(as_first.get(SECTIONS, {"term": full.term}))[full.id]["waitlisted"] == 2
    schedule = as_first.get(student_url("me")).json()
    assert schedule["waitlists_unavailable"] is False
    assert [(item["section_id"], item.get("position")) for item in schedule["results"]] == [
        (full.id, 1),
        (other.id, None),
    ]
    joined = client_for(newcomer).post(enrollments_url(full.id), {}, format="json")
    assert joined.status_code == 201 and joined.json()["position"] == 3
    assert client_for(second).delete(place_url(full.id, "me")).status_code == 204
    assert [place.student_id for place in waitlist_places(section_id=full.id)] == [first.id, newcomer.id]
    assert as_first.get(AUTO_ENROLLMENT).json() == {"frozen": False}


def test_a_drop_succeeds_while_redis_is_stopped_and_the_seat_goes_to_the_line_after(
    durable_redis, full_section_with_a_line, client_for, assert_consistent
):
    full, _, seated, first, second = full_section_with_a_line

    # When the seated student drops while Redis is stopped
    durable_redis.stop()
    response = client_for(seated).delete(enrollment_url(full.id, "me"))

    # Then the drop stands: DynamoDB has it
    assert response.status_code == 204, response.content
    assert Enrollment.get(full.id, seated.id, consistent_read=True).status == "dropped"

    # And when Redis is back, the line is whole, and the repair the operator runs after an
    # incident gives the free seat to its head
    durable_redis.start()
    assert [place.student_id for place in waitlist_places(section_id=full.id)] == [first.id, second.id]
    call_command("check_integrity", "--repair", "--term", full.term, stdout=io.StringIO(), stderr=io.StringIO())
    assert Enrollment.get(full.id, first.id, consistent_read=True).status == "enrolled"
    assert [place.student_id for place in waitlist_places(section_id=full.id)] == [second.id]
    assert_consistent(full.term)
