"""The batching bound: what a list's items link to (a section's course and instructor,
a registration's section) is read once per list, whatever its length.

Each request is measured on every store: DynamoDB calls (the autouse ``dynamodb_calls``),
Django's SQL queries (``CaptureQueriesContext``) and round trips to the waitlists'
Redis (``waitlist_round_trips`` below, which counts and calls through). A list of 5
and a list of 20 must cost the same number of calls.
"""

from collections import Counter
from dataclasses import dataclass

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection

from accounts.roles import Role
from enrollment.tests.http import unique_department, unique_term

pytestmark = pytest.mark.django_db

GRAPHQL = "/graphql/"

SECTIONS_QUERY = """
query($term: String) {
  sections(term: $term, pageSize: 100) {
    items { id waitlisted course { id title } instructor { id lastName } }
  }
}
"""

ME_QUERY = """
{
  me {
    enrollments(pageSize: 100) {
      items { sectionId status section { id title waitlisted course { id title } } }
    }
  }
}
"""


@pytest.fixture
def waitlist_round_trips(monkeypatch):
    """Round trips to the waitlists' Redis (its database, not the cache's): one entry per
    command sent alone, one per pipeline executed (the names of its commands)."""
    kwargs = get_redis_connection("waitlist").connection_pool.connection_kwargs
    waitlist_db = (kwargs.get("host"), kwargs.get("port"), kwargs.get("db"))
    trips: list[tuple[str, ...]] = []

    def is_waitlist(client) -> bool:
        own = client.connection_pool.connection_kwargs
        return (own.get("host"), own.get("port"), own.get("db")) == waitlist_db

    execute_command = redis.Redis.execute_command
    execute_pipeline = redis.client.Pipeline.execute

    def command(self, *args, **options):
        if is_waitlist(self):
            trips.append((str(args[0]).upper(),))
        return execute_command(self, *args, **options)

    def pipeline(self, *args, **kwargs):
        if is_waitlist(self):
            trips.append(tuple(str(entry[0][0]).upper() for entry in self.command_stack))
        return execute_pipeline(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", pipeline)
    return trips


@dataclass
class Cost:
    body: dict
    dynamodb: Counter
    sql: list[str]
    redis: list[tuple[str, ...]]

    @property
    def user_queries(self) -> list[str]:
        return [sql for sql in self.sql if 'FROM "accounts_user"' in sql]


@pytest.fixture
def measured(client_for, dynamodb_calls, waitlist_round_trips):
    """Run ``query`` as ``profile`` and count what it read (the token is issued first,
    so its SQL is not counted)."""

    def run(profile, query: str, variables: dict | None = None) -> Cost:
        client = client_for(profile)
        dynamodb_calls.clear()
        waitlist_round_trips.clear()
        with CaptureQueriesContext(connection) as sql:
            response = client.post(GRAPHQL, {"query": query, "variables": variables or {}}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert "errors" not in body, body
        return Cost(
            body=body,
            dynamodb=Counter(name for name, _ in dynamodb_calls.operations),
            sql=[query["sql"] for query in sql.captured_queries],
            redis=list(waitlist_round_trips),
        )

    return run


@pytest.fixture
def term_of(make_user, make_course, make_section, enroll):
    """``count`` sections in a term of their own. ``layout`` "own": each with its own course
    and instructor; "shared": 4 courses and one instructor between them. Every third
    section has no seat and one student waiting. Returns the term and, by section id,
    the course title, the instructor's last name and how many wait."""

    def make(count: int, layout: str) -> tuple[str, dict[str, tuple[str, str, int]]]:
        term = unique_term()
        shared_teacher = make_user(Role.INSTRUCTOR, last_name="Shared")
        shared_courses = [
            make_course(department=unique_department(), number="1", title=f"Shared {n}") for n in range(4)
        ]
        expected = {}
        for n in range(count):
            if layout == "own":
                teacher = make_user(Role.INSTRUCTOR, last_name=f"Teacher{n}")
                course = make_course(department=unique_department(), number="1", title=f"Course {n}")
                number = "01"
            else:
                teacher, course, number = shared_teacher, shared_courses[n % 4], f"{n:02d}"
            waiting = 1 if n % 3 == 0 else 0
            section = make_section(
                course_id=course.id, term=term, number=number, instructor_id=teacher.id, capacity=1 - waiting
            )
            if waiting:
                assert enroll(make_user(Role.STUDENT), section.id)["status"] == "waitlisted"
            expected[section.id] = (course.title, teacher.last_name, waiting)
        return term, expected

    return make


def _listed(cost: Cost) -> dict[str, tuple[str, str, int]]:
    items = cost.body["data"]["sections"]["items"]
    return {item["id"]: (item["course"]["title"], item["instructor"]["lastName"], item["waitlisted"]) for item in items}


@pytest.mark.parametrize("layout", ["own", "shared"])
def test_a_list_of_sections_costs_the_same_for_5_and_20(student, measured, term_of, layout):
    small_term, small = term_of(5, layout)
    large_term, large = term_of(20, layout)

    five = measured(student, SECTIONS_QUERY, {"term": small_term})
    twenty = measured(student, SECTIONS_QUERY, {"term": large_term})

    # The answers are right: every section with its own course, instructor and line.
    assert _listed(five) == small
    assert _listed(twenty) == large
    # DynamoDB: one Query for the list, one BatchGetItem for all its courses.
    assert five.dynamodb == twenty.dynamodb == Counter({"Query": 1, "BatchGetItem": 1})
    # Django's database: the instructors in one read of the users table (their roles
    # come with them, prefetched), the same for 5 and for 20.
    assert len(five.user_queries) == len(twenty.user_queries) == 1
    assert len(five.sql) == len(twenty.sql)
    # Redis: every section's waitlist length in one pipeline.
    assert len(five.redis) == len(twenty.redis) == 1
    assert (five.redis[0].count("ZCARD"), twenty.redis[0].count("ZCARD")) == (5, 20)


def test_sections_without_links_read_no_course_and_no_user(student, measured, term_of):
    term, expected = term_of(5, "own")

    cost = measured(student, "query($t: String) { sections(term: $t) { items { id waitlisted } } }", {"t": term})

    assert {item["id"] for item in cost.body["data"]["sections"]["items"]} == set(expected)
    assert cost.dynamodb == Counter({"Query": 1})
    assert cost.sql == []


@pytest.fixture
def schedule(make_user, new_section, enroll):
    """A student with ``seats`` seats, each in a section of its own course, and one waitlist place."""

    def make(seats: int):
        student = make_user(Role.STUDENT)
        sections = [new_section(capacity=5) for _ in range(seats)]
        for section in sections:
            assert enroll(student, section.id)["status"] == "enrolled"
        line = new_section(capacity=0)
        assert enroll(student, line.id)["status"] == "waitlisted"
        return student, [line, *sections]

    return make


def test_me_enrollments_cost_the_same_for_2_and_6_seats(measured, schedule):
    few_student, few_sections = schedule(2)
    many_student, many_sections = schedule(6)

    few = measured(few_student, ME_QUERY)
    many = measured(many_student, ME_QUERY)

    for cost, sections in ((few, few_sections), (many, many_sections)):
        items = cost.body["data"]["me"]["enrollments"]["items"]
        assert [item["sectionId"] for item in items] == [section.id for section in sections]
        assert [item["section"]["course"]["id"] for item in items] == [section.course_id for section in sections]
        assert [item["status"] for item in items] == ["WAITLISTED"] + ["ENROLLED"] * (len(sections) - 1)
    # DynamoDB: the seats (one Query), then their sections and the sections' courses
    # (one BatchGetItem each), however many seats.
    assert few.dynamodb == many.dynamodb == Counter({"Query": 1, "BatchGetItem": 2})
    # Django's database: the caller's profile only, the same for both.
    assert len(few.sql) == len(many.sql)
    assert len(few.user_queries) == len(many.user_queries) == 1
    # Redis: the waitlist place, and one pipeline for the sections' waitlist lengths.
    # Redis: the student's places (their set, then the one place), then one pipeline
    # for the waitlist lengths of all the sections.
    assert len(few.redis) == len(many.redis) == 3
    assert [trip.count("ZCARD") for trip in few.redis if "ZCARD" in trip] == [len(few_sections)]
    assert [trip.count("ZCARD") for trip in many.redis if "ZCARD" in trip] == [len(many_sections)]


def test_sibling_root_fields_share_one_read_per_level(student, measured, new_section):
    # Two sections asked for by id at the root, each with its course: the sections are
    # read together, then their courses together.
    first, second = new_section(), new_section()
    query = """
    query($a: ID!, $b: ID!) {
      a: section(id: $a) { id course { id } }
      b: section(id: $b) { id course { id } }
    }
    """

    cost = measured(student, query, {"a": first.id, "b": second.id})

    assert cost.body["data"] == {
        "a": {"id": first.id, "course": {"id": first.course_id}},
        "b": {"id": second.id, "course": {"id": second.course_id}},
    }
    assert cost.dynamodb == Counter({"BatchGetItem": 2})
    # The two sections' waitlist lengths: one pipeline.
    assert len(cost.redis) == 1
