"""When DynamoDB does not answer, enrollment says so (503 with Retry-After), never 500,
within the configured timeouts; when it is back, on its data, nothing is lost."""

import time

import pytest
from django.conf import settings

from accounts.roles import Role
from conftest import DEAD
from core import dynamodb
from core.dynamodb import TableMeta
from enrollment.models import Section
from enrollment.tests.http import (
    COURSES,
    SECTIONS,
    assert_problem,
    enrollment_url,
    enrollments_url,
    section_url,
    student_url,
    unique_department,
    unique_term,
)

COURSE = {"number": "777", "title": "Written while DynamoDB was down", "credits": 3}


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


# --- DynamoDB Local stopped, for real, and started again on its data --------------------


def _bound_seconds(*, connect: float, read: float, retries: int) -> float:
    """The longest a request may wait on a DynamoDB that does not answer, by the settings:
    every attempt waits out both timeouts, botocore's standard retries sleep at most 1, 2,
    4 ... s between attempts; plus 5 s of slack for a busy machine (this bounds waiting,
    not the CPU a request takes)."""
    return (1 + retries) * (connect + read) + (2**retries - 1) + 5


def _timed(send):
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_dynamodb_stopped_then_started_again_on_its_data(
    durable_dynamodb, client_for, make_user, instructor, registrar, make_course, make_section
):
    # Given the service on a DynamoDB Local of its own, with its data on disk, holding a
    # course, two sections, a term's settings, a seat and a hold
    durable_dynamodb.start()
    durable_dynamodb.serving()
    course = make_course(department=unique_department())
    term = unique_term()
    sections = [make_section(course_id=course.id, term=term, number=f"0{n}", capacity=2) for n in (1, 2)]
    student, held = make_user(Role.STUDENT), make_user(Role.STUDENT)
    as_student, as_staff, as_registrar = client_for(student), client_for(instructor), client_for(registrar)
    window = {"registration_opens_at": "2026-01-05T08:00:00Z", "registration_closes_at": "2099-01-05T08:00:00Z"}
    assert as_registrar.put(f"/api/v1/terms/{term}/", window, format="json").status_code == 201
    assert as_student.post(enrollments_url(sections[0].id), {}, format="json").status_code == 201
    hold = {"kind": "financial", "reason": "Tuition unpaid"}
    assert as_registrar.post(f"/api/v1/students/{held.id}/holds/", hold, format="json").status_code == 201
    reads = {
        "course": lambda: as_student.get(f"{COURSES}{course.id}/"),
        "sections": lambda: as_student.get(SECTIONS, {"term": term}),
        "section": lambda: as_student.get(section_url(sections[0].id)),
        "roster": lambda: as_staff.get(enrollments_url(sections[0].id)),
        "schedule": lambda: as_student.get(student_url("me")),
        "term": lambda: as_student.get(f"/api/v1/terms/{term}/"),
        "holds": lambda: as_registrar.get(f"/api/v1/students/{held.id}/holds/"),
    }
    before = {name: read() for name, read in reads.items()}
    assert {name: response.status_code for name, response in before.items()} == dict.fromkeys(reads, 200)

    # When it hangs (SIGSTOP: connections are accepted, nothing answers), with short timeouts
    short = {"connect_timeout_seconds": 1.0, "read_timeout_seconds": 1.0, "max_retry_attempts": 1}
    durable_dynamodb.configure(**short)
    durable_dynamodb.freeze()
    try:
        hung = [_timed(reads["sections"]), _timed(reads["schedule"])]
    finally:
        durable_dynamodb.thaw()
    # Then reads answer 503 once the configured timeouts have run out, not later
    for response, seconds in hung:
        assert_unavailable(response)
        assert seconds < _bound_seconds(connect=1.0, read=1.0, retries=1), seconds

    # When it stops, with the settings' own timeouts and retries
    durable_dynamodb.configure(
        connect_timeout_seconds=settings.DYNAMODB_CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=settings.DYNAMODB_READ_TIMEOUT_SECONDS,
        max_retry_attempts=settings.DYNAMODB_MAX_RETRY_ATTEMPTS,
    )
    durable_dynamodb.stop()
    newcomer = make_user(Role.STUDENT)
    down = [
        *(_timed(read) for read in reads.values()),
        _timed(lambda: client_for(newcomer).post(enrollments_url(sections[1].id), {}, format="json")),
        _timed(lambda: as_student.delete(enrollment_url(sections[0].id, "me"))),
        _timed(lambda: as_registrar.post(COURSES, {**COURSE, "department": course.department}, format="json")),
        _timed(lambda: as_registrar.patch(section_url(sections[1].id), {"capacity": 5}, format="json")),
    ]

    # Then every request, read or write, is a 503 with Retry-After, within the timeouts
    bound = _bound_seconds(
        connect=settings.DYNAMODB_CONNECT_TIMEOUT_SECONDS,
        read=settings.DYNAMODB_READ_TIMEOUT_SECONDS,
        retries=settings.DYNAMODB_MAX_RETRY_ATTEMPTS,
    )
    for response, seconds in down:
        assert_unavailable(response)
        assert seconds < bound, (response.request["PATH_INFO"], seconds)
    assert as_student.get("/healthz").status_code == 200
    readiness = as_student.get("/readyz")
    assert readiness.status_code == 503 and readiness.json()["checks"]["dynamodb"] != "ok"

    # When it starts again on the same files
    durable_dynamodb.start()

    # Then everything written before is there, as it was
    after = {name: read() for name, read in reads.items()}
    assert {name: response.json() for name, response in after.items()} == {
        name: response.json() for name, response in before.items()
    }
    # And nothing the outage refused was half-written
    assert Section.get(sections[1].id, consistent_read=True).enrolled == 0
    assert Section.get(sections[1].id, consistent_read=True).capacity == 2
    # And requests succeed again, writes included
    assert client_for(newcomer).post(enrollments_url(sections[1].id), {}, format="json").status_code == 201
    assert as_student.delete(enrollment_url(sections[0].id, "me")).status_code == 204
    assert as_registrar.patch(section_url(sections[1].id), {"capacity": 5}, format="json").status_code == 200
    assert as_student.get("/readyz").status_code == 200
