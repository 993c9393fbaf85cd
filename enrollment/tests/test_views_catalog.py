"""The catalog over HTTP: courses and sections, as API.md describes them.

DynamoDB tables live for the whole run while the Django database is rolled back after
each test, so every test names its own department and term: lists filtered by them hold
only that test's courses and sections.
"""

import pytest

from accounts.roles import Role
from enrollment.meetings import Meeting
from enrollment.models import Section
from enrollment.tests.http import (
    COURSES,
    SECTIONS,
    assert_problem,
    cursor_of,
    enrollments_url,
    follow,
    section_url,
    tampered,
    unique_department,
    unique_term,
)

pytestmark = pytest.mark.django_db


def _course_url(course_id: str) -> str:
    return f"{COURSES}{course_id}/"


def _ids(page: dict) -> list[str]:
    return [item["id"] for item in page["results"]]


def _course_body(department: str, **fields) -> dict:
    return {
        "department": department,
        "number": "449",
        "title": "Back-End Engineering",
        "description": "Services, stores and queues.",
        "credits": 3,
        **fields,
    }


# --- courses: create -----------------------------------------------------------------


def test_registrar_creates_a_course_with_id_department_dash_number(client_for, registrar):
    department = unique_department()
    client = client_for(registrar)

    response = client.post(COURSES, _course_body(department.lower()), format="json")

    assert response.status_code == 201, response.content
    course_id = f"{department}-449"
    expected = {
        "id": course_id,
        "department": department,
        "number": "449",
        "title": "Back-End Engineering",
        "description": "Services, stores and queues.",
        "credits": 3,
    }
    assert response.json() == expected
    assert response["Location"].endswith(_course_url(course_id))
    assert client.get(response["Location"]).json() == expected


