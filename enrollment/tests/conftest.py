"""Catalog fixtures: courses and sections made through the services, as the registrar would."""

import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enrollment import services
from enrollment.tests.http import enrollments_url, unique_department, unique_term

_numbers = itertools.count(100)


@pytest.fixture
def make_course():
    def make(department: str = "TEST", number: str | None = None, **fields):
        fields.setdefault("title", "Back-End Engineering")
        fields.setdefault("credits", 3)
        return services.course_create(department=department, number=number or str(next(_numbers)), **fields)

    return make


@pytest.fixture
def course(make_course):
    """A course in a department of its own, so lists by department hold only this test's."""
    return make_course(department=unique_department())


@pytest.fixture
def make_section(course, instructor):
    def make(*, course_id: str | None = None, term: str = "2026FA", number: str | None = None, **fields):
        fields.setdefault("instructor_id", instructor.id)
        fields.setdefault("capacity", 30)
        fields.setdefault("waitlist_capacity", 15)
        return services.section_create(
            course_id=course_id or course.id, term=term, number=number or f"{next(_numbers) % 100:02d}", **fields
        )

    return make


@pytest.fixture
def section(make_section):
    return make_section()


@pytest.fixture
def new_section(make_course, make_section):
    """A section of a course of its own in a term of its own, taught by the
    ``instructor`` fixture unless told."""

    def make(**fields):
        course = make_course(department=unique_department(), number="1")
        return make_section(course_id=course.id, term=unique_term(), number="01", **fields)

    return make


@pytest.fixture
def enroll(client_for):
    """Enroll ``student`` in ``section_id`` themself over HTTP, and insist it was accepted
    (a seat, or a place on the waitlist)."""

    def run(student, section_id: str) -> dict:
        response = client_for(student).post(enrollments_url(section_id), {}, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return run


@pytest.fixture
def assert_consistent():
    """Insist that ``check_integrity --term TERM`` finds nothing: both stores agree with
    each other and with the rules after a test's scenario."""

    def check(term: str) -> None:
        out = io.StringIO()
        try:
            call_command("check_integrity", "--term", term, stdout=out, stderr=io.StringIO())
        except CommandError:
            pytest.fail(f"check_integrity has findings:\n{out.getvalue()}")

    return check