def test_a_course_description_is_optional(client_for, registrar):
    body = _course_body(unique_department())
    del body["description"]

    response = client_for(registrar).post(COURSES, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["description"] == ""


def test_creating_a_course_that_exists_is_a_duplicate(client_for, registrar):
    client = client_for(registrar)
    department = unique_department()
    client.post(COURSES, _course_body(department, title="First"), format="json")

    response = client.post(COURSES, _course_body(department, title="Second"), format="json")

    assert_problem(response, 409, "duplicate")
    assert client.get(_course_url(f"{department}-449")).json()["title"] == "First"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("department", "C1"),
        ("department", "C"),
        ("department", "ABCDEFGHI"),
        ("department", "CP-SC"),
        ("number", "4-49"),
        ("number", "1234567"),
        ("number", ""),
        ("title", ""),
        ("credits", -1),
        ("credits", "three"),
        ("section_count", 4),
    ],
)
def test_a_course_with_a_bad_field_is_invalid(client_for, registrar, field, value):
    department = unique_department()
    client = client_for(registrar)

    response = client.post(COURSES, {**_course_body(department), field: value}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert client.get(COURSES, {"department": department}).json()["results"] == []


@pytest.mark.parametrize("missing", ["department", "number", "title", "credits"])
def test_a_course_without_a_required_field_is_invalid(client_for, registrar, missing):
    body = _course_body(unique_department())
    del body[missing]

    response = client_for(registrar).post(COURSES, body, format="json")

    assert_problem(response, 400, "invalid", field=missing)


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_creates_courses(client_for, make_user, role):
    department = unique_department()
    client = client_for(make_user(role))

    response = client.post(COURSES, _course_body(department), format="json")

    assert_problem(response, 403, "permission_denied")
    assert_problem(client.get(_course_url(f"{department}-449")), 404, "not_found")


def test_a_course_create_replays_for_the_same_idempotency_key(client_for, registrar):
    client = client_for(registrar)
    department = unique_department()
    key = f"course-{department}"

    first = client.post(COURSES, _course_body(department), format="json", HTTP_IDEMPOTENCY_KEY=key)
    retry = client.post(COURSES, _course_body(department), format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = client.post(COURSES, _course_body(department, number="450"), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert_problem(other, 422, "idempotency_key_reused")
    assert [course["id"] for course in client.get(COURSES, {"department": department}).json()["results"]] == [
        f"{department}-449"
    ]


# --- courses: read -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR, Role.REGISTRAR])
def test_any_user_reads_a_course(client_for, make_user, make_course, role):
    course = make_course(department=unique_department(), number="101", title="Databases", credits=4)

    response = client_for(make_user(role)).get(_course_url(course.id))

    assert response.status_code == 200
    assert response.json() == {
        "id": course.id,
        "department": course.department,
        "number": "101",
        "title": "Databases",
        "description": "",
        "credits": 4,
    }


def test_an_unknown_course_is_not_found(client_for, student):
    assert_problem(client_for(student).get(_course_url(f"{unique_department()}-404")), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", COURSES), ("post", COURSES), ("get", _course_url("CPSC-449")), ("patch", _course_url("CPSC-449"))],
)
def test_courses_need_a_token(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert_problem(response, 401, "not_authenticated")


def test_courses_list_by_department_holds_only_that_department(client_for, student, make_course):
    department, other_department = unique_department(), unique_department()
    for number in ("300", "100", "200"):
        make_course(department=department, number=number)
    make_course(department=other_department, number="100")

    response = client_for(student).get(COURSES, {"department": department.lower()})

    assert response.status_code == 200
    body = response.json()
    assert _ids(body) == [f"{department}-100", f"{department}-200", f"{department}-300"]
    assert body["next"] is None and body["previous"] is None


def test_the_unfiltered_course_list_holds_every_department(client_for, student, make_course):
    ours = {
        make_course(department=unique_department(), number="1").id,
        make_course(department=unique_department(), number="1").id,
    }

    pages = follow(client_for(student), f"{COURSES}?page_size=100", "next")

    listed = [course_id for page in pages for course_id in _ids(page)]
    assert ours <= set(listed)
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("department", ["C1", "C", "CP-SC"])
def test_a_bad_department_filter_is_invalid(client_for, student, department):
    assert_problem(client_for(student).get(COURSES, {"department": department}), 400, "invalid", field="department")


# --- courses: pagination -------------------------------------------------------------


def test_course_pages_follow_next_to_the_end_and_previous_back(client_for, student, make_course):
    department = unique_department()
    course_ids = [make_course(department=department, number=str(number)).id for number in range(101, 108)]
    client = client_for(student)

    forward = follow(client, f"{COURSES}?department={department}&page_size=3", "next")
    backward = follow(client, forward[-1]["previous"], "previous")

    assert [_ids(page) for page in forward] == [course_ids[0:3], course_ids[3:6], course_ids[6:7]]
    assert forward[0]["previous"] is None
    assert [_ids(page) for page in backward] == [course_ids[3:6], course_ids[0:3]]
    assert backward[-1]["next"] is not None


def test_a_page_holds_at_most_100_items(client_for, student, make_course):
    department = unique_department()
    for number in range(101):
        make_course(department=department, number=str(number))

    response = client_for(student).get(COURSES, {"department": department, "page_size": 100})

    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 100
    assert response.json()["next"] is not None
    too_many = client_for(student).get(COURSES, {"department": department, "page_size": 101})
    assert_problem(too_many, 400, "invalid", field="page_size")


@pytest.mark.parametrize("page_size", ["0", "-1", "three"])
def test_a_bad_page_size_is_invalid(client_for, student, page_size):
    response = client_for(student).get(COURSES, {"page_size": page_size})

    assert_problem(response, 400, "invalid", field="page_size")


def test_a_course_cursor_is_refused_with_another_department(client_for, student, make_course):
    department = unique_department()
    for number in ("1", "2"):
        make_course(department=department, number=number)
    client = client_for(student)
    cursor = cursor_of(client.get(COURSES, {"department": department, "page_size": 1}).json()["next"])

    response = client.get(COURSES, {"department": unique_department(), "page_size": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid", field="cursor")


def test_a_course_cursor_is_refused_on_the_sections_list(client_for, student, make_course):
    department = unique_department()
    for number in ("1", "2"):
        make_course(department=department, number=number)
    client = client_for(student)
    cursor = cursor_of(client.get(COURSES, {"department": department, "page_size": 1}).json()["next"])

    assert_problem(client.get(SECTIONS, {"cursor": cursor}), 400, "invalid", field="cursor")


@pytest.mark.parametrize("tamper", [tampered, lambda cursor: "garbage", lambda cursor: cursor[:-3]])
def test_a_garbage_or_tampered_course_cursor_is_invalid(client_for, student, make_course, tamper):
    department = unique_department()
    for number in ("1", "2"):
        make_course(department=department, number=number)
    client = client_for(student)
    cursor = cursor_of(client.get(COURSES, {"department": department, "page_size": 1}).json()["next"])

    response = client.get(COURSES, {"department": department, "page_size": 1, "cursor": tamper(cursor)})

    assert_problem(response, 400, "invalid", field="cursor")


# --- courses: update and delete -------------------------------------------------------


def test_registrar_changes_a_course(client_for, registrar, make_course):
    course = make_course(department=unique_department(), number="1", title="Old", description="Kept", credits=3)
    client = client_for(registrar)

    response = client.patch(_course_url(course.id), {"title": "New", "credits": 4}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": course.id,
        "department": course.department,
        "number": "1",
        "title": "New",
        "description": "Kept",
        "credits": 4,
    }
    assert client.get(_course_url(course.id)).json() == response.json()


def test_a_new_course_title_reaches_its_sections(client_for, registrar, make_course, make_section):
    course = make_course(department=unique_department(), number="1", title="Old")
    section = make_section(course_id=course.id, term=unique_term(), number="01")
    client = client_for(registrar)

    client.patch(_course_url(course.id), {"title": "New"}, format="json")

    assert client.get(section_url(section.id)).json()["title"] == "New"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"department": "MATH"}, "department"),
        ({"id": "MATH-1"}, "id"),
        ({"title": "New", "number": "2"}, "number"),
        ({"credits": -1}, "credits"),
        ({"title": ""}, "title"),
    ],
)
def test_a_bad_course_change_is_invalid_and_changes_nothing(client_for, registrar, make_course, body, field):
    course = make_course(department=unique_department(), number="1", title="Old")
    client = client_for(registrar)

    response = client.patch(_course_url(course.id), body, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert client.get(_course_url(course.id)).json()["title"] == "Old"


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_changes_or_deletes_courses(client_for, make_user, make_course, role):
    course = make_course(department=unique_department(), number="1", title="Old")
    client = client_for(make_user(role))

    patched = client.patch(_course_url(course.id), {"title": "New"}, format="json")
    deleted = client.delete(_course_url(course.id))

    assert_problem(patched, 403, "permission_denied")
    assert_problem(deleted, 403, "permission_denied")
    assert client.get(_course_url(course.id)).json()["title"] == "Old"


def test_changing_an_unknown_course_is_not_found(client_for, registrar):
    response = client_for(registrar).patch(_course_url(f"{unique_department()}-1"), {"title": "New"}, format="json")

    assert_problem(response, 404, "not_found")


def test_registrar_deletes_a_course_without_sections(client_for, registrar, make_course):
    course = make_course(department=unique_department(), number="1")
    client = client_for(registrar)

    response = client.delete(_course_url(course.id))

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(_course_url(course.id)), 404, "not_found")
    assert_problem(client.delete(_course_url(course.id)), 404, "not_found")


def test_a_course_with_sections_is_not_deleted_until_they_are(client_for, registrar, make_course, make_section):
    course = make_course(department=unique_department(), number="1")
    section = make_section(course_id=course.id, term=unique_term(), number="01")
    client = client_for(registrar)

    refused = client.delete(_course_url(course.id))
    client.delete(section_url(section.id))
    deleted = client.delete(_course_url(course.id))

    assert_problem(refused, 409, "course_has_sections")
    assert deleted.status_code == 204


# --- sections: create ----------------------------------------------------------------


def _section_body(course_id: str, instructor_id: str, **fields) -> dict:
    return {
        "course_id": course_id,
        "term": unique_term(),
        "number": "01",
        "instructor_id": instructor_id,
        "capacity": 30,
        **fields,
    }


def test_registrar_creates_a_section(client_for, registrar, instructor, make_course):
    course = make_course(department=unique_department(), number="449", title="Back-End Engineering", credits=4)
    term = unique_term()
    meetings = [{"days": "MW", "start": "10:00", "end": "11:15"}, {"days": "F", "start": "13:00", "end": "15:45"}]
    body = _section_body(course.id.lower(), instructor.id, term=term.lower(), capacity=2, meetings=meetings)
    client = client_for(registrar)

    response = client.post(SECTIONS, body, format="json")

    assert response.status_code == 201, response.content
    section_id = f"{term}-{course.id}-01"
    expected = {
        "id": section_id,
        "course_id": course.id,
        "department": course.department,
        "title": "Back-End Engineering",
        "term": term,
        "number": "01",
        "instructor_id": instructor.id,
        "capacity": 2,
        "enrolled": 0,
        "seats_left": 2,
        "waitlist_capacity": 15,
        "waitlisted": 0,
        "status": "open",
        "auto_enrollment_frozen": False,
        "meetings": meetings,
        "credits": 4,
    }
    assert response.json() == expected
    assert response["Location"].endswith(section_url(section_id))
    assert client.get(response["Location"]).json() == expected


def test_a_section_without_seats_is_created_full(client_for, registrar, instructor, make_course):
    course = make_course(department=unique_department(), number="1")

    response = client_for(registrar).post(
        SECTIONS, _section_body(course.id, instructor.id, capacity=0, waitlist_capacity=5), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "full"
    assert response.json()["waitlist_capacity"] == 5


def test_creating_a_section_that_exists_is_a_duplicate(client_for, registrar, instructor, make_course):
    course = make_course(department=unique_department(), number="1")
    body = _section_body(course.id, instructor.id, capacity=10)
    client = client_for(registrar)
    client.post(SECTIONS, body, format="json")

    response = client.post(SECTIONS, {**body, "capacity": 99}, format="json")

    assert_problem(response, 409, "duplicate")
    assert client.get(section_url(f"{body['term']}-{course.id}-01")).json()["capacity"] == 10


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("term", "2026"),
        ("term", "26FA"),
        ("term", "2026XX"),
        ("course_id", "CPSC449"),
        ("course_id", "CPSC-449-01"),
        ("number", "00001"),
        ("number", "0-1"),
        ("capacity", -1),
        ("capacity", 1001),
        ("capacity", "many"),
        ("waitlist_capacity", -1),
        ("instructor_id", ""),
        ("enrolled", 5),
    ],
)
def test_a_section_with_a_bad_field_is_invalid(client_for, registrar, instructor, make_course, field, value):
    course = make_course(department=unique_department(), number="1")
    client = client_for(registrar)

    response = client.post(SECTIONS, {**_section_body(course.id, instructor.id), field: value}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert client.get(SECTIONS, {"course": course.id}).json()["results"] == []


@pytest.mark.parametrize("missing", ["course_id", "term", "number", "instructor_id", "capacity"])
def test_a_section_without_a_required_field_is_invalid(client_for, registrar, instructor, make_course, missing):
    body = _section_body(make_course(department=unique_department(), number="1").id, instructor.id)
    del body[missing]

    response = client_for(registrar).post(SECTIONS, body, format="json")

    assert_problem(response, 400, "invalid", field=missing)


@pytest.mark.parametrize("who", ["nobody", "not-a-number", "a student", "the registrar"])
def test_a_section_needs_an_instructor_that_exists(client_for, registrar, student, make_course, who):
    instructor_id = {"nobody": "999999", "not-a-number": "x1", "a student": student.id, "the registrar": registrar.id}
    course = make_course(department=unique_department(), number="1")
    client = client_for(registrar)

    response = client.post(SECTIONS, _section_body(course.id, instructor_id[who]), format="json")

    assert_problem(response, 400, "invalid", field="instructor_id")
    assert client.get(SECTIONS, {"course": course.id}).json()["results"] == []


def test_a_section_needs_a_course_that_exists(client_for, registrar, instructor):
    response = client_for(registrar).post(
        SECTIONS, _section_body(f"{unique_department()}-1", instructor.id), format="json"
    )

    assert_problem(response, 400, "invalid", field="course_id")


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_creates_sections(client_for, make_user, instructor, make_course, role):
    course = make_course(department=unique_department(), number="1")
    client = client_for(make_user(role))

    response = client.post(SECTIONS, _section_body(course.id, instructor.id), format="json")

    assert_problem(response, 403, "permission_denied")
    assert client.get(SECTIONS, {"course": course.id}).json()["results"] == []


# --- sections: read ------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR, Role.REGISTRAR])
def test_any_user_reads_a_section(client_for, make_user, make_course, make_section, role):
    course = make_course(department=unique_department(), number="1")
    section = make_section(course_id=course.id, term=unique_term(), number="01", capacity=5)

    response = client_for(make_user(role)).get(section_url(section.id))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == section.id
    assert (body["capacity"], body["enrolled"], body["waitlisted"], body["status"]) == (5, 0, 0, "open")


def test_an_unknown_section_is_not_found(client_for, student):
    assert_problem(
        client_for(student).get(section_url(f"{unique_term()}-{unique_department()}-1-01")), 404, "not_found"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", SECTIONS),
        ("post", SECTIONS),
        ("get", section_url("2026FA-CPSC-449-01")),
        ("patch", section_url("2026FA-CPSC-449-01")),
        ("delete", section_url("2026FA-CPSC-449-01")),
    ],
)
def test_sections_need_a_token(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert_problem(response, 401, "not_authenticated")


# --- sections: filters ---------------------------------------------------------------


@pytest.fixture
def term_sections(client_for, make_user, make_course, make_section):
    """One term of two departments: A-01 (full, taught by "first"), A-02 (open, "second"),
    B-01 (open, "first"); and A-01 again in another term (open, "second")."""
    term, other_term = unique_term(), unique_term()
    first, second = make_user(Role.INSTRUCTOR), make_user(Role.INSTRUCTOR)
    course_a = make_course(department=unique_department(), number="1")
    course_b = make_course(department=unique_department(), number="1")
    sections = {
        "A-01": make_section(course_id=course_a.id, term=term, number="01", capacity=1, instructor_id=first.id),
        "A-02": make_section(course_id=course_a.id, term=term, number="02", capacity=5, instructor_id=second.id),
        "B-01": make_section(course_id=course_b.id, term=term, number="01", capacity=5, instructor_id=first.id),
        "A-01 later": make_section(
            course_id=course_a.id, term=other_term, number="01", capacity=5, instructor_id=second.id
        ),
    }
    taken = client_for(make_user(Role.STUDENT)).post(enrollments_url(sections["A-01"].id), {}, format="json")
    assert taken.status_code == 201, taken.content  # A-01's only seat
    return {
        "term": term,
        "other_term": other_term,
        "course_a": course_a,
        "course_b": course_b,
        "first": first,
        "second": second,
        "ids": {name: section.id for name, section in sections.items()},
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"term": "{term}"}, ["A-01", "A-02", "B-01"]),
        ({"term": "{term_lower}"}, ["A-01", "A-02", "B-01"]),
        ({"term": "{term}", "department": "{department_a}"}, ["A-01", "A-02"]),
        ({"term": "{term}", "course": "{course_b}"}, ["B-01"]),
        ({"course": "{course_a}"}, ["A-01", "A-02", "A-01 later"]),
        ({"department": "{department_a}"}, ["A-01", "A-02", "A-01 later"]),
        ({"department": "{department_b}"}, ["B-01"]),
        ({"term": "{term}", "open": "true"}, ["A-02", "B-01"]),
        ({"term": "{term}", "open": "false"}, ["A-01"]),
        ({"term": "{term}", "department": "{department_a}", "open": "true"}, ["A-02"]),
        ({"course": "{course_a}", "open": "true"}, ["A-02", "A-01 later"]),
        ({"course": "{course_a}", "open": "false"}, ["A-01"]),
        ({"term": "{term}", "instructor": "{first}"}, ["A-01", "B-01"]),
        ({"term": "{term}", "instructor": "{second}"}, ["A-02"]),
        ({"course": "{course_a}", "instructor": "{second}"}, ["A-02", "A-01 later"]),
        ({"term": "{other_term}"}, ["A-01 later"]),
    ],
)
def test_sections_list_filters(client_for, student, term_sections, query, expected):
    values = {
        "term": term_sections["term"],
        "term_lower": term_sections["term"].lower(),
        "other_term": term_sections["other_term"],
        "department_a": term_sections["course_a"].department,
        "department_b": term_sections["course_b"].department,
        "course_a": term_sections["course_a"].id,
        "course_b": term_sections["course_b"].id,
        "first": term_sections["first"].id,
        "second": term_sections["second"].id,
    }
    params = {name: value.format(**values) for name, value in query.items()}

    response = client_for(student).get(SECTIONS, {**params, "page_size": 100})

    assert response.status_code == 200, response.content
    assert _ids(response.json()) == [term_sections["ids"][name] for name in expected]


def test_instructor_me_lists_the_callers_sections(client_for, term_sections):
    client = client_for(term_sections["first"])
    ids = term_sections["ids"]

    in_term = client.get(SECTIONS, {"instructor": "me", "term": term_sections["term"]})
    every_term = follow(client, f"{SECTIONS}?instructor=me&page_size=100", "next")

    assert _ids(in_term.json()) == [ids["A-01"], ids["B-01"]]
    listed = {section_id for page in every_term for section_id in _ids(page)}
    assert {ids["A-01"], ids["B-01"]} <= listed
    assert not {ids["A-02"], ids["A-01 later"]} & listed


def test_a_full_section_reads_full(client_for, student, term_sections):
    body = client_for(student).get(section_url(term_sections["ids"]["A-01"])).json()

    assert (body["enrolled"], body["seats_left"], body["status"]) == (1, 0, "full")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("term", "2026"),
        ("term", "FA2026"),
        ("department", "C1"),
        ("course", "CPSC449"),
        ("open", "maybe"),
    ],
)
def test_a_bad_section_filter_is_invalid(client_for, student, field, value):
    assert_problem(client_for(student).get(SECTIONS, {field: value}), 400, "invalid", field=field)


# --- sections: pagination ------------------------------------------------------------


def test_section_pages_follow_next_to_the_end_and_previous_back(client_for, student, make_course, make_section):
    term = unique_term()
    course = make_course(department=unique_department(), number="1")
    section_ids = [make_section(course_id=course.id, term=term, number=f"{n:02d}").id for n in range(1, 8)]
    client = client_for(student)

    forward = follow(client, f"{SECTIONS}?term={term}&page_size=3", "next")
    backward = follow(client, forward[-1]["previous"], "previous")

    assert [_ids(page) for page in forward] == [section_ids[0:3], section_ids[3:6], section_ids[6:7]]
    assert forward[0]["previous"] is None
    assert [_ids(page) for page in backward] == [section_ids[3:6], section_ids[0:3]]


def test_filtered_section_pages_hold_only_matches(client_for, student, make_course, make_section):
    term = unique_term()
    ours, theirs = (
        make_course(department=unique_department(), number="1"),
        make_course(department=unique_department(), number="1"),
    )
    section_ids = []
    for number in ("01", "02", "03"):
        section_ids.append(make_section(course_id=ours.id, term=term, number=number).id)
        make_section(course_id=theirs.id, term=term, number=number)
    client = client_for(student)

    forward = follow(client, f"{SECTIONS}?department={ours.department}&page_size=2", "next")
    backward = follow(client, forward[-1]["previous"], "previous")

    assert [_ids(page) for page in forward] == [section_ids[0:2], section_ids[2:3]]
    assert [_ids(page) for page in backward] == [section_ids[0:2]]


def test_a_section_cursor_is_refused_with_another_term(client_for, student, make_course, make_section):
    term = unique_term()
    course = make_course(department=unique_department(), number="1")
    for number in ("01", "02"):
        make_section(course_id=course.id, term=term, number=number)
    client = client_for(student)
    cursor = cursor_of(client.get(SECTIONS, {"term": term, "page_size": 1}).json()["next"])

    response = client.get(SECTIONS, {"term": unique_term(), "page_size": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid", field="cursor")


def test_a_section_cursor_is_refused_with_an_added_filter(client_for, student, make_course, make_section):
    term = unique_term()
    course = make_course(department=unique_department(), number="1")
    for number in ("01", "02"):
        make_section(course_id=course.id, term=term, number=number)
    client = client_for(student)
    cursor = cursor_of(client.get(SECTIONS, {"term": term, "page_size": 1}).json()["next"])

    response = client.get(SECTIONS, {"term": term, "course": course.id, "page_size": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid", field="cursor")


def test_a_section_cursor_for_open_false_is_refused_without_it(client_for, student, make_course, make_section):
    term = unique_term()
    course = make_course(department=unique_department(), number="1")
    for number in ("01", "02"):
        make_section(course_id=course.id, term=term, number=number, capacity=0)
    client = client_for(student)
    cursor = cursor_of(client.get(SECTIONS, {"term": term, "open": "false", "page_size": 1}).json()["next"])

    response = client.get(SECTIONS, {"term": term, "page_size": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid", field="cursor")


@pytest.mark.parametrize("tamper", [tampered, lambda cursor: "garbage"])
def test_a_garbage_or_tampered_section_cursor_is_invalid(client_for, student, make_course, make_section, tamper):
    term = unique_term()
    course = make_course(department=unique_department(), number="1")
    for number in ("01", "02"):
        make_section(course_id=course.id, term=term, number=number)
    client = client_for(student)
    cursor = cursor_of(client.get(SECTIONS, {"term": term, "page_size": 1}).json()["next"])

    response = client.get(SECTIONS, {"term": term, "page_size": 1, "cursor": tamper(cursor)})

    assert_problem(response, 400, "invalid", field="cursor")


@pytest.mark.parametrize("page_size", ["0", "x"])
def test_a_bad_section_page_size_is_invalid(client_for, student, page_size):
    assert_problem(client_for(student).get(SECTIONS, {"page_size": page_size}), 400, "invalid", field="page_size")


# --- sections: update ----------------------------------------------------------------


def _open_ids(client, term: str) -> list[str]:
    return _ids(client.get(SECTIONS, {"term": term, "open": "true"}).json())


def test_capacity_changes_flip_a_section_between_full_and_open(
    client_for, registrar, student, make_course, make_section
):
    term = unique_term()
    section = make_section(course_id=make_course(department=unique_department(), number="1").id, term=term, capacity=1)
    client = client_for(registrar)
    assert client_for(student).post(enrollments_url(section.id), {}, format="json").status_code == 201
    full_before = client.get(section_url(section.id)).json()
    open_ids_before = _open_ids(client, term)

    raised = client.patch(section_url(section.id), {"capacity": 3}, format="json")
    open_ids_raised = _open_ids(client, term)
    lowered = client.patch(section_url(section.id), {"capacity": 1}, format="json")
    open_ids_lowered = _open_ids(client, term)

    assert (full_before["status"], full_before["seats_left"]) == ("full", 0)
    assert open_ids_before == []
    assert raised.status_code == 200, raised.content
    assert (raised.json()["capacity"], raised.json()["seats_left"], raised.json()["status"]) == (3, 2, "open")
    assert open_ids_raised == [section.id]
    assert lowered.status_code == 200, lowered.content
    assert (lowered.json()["capacity"], lowered.json()["enrolled"], lowered.json()["status"]) == (1, 1, "full")
    assert open_ids_lowered == []


def test_giving_seats_to_a_section_without_any_opens_it(client_for, registrar, make_course, make_section):
    term = unique_term()
    section = make_section(course_id=make_course(department=unique_department(), number="1").id, term=term, capacity=0)
    client = client_for(registrar)
    open_ids_before = _open_ids(client, term)

    response = client.patch(section_url(section.id), {"capacity": 2}, format="json")

    assert open_ids_before == []
    assert response.status_code == 200, response.content
    assert (response.json()["seats_left"], response.json()["status"]) == (2, "open")
    assert _open_ids(client, term) == [section.id]


def test_capacity_below_the_enrolled_count_is_refused(client_for, registrar, make_user, make_course, make_section):
    section = make_section(
        course_id=make_course(department=unique_department(), number="1").id, term=unique_term(), capacity=3
    )
    for _ in range(2):
        client_for(make_user(Role.STUDENT)).post(enrollments_url(section.id), {}, format="json")
    client = client_for(registrar)

    response = client.patch(section_url(section.id), {"capacity": 1}, format="json")

    assert_problem(response, 409, "capacity_below_enrolled")
    body = client.get(section_url(section.id)).json()
    assert (body["capacity"], body["enrolled"]) == (3, 2)


def test_registrar_changes_instructor_waitlist_freeze_and_meetings(
    client_for, registrar, make_user, make_course, make_section
):
    section = make_section(course_id=make_course(department=unique_department(), number="1").id, term=unique_term())
    new_instructor = make_user(Role.INSTRUCTOR)
    change = {
        "instructor_id": new_instructor.id,
        "waitlist_capacity": 3,
        "auto_enrollment_frozen": True,
        "meetings": [{"days": "TR", "start": "09:00", "end": "10:15"}],
    }
    client = client_for(registrar)

    response = client.patch(section_url(section.id), change, format="json")

    assert response.status_code == 200, response.content
    assert {name: response.json()[name] for name in change} == change
    assert client.get(section_url(section.id)).json() == response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"capacity": -1}, "capacity"),
        ({"waitlist_capacity": -1}, "waitlist_capacity"),
        ({"term": "2027SP"}, "term"),
        ({"enrolled": 0}, "enrolled"),
        ({"capacity": 5, "status": "open"}, "status"),
        ({"instructor_id": "999999"}, "instructor_id"),
    ],
)
def test_a_bad_section_change_is_invalid_and_changes_nothing(
    client_for, registrar, make_course, make_section, body, field
):
    section = make_section(
        course_id=make_course(department=unique_department(), number="1").id, term=unique_term(), capacity=7
    )
    client = client_for(registrar)

    response = client.patch(section_url(section.id), body, format="json")

    assert_problem(response, 400, "invalid", field=field)
    after = client.get(section_url(section.id)).json()
    assert (after["capacity"], after["instructor_id"]) == (7, section.instructor_id)


def test_a_section_cannot_be_given_a_non_instructor(client_for, registrar, student, make_course, make_section):
    section = make_section(course_id=make_course(department=unique_department(), number="1").id, term=unique_term())

    response = client_for(registrar).patch(section_url(section.id), {"instructor_id": student.id}, format="json")

    assert_problem(response, 400, "invalid", field="instructor_id")


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_changes_or_deletes_sections(client_for, make_user, make_course, make_section, role):
    caller = make_user(role)
    section = make_section(
        course_id=make_course(department=unique_department(), number="1").id,
        term=unique_term(),
        capacity=7,
        # The section's own instructor may not change it either.
        instructor_id=caller.id if role == Role.INSTRUCTOR else make_user(Role.INSTRUCTOR).id,
    )
    client = client_for(caller)

    patched = client.patch(section_url(section.id), {"capacity": 8}, format="json")
    deleted = client.delete(section_url(section.id))

    assert_problem(patched, 403, "permission_denied")
    assert_problem(deleted, 403, "permission_denied")
    assert client.get(section_url(section.id)).json()["capacity"] == 7


def test_changing_an_unknown_section_is_not_found(client_for, registrar):
    response = client_for(registrar).patch(
        section_url(f"{unique_term()}-{unique_department()}-1-01"), {"capacity": 5}, format="json"
    )

    assert_problem(response, 404, "not_found")


# --- sections: meetings and credits ----------------------------------------------------

MONDAY_TEN = {"days": "MW", "start": "10:00", "end": "11:15"}

# (meetings sent, the field the errors name): every shape the contract refuses.
BAD_MEETINGS = {
    "lower-case days": ([{**MONDAY_TEN, "days": "mw"}], "meetings[0].days"),
    "a day twice": ([{**MONDAY_TEN, "days": "MWM"}], "meetings[0].days"),
    "a letter outside MTWRFSU": ([{**MONDAY_TEN, "days": "MX"}], "meetings[0].days"),
    "no days": ([{**MONDAY_TEN, "days": ""}], "meetings[0].days"),
    "days not a string": ([{**MONDAY_TEN, "days": ["M", "W"]}], "meetings[0].days"),
    "24:00": ([{**MONDAY_TEN, "end": "24:00"}], "meetings[0].end"),
    "one-digit hour": ([{**MONDAY_TEN, "start": "9:00"}], "meetings[0].start"),
    "minute 60": ([{**MONDAY_TEN, "end": "12:60"}], "meetings[0].end"),
    "seconds": ([{**MONDAY_TEN, "start": "10:00:00"}], "meetings[0].start"),
    "a space around the time": ([{**MONDAY_TEN, "start": " 10:00"}], "meetings[0].start"),
    "start equal to end": ([{**MONDAY_TEN, "end": "10:00"}], "meetings[0].end"),
    "start after end": ([{**MONDAY_TEN, "start": "12:00"}], "meetings[0].end"),
    "not a list": ("MW 10:00-11:15", "meetings"),
    "null": (None, "meetings"),
    "a meeting not an object": (["MW 10:00-11:15"], "meetings[0]"),
    "a missing key": ([{"days": "MW", "start": "10:00"}], "meetings[0].end"),
    "an unknown key": ([{**MONDAY_TEN, "room": "CS-104"}], "meetings[0].room"),
    "the second meeting bad": ([MONDAY_TEN, {**MONDAY_TEN, "days": "F", "start": "25:00"}], "meetings[1].start"),
    "more than 10": ([{**MONDAY_TEN, "days": "MTWRFSU"[index % 7]} for index in range(11)], "meetings"),
}


@pytest.mark.parametrize(("meetings", "field"), BAD_MEETINGS.values(), ids=BAD_MEETINGS.keys())
def test_a_section_with_bad_meetings_is_invalid_and_not_created(
    client_for, registrar, instructor, make_course, meetings, field
):
    course = make_course(department=unique_department(), number="1")
    body = _section_body(course.id, instructor.id, meetings=meetings)
    client = client_for(registrar)

    response = client.post(SECTIONS, body, format="json")

    problem = assert_problem(response, 400, "invalid", field=field)
    assert list(problem["errors"]) == [field], problem
    assert all(isinstance(message, str) for message in problem["errors"][field])
    assert client.get(section_url(f"{body['term']}-{course.id}-01")).status_code == 404


@pytest.mark.parametrize(("meetings", "field"), BAD_MEETINGS.values(), ids=BAD_MEETINGS.keys())
def test_a_section_change_to_bad_meetings_is_invalid_and_changes_nothing(
    client_for, registrar, new_section, meetings, field
):
    section = new_section(meetings=[Meeting(days="TR", start="08:30", end="09:45")])
    client = client_for(registrar)

    response = client.patch(section_url(section.id), {"meetings": meetings, "capacity": 9}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    after = client.get(section_url(section.id)).json()
    assert (after["meetings"], after["capacity"]) == ([{"days": "TR", "start": "08:30", "end": "09:45"}], 30)


def test_meetings_read_back_exactly_as_written_in_every_read(client_for, registrar, student, instructor, make_course):
    # Given meetings in no particular order, with days not in week order and the edges of the day
    course = make_course(department=unique_department(), number="1")
    meetings = [
        {"days": "RT", "start": "13:05", "end": "23:59"},
        {"days": "U", "start": "00:00", "end": "00:01"},
        {"days": "MTWRFSU", "start": "07:30", "end": "08:20"},
    ]
    body = _section_body(course.id, instructor.id, meetings=meetings)

    # When the registrar creates the section
    created = client_for(registrar).post(SECTIONS, body, format="json")

    # Then the answer, one section and the lists all read them back unchanged, in order
    assert created.status_code == 201, created.content
    client = client_for(student)
    section_id = created.json()["id"]
    assert created.json()["meetings"] == meetings
    assert client.get(section_url(section_id)).json()["meetings"] == meetings
    for query in ({"term": body["term"]}, {"course": course.id}, {"instructor": instructor.id}):
        [listed] = [item for item in client.get(SECTIONS, query).json()["results"] if item["id"] == section_id]
        assert listed["meetings"] == meetings


def test_a_section_without_meetings_reads_an_empty_list(client_for, registrar, instructor, make_course):
    course = make_course(department=unique_department(), number="1")

    response = client_for(registrar).post(SECTIONS, _section_body(course.id, instructor.id), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["meetings"] == []


def test_registrar_sets_replaces_and_clears_a_sections_meetings(client_for, registrar, new_section):
    section = new_section()
    client = client_for(registrar)
    assert client.get(section_url(section.id)).json()["meetings"] == []

    # When the registrar sets meetings, then replaces them with other meetings
    first = client.patch(section_url(section.id), {"meetings": [MONDAY_TEN]}, format="json")
    lab = {"days": "F", "start": "14:00", "end": "16:45"}
    second = client.patch(section_url(section.id), {"meetings": [lab, MONDAY_TEN]}, format="json")

    # Then each change replaced the whole list
    assert first.status_code == 200, first.content
    assert first.json()["meetings"] == [MONDAY_TEN]
    assert second.json()["meetings"] == [lab, MONDAY_TEN]

    # When a change leaves them out, they stay; when it sends [], they are cleared
    kept = client.patch(section_url(section.id), {"capacity": 12}, format="json")
    cleared = client.patch(section_url(section.id), {"meetings": []}, format="json")

    assert kept.json()["meetings"] == [lab, MONDAY_TEN]
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["meetings"] == []
    assert client.get(section_url(section.id)).json() == cleared.json()


def test_only_the_registrar_changes_meetings(client_for, student, instructor, new_section):
    section = new_section()

    for profile in (student, instructor):
        response = client_for(profile).patch(section_url(section.id), {"meetings": [MONDAY_TEN]}, format="json")
        assert_problem(response, 403, "permission_denied")
    assert client_for(student).get(section_url(section.id)).json()["meetings"] == []


def test_a_section_carries_its_courses_credits_and_a_credits_change_reaches_it(
    client_for, registrar, make_course, make_section
):
    # Given a course of 3 credits with sections in two terms
    course = make_course(department=unique_department(), number="1", credits=3)
    term, other_term = unique_term(), unique_term()
    sections = [make_section(course_id=course.id, term=t, number="01") for t in (term, other_term)]
    client = client_for(registrar)
    assert [client.get(section_url(section.id)).json()["credits"] for section in sections] == [3, 3]

    # When the course's credits change
    response = client.patch(_course_url(course.id), {"credits": 4}, format="json")

    # Then every section of the course carries the new credits, in reads and lists
    assert response.status_code == 200, response.content
    for section in sections:
        assert client.get(section_url(section.id)).json()["credits"] == 4
        assert Section.get(section.id, consistent_read=True).credits == 4
    assert [item["credits"] for item in client.get(SECTIONS, {"term": term}).json()["results"]] == [4]

    # And a title change alone leaves them as they are
    client.patch(_course_url(course.id), {"title": "Renamed"}, format="json")
    renamed = client.get(section_url(sections[0].id)).json()
    assert (renamed["title"], renamed["credits"]) == ("Renamed", 4)


def test_a_section_stored_without_credits_reads_its_courses(client_for, student, make_course, make_section):
    # Given sections written before sections carried credits
    course = make_course(department=unique_department(), number="1", credits=5)
    term = unique_term()
    old = [make_section(course_id=course.id, term=term, number=number) for number in ("01", "02")]
    for section in old:
        Section(section_id=section.id).update(actions=[Section.credits.remove()])
        assert Section.get(section.id, consistent_read=True).credits is None
    client = client_for(student)

    # Then they read with their course's credits, one by one and in a list
    assert client.get(section_url(old[0].id)).json()["credits"] == 5
    assert [item["credits"] for item in client.get(SECTIONS, {"term": term}).json()["results"]] == [5, 5]


# --- sections: delete ----------------------------------------------------------------


def test_registrar_deletes_a_section(client_for, registrar, make_course, make_section):
    course = make_course(department=unique_department(), number="1")
    section = make_section(course_id=course.id, term=unique_term())
    client = client_for(registrar)

    response = client.delete(section_url(section.id))

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(section_url(section.id)), 404, "not_found")
    assert client.get(SECTIONS, {"course": course.id}).json()["results"] == []
    assert_problem(client.delete(section_url(section.id)), 404, "not_found")


# --- paths and methods ---------------------------------------------------------------


@pytest.mark.parametrize("path", [f"{COURSES}CPSC-449/sections/", f"{SECTIONS}2026FA-CPSC-449-01/nothing/"])
def test_an_unknown_api_path_is_a_404_problem(client_for, student, path):
    assert_problem(client_for(student).get(path), 404, "not_found")


@pytest.mark.parametrize("path", [_course_url("CPSC-449"), section_url("2026FA-CPSC-449-01")])
def test_put_is_not_allowed_on_catalog_items(client_for, registrar, path):
    assert_problem(client_for(registrar).put(path, {}, format="json"), 405, "method_not_allowed")


# An id longer than DynamoDB allows in a key (2048 bytes) names nothing: it is a 404 like
# any other unknown id, not a ValidationException from DynamoDB turned into a 500.
_TOO_LONG_ID = "A" * 3000


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", _course_url(_TOO_LONG_ID), None),
        ("patch", _course_url(_TOO_LONG_ID), {"title": "New"}),
        ("delete", _course_url(_TOO_LONG_ID), None),
        ("get", section_url(_TOO_LONG_ID), None),
        ("patch", section_url(_TOO_LONG_ID), {"capacity": 5}),
        ("delete", section_url(_TOO_LONG_ID), None),
    ],
)
def test_an_over_long_catalog_id_is_not_found(client_for, registrar, method, path, body):
    client = client_for(registrar)
    client.raise_request_exception = False  # a crash answers 500, as it would for a real client

    response = getattr(client, method)(path, body, format="json")

    assert_problem(response, 404, "not_found")
