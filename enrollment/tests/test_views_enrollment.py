"""Enrollment over HTTP: enroll, the roster, one student's row, drop, and a student's
enrollments, as API.md describes them. The waitlist rules have their own tests in waitlist/tests.

DynamoDB tables live for the whole run while the Django database is rolled back after
each test, so every test makes its own sections (in its own department and term); each
test's users get ids of their own (see ``make_user``).
"""

import threading

import pytest
import requests

from accounts.roles import Role
from accounts.services import token_pair_issue
from conftest import PASSWORD
from enrollment.tests.http import (
    SECTIONS,
    assert_problem,
    cursor_of,
    enrollment_url,
    enrollments_url,
    follow,
    is_utc_timestamp,
    listed_sections,
    roster,
    roster_ids,
    section_url,
    student_url,
    tampered,
    unique_department,
    unique_term,
)

pytestmark = pytest.mark.django_db


def _seats(client, section_id: str) -> tuple[int, int, str]:
    body = client.get(section_url(section_id)).json()
    return body["enrolled"], body["seats_left"], body["status"]


# --- enroll --------------------------------------------------------------------------


def test_a_student_enrolls_themself(client_for, student, registrar, new_section):
    section = new_section(capacity=3)
    client = client_for(student)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"status", "section_id", "student_id", "course_id", "term", "enrolled_at"}
    assert (body["status"], body["section_id"], body["student_id"]) == ("enrolled", section.id, student.id)
    assert is_utc_timestamp(body["enrolled_at"])
    assert response["Location"].endswith(enrollment_url(section.id, student.id))
    assert client.get(response["Location"]).json() == {
        "student_id": student.id,
        "status": "enrolled",
        "enrolled_at": body["enrolled_at"],
        "dropped_at": None,
        "dropped_by": None,
        "administrative": False,
    }
    assert _seats(client, section.id) == (1, 2, "open")
    assert roster_ids(client_for(registrar), section.id) == [student.id]


@pytest.mark.parametrize("naming", ["me", "own id"])
def test_a_student_may_name_themself(client_for, student, new_section, naming):
    section = new_section()
    student_id = "me" if naming == "me" else student.id

    response = client_for(student).post(enrollments_url(section.id), {"student_id": student_id}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["student_id"] == student.id


@pytest.mark.parametrize("as_number", [False, True])
def test_the_registrar_enrolls_a_given_student(client_for, registrar, student, new_section, as_number):
    section = new_section()
    student_id = int(student.id) if as_number else student.id
    client = client_for(registrar)

    response = client.post(enrollments_url(section.id), {"student_id": student_id}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["student_id"]) == ("enrolled", student.id)
    assert response["Location"].endswith(enrollment_url(section.id, student.id))
    assert roster_ids(client, section.id) == [student.id]
    assert [item["section_id"] for item in listed_sections(client_for(student), "me", [section.id])] == [section.id]


@pytest.mark.parametrize("whom", ["unknown id", "not an id", "an instructor", "nobody named"])
def test_the_registrar_enrolls_only_students_that_exist(client_for, registrar, instructor, new_section, whom):
    section = new_section()
    body = {
        "unknown id": {"student_id": "999999"},
        "not an id": {"student_id": "somebody"},
        "an instructor": {"student_id": instructor.id},
        "nobody named": {},
    }[whom]
    client = client_for(registrar)

    response = client.post(enrollments_url(section.id), body, format="json")

    assert_problem(response, 400, "invalid", field="student_id")
    assert _seats(client, section.id)[0] == 0
    assert roster(client, section.id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [({"section_id": "2026FA-CPSC-449-01"}, "section_id"), ({"student_id": "1" * 65}, "student_id")],
)
def test_a_bad_enroll_body_is_invalid(client_for, student, new_section, body, field):
    section = new_section()

    response = client_for(student).post(enrollments_url(section.id), body, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert _seats(client_for(student), section.id)[0] == 0


@pytest.mark.parametrize("names_a_student", [False, True])
def test_an_instructor_cannot_enroll(client_for, instructor, student, new_section, names_a_student):
    section = new_section()  # taught by ``instructor``
    body = {"student_id": student.id} if names_a_student else {}

    response = client_for(instructor).post(enrollments_url(section.id), body, format="json")

    assert_problem(response, 403, "permission_denied")
    assert _seats(client_for(student), section.id)[0] == 0


def test_a_student_cannot_enroll_another_student(client_for, make_user, registrar, new_section):
    section = new_section()
    student, other = make_user(Role.STUDENT), make_user(Role.STUDENT)

    response = client_for(student).post(enrollments_url(section.id), {"student_id": other.id}, format="json")

    assert_problem(response, 403, "permission_denied")
    assert roster(client_for(registrar), section.id) == []


def test_enrolling_needs_a_token(api_client, new_section):
    assert_problem(api_client.post(enrollments_url(new_section().id), {}, format="json"), 401, "not_authenticated")


def test_enrolling_in_an_unknown_section_is_not_found(client_for, student):
    response = client_for(student).post(
        enrollments_url(f"{unique_term()}-{unique_department()}-1-01"), {}, format="json"
    )

    assert_problem(response, 404, "not_found")


def test_enrolling_twice_is_already_enrolled(client_for, student, new_section, enroll):
    section = new_section(capacity=5)
    enroll(student, section.id)
    client = client_for(student)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert_problem(response, 409, "already_enrolled")
    assert _seats(client, section.id) == (1, 4, "open")


def test_already_enrolled_wins_over_a_full_section(client_for, student, new_section, enroll):
    section = new_section(capacity=1)
    enroll(student, section.id)
    client = client_for(student)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert_problem(response, 409, "already_enrolled")
    assert _seats(client, section.id) == (1, 0, "full")


def test_the_registrar_enrolling_an_enrolled_student_is_already_enrolled(client_for, registrar, student, new_section):
    section = new_section(capacity=1)
    client = client_for(registrar)
    client.post(enrollments_url(section.id), {"student_id": student.id}, format="json")

    response = client.post(enrollments_url(section.id), {"student_id": student.id}, format="json")

    assert_problem(response, 409, "already_enrolled")


def test_a_full_section_puts_another_student_on_its_waitlist(client_for, make_user, registrar, new_section, enroll):
    section = new_section(capacity=1)
    first, second = make_user(Role.STUDENT), make_user(Role.STUDENT)
    enroll(first, section.id)
    client = client_for(second)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["position"], body["student_id"]) == ("waitlisted", 1, second.id)
    assert "enrolled_at" not in body and body["joined_at"]
    assert response["Location"].endswith(f"/api/v1/sections/{section.id}/waitlist/{second.id}/")
    assert _seats(client, section.id) == (1, 0, "full")
    assert_problem(client.get(enrollment_url(section.id, "me")), 404, "not_found")
    assert roster_ids(client_for(registrar), section.id) == [first.id]


def test_a_section_without_seats_puts_everyone_on_its_waitlist(client_for, student, new_section):
    section = new_section(capacity=0)
    client = client_for(student)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["position"]) == ("waitlisted", 1)
    assert _seats(client, section.id) == (0, 0, "full")


def test_a_section_without_seats_or_waitlist_refuses_everyone(client_for, student, new_section):
    section = new_section(capacity=0, waitlist_capacity=0)
    client = client_for(student)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert_problem(response, 409, "waitlist_full")
    assert _seats(client, section.id) == (0, 0, "waitlist_full")


def test_a_student_enrolls_again_after_dropping(client_for, student, registrar, new_section, enroll):
    section = new_section(capacity=1)
    enroll(student, section.id)
    client = client_for(student)
    assert client.delete(enrollment_url(section.id, "me")).status_code == 204

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert response.status_code == 201, response.content
    row = client.get(enrollment_url(section.id, "me")).json()
    assert (row["status"], row["dropped_at"], row["dropped_by"], row["administrative"]) == (
        "enrolled",
        None,
        None,
        False,
    )
    assert row["enrolled_at"] == response.json()["enrolled_at"]
    staff = client_for(registrar)
    assert roster_ids(staff, section.id) == [student.id]
    assert roster_ids(staff, section.id, "dropped") == []
    assert _seats(client, section.id) == (1, 0, "full")


# --- enroll: Idempotency-Key ---------------------------------------------------------


def test_an_enroll_retried_with_its_idempotency_key_replays_and_enrolls_once(
    client_for, student, registrar, new_section
):
    section = new_section(capacity=5)
    client = client_for(student)
    key = f"enroll-{section.id}"

    first = client.post(enrollments_url(section.id), {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    retry = client.post(enrollments_url(section.id), {}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == retry.status_code == 201, retry.content
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert roster_ids(client_for(registrar), section.id) == [student.id]
    assert _seats(client, section.id)[0] == 1


def test_an_idempotency_key_reused_with_another_body_is_refused(client_for, registrar, make_user, new_section):
    section = new_section(capacity=5)
    first, second = make_user(Role.STUDENT), make_user(Role.STUDENT)
    client = client_for(registrar)
    url, key = enrollments_url(section.id), f"enroll-{section.id}"

    accepted = client.post(url, {"student_id": first.id}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    reused = client.post(url, {"student_id": second.id}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert accepted.status_code == 201
    assert_problem(reused, 422, "idempotency_key_reused")
    assert roster_ids(client, section.id) == [first.id]
    assert _seats(client, section.id)[0] == 1


# --- roster --------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["the instructor", "the registrar"])
def test_the_roster_lists_the_enrolled_in_enrollment_order(
    client_for, make_user, instructor, registrar, new_section, enroll, reader
):
    section = new_section()  # taught by ``instructor``
    students = [make_user(Role.STUDENT) for _ in range(3)]
    enrolled_at = [enroll(student, section.id)["enrolled_at"] for student in students]
    client = client_for(instructor if reader == "the instructor" else registrar)

    response = client.get(enrollments_url(section.id))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "student_id": student.id,
                "status": "enrolled",
                "enrolled_at": at,
                "dropped_at": None,
                "dropped_by": None,
                "administrative": False,
            }
            for student, at in zip(students, enrolled_at, strict=True)
        ],
    }


def test_an_empty_roster(client_for, registrar, new_section):
    response = client_for(registrar).get(enrollments_url(new_section().id))

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


@pytest.mark.parametrize("reader", ["a student", "the enrolled student", "another instructor"])
def test_only_the_sections_instructor_and_the_registrar_read_the_roster(
    client_for, make_user, student, new_section, enroll, reader
):
    section = new_section()
    enroll(student, section.id)
    caller = {
        "a student": make_user(Role.STUDENT),
        "the enrolled student": student,
        "another instructor": make_user(Role.INSTRUCTOR),
    }[reader]

    response = client_for(caller).get(enrollments_url(section.id))

    assert_problem(response, 403, "permission_denied")


def test_the_roster_needs_a_token(api_client, new_section):
    assert_problem(api_client.get(enrollments_url(new_section().id)), 401, "not_authenticated")


def test_the_roster_of_an_unknown_section_is_not_found(client_for, registrar):
    response = client_for(registrar).get(enrollments_url(f"{unique_term()}-{unique_department()}-1-01"))

    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "waitlisted"}, "status"),
        ({"status": "ENROLLED"}, "status"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_a_bad_roster_query_is_invalid(client_for, instructor, new_section, query, field):
    response = client_for(instructor).get(enrollments_url(new_section().id), query)

    assert_problem(response, 400, "invalid", field=field)


def test_roster_pages_follow_next_to_the_end_and_previous_back(client_for, make_user, instructor, new_section, enroll):
    section = new_section()
    student_ids = []
    for _ in range(7):
        student = make_user(Role.STUDENT)
        enroll(student, section.id)
        student_ids.append(student.id)
    client = client_for(instructor)

    forward = follow(client, f"{enrollments_url(section.id)}?page_size=3", "next")
    backward = follow(client, forward[-1]["previous"], "previous")

    def ids(page):
        return [item["student_id"] for item in page["results"]]

    assert [ids(page) for page in forward] == [student_ids[0:3], student_ids[3:6], student_ids[6:7]]
    assert forward[0]["previous"] is None
    assert [ids(page) for page in backward] == [student_ids[3:6], student_ids[0:3]]


@pytest.mark.parametrize("elsewhere", ["the dropped roster", "another section's roster"])
def test_a_roster_cursor_is_refused_elsewhere(client_for, make_user, registrar, new_section, enroll, elsewhere):
    section, other_section = new_section(), new_section()
    for _ in range(2):
        student = make_user(Role.STUDENT)
        enroll(student, section.id)
        enroll(student, other_section.id)
    client = client_for(registrar)
    cursor = cursor_of(client.get(enrollments_url(section.id), {"page_size": 1}).json()["next"])
    if elsewhere == "the dropped roster":
        url, query = enrollments_url(section.id), {"status": "dropped"}
    else:
        url, query = enrollments_url(other_section.id), {}

    response = client.get(url, {**query, "page_size": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid", field="cursor")


def test_a_tampered_roster_cursor_is_invalid(client_for, make_user, registrar, new_section, enroll):
    section = new_section()
    for _ in range(2):
        enroll(make_user(Role.STUDENT), section.id)
    client = client_for(registrar)
    cursor = cursor_of(client.get(enrollments_url(section.id), {"page_size": 1}).json()["next"])

    response = client.get(enrollments_url(section.id), {"page_size": 1, "cursor": tampered(cursor)})

    assert_problem(response, 400, "invalid", field="cursor")


# --- one enrollment ------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["the student as me", "the student by id", "the instructor", "the registrar"])
def test_one_enrollment_is_read_by_the_student_the_instructor_and_the_registrar(
    client_for, student, instructor, registrar, new_section, enroll, reader
):
    section = new_section()
    enrolled_at = enroll(student, section.id)["enrolled_at"]
    caller = {"the instructor": instructor, "the registrar": registrar}.get(reader, student)
    path_id = "me" if reader == "the student as me" else student.id

    response = client_for(caller).get(enrollment_url(section.id, path_id))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "student_id": student.id,
        "status": "enrolled",
        "enrolled_at": enrolled_at,
        "dropped_at": None,
        "dropped_by": None,
        "administrative": False,
    }


@pytest.mark.parametrize("reader", ["another student", "another instructor"])
def test_one_enrollment_is_hidden_from_others(client_for, make_user, student, new_section, enroll, reader):
    section = new_section()
    enroll(student, section.id)
    caller = make_user(Role.STUDENT if reader == "another student" else Role.INSTRUCTOR)

    response = client_for(caller).get(enrollment_url(section.id, student.id))

    assert_problem(response, 403, "permission_denied")


@pytest.mark.parametrize("reader", ["the student", "the registrar"])
def test_an_enrollment_that_does_not_exist_is_not_found(client_for, student, registrar, new_section, reader):
    section = new_section()
    client = client_for(student if reader == "the student" else registrar)

    response = client.get(enrollment_url(section.id, student.id))

    assert_problem(response, 404, "not_found")


def test_an_enrollment_in_an_unknown_section_is_not_found(client_for, student):
    response = client_for(student).get(enrollment_url(f"{unique_term()}-{unique_department()}-1-01", "me"))

    assert_problem(response, 404, "not_found")


def test_one_enrollment_needs_a_token(api_client, student, new_section, enroll):
    section = new_section()
    enroll(student, section.id)

    assert_problem(api_client.get(enrollment_url(section.id, student.id)), 401, "not_authenticated")


# --- drop ----------------------------------------------------------------------------


def test_a_student_drops_themself(client_for, student, instructor, new_section, enroll):
    section = new_section(capacity=1)
    enroll(student, section.id)
    client = client_for(student)

    response = client.delete(enrollment_url(section.id, "me"))

    assert response.status_code == 204
    assert response.content == b""
    row = client.get(enrollment_url(section.id, "me")).json()
    assert (row["status"], row["dropped_by"], row["administrative"]) == ("dropped", student.id, False)
    assert is_utc_timestamp(row["dropped_at"])
    staff = client_for(instructor)
    assert roster(staff, section.id) == []
    assert roster(staff, section.id, "dropped") == [row]
    assert _seats(client, section.id) == (0, 1, "open")
    assert listed_sections(client, "me", [section.id]) == []


@pytest.mark.parametrize("dropper", ["the instructor", "the registrar"])
def test_staff_drops_are_administrative(client_for, student, instructor, registrar, new_section, enroll, dropper):
    section = new_section(capacity=2)  # taught by ``instructor``
    enroll(student, section.id)
    staff = instructor if dropper == "the instructor" else registrar
    client = client_for(staff)

    response = client.delete(enrollment_url(section.id, student.id))

    assert response.status_code == 204, response.content
    assert response.content == b""
    assert roster(client, section.id) == []
    (dropped,) = roster(client, section.id, "dropped")
    assert (dropped["student_id"], dropped["status"]) == (student.id, "dropped")
    assert (dropped["administrative"], dropped["dropped_by"]) == (True, staff.id)
    assert is_utc_timestamp(dropped["dropped_at"])
    assert _seats(client, section.id) == (0, 2, "open")
    assert listed_sections(client_for(student), "me", [section.id]) == []


def test_the_dropped_roster_is_in_drop_order(client_for, make_user, instructor, new_section, enroll):
    section = new_section()
    first, second, staying = (make_user(Role.STUDENT) for _ in range(3))
    for student in (first, second, staying):
        enroll(student, section.id)
    client = client_for(instructor)
    client.delete(enrollment_url(section.id, second.id))
    client_for(first).delete(enrollment_url(section.id, "me"))

    assert roster_ids(client, section.id, "dropped") == [second.id, first.id]
    assert roster_ids(client, section.id) == [staying.id]


def test_dropping_twice_is_not_found(client_for, make_user, student, new_section, enroll):
    section = new_section(capacity=3)
    enroll(student, section.id)
    enroll(make_user(Role.STUDENT), section.id)  # a seat the second drop must not free
    client = client_for(student)
    client.delete(enrollment_url(section.id, "me"))

    response = client.delete(enrollment_url(section.id, "me"))

    assert_problem(response, 404, "not_found")
    assert _seats(client, section.id) == (1, 2, "open")


@pytest.mark.parametrize("dropper", ["the student", "the instructor", "the registrar"])
def test_dropping_a_student_who_is_not_enrolled_is_not_found(
    client_for, make_user, student, instructor, registrar, new_section, enroll, dropper
):
    section = new_section(capacity=3)
    enroll(make_user(Role.STUDENT), section.id)  # someone else holds a seat
    client = client_for({"the student": student, "the instructor": instructor, "the registrar": registrar}[dropper])

    response = client.delete(enrollment_url(section.id, student.id))

    assert_problem(response, 404, "not_found")
    assert _seats(client, section.id)[0] == 1


def test_dropping_from_an_unknown_section_is_not_found(client_for, student):
    response = client_for(student).delete(enrollment_url(f"{unique_term()}-{unique_department()}-1-01", "me"))

    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("dropper", ["another student", "an instructor of another section"])
def test_others_cannot_drop_a_student(client_for, make_user, student, registrar, new_section, enroll, dropper):
    section = new_section()
    enroll(student, section.id)
    caller = make_user(Role.STUDENT if dropper == "another student" else Role.INSTRUCTOR)

    response = client_for(caller).delete(enrollment_url(section.id, student.id))

    assert_problem(response, 403, "permission_denied")
    assert roster_ids(client_for(registrar), section.id) == [student.id]


def test_dropping_needs_a_token(api_client, client_for, registrar, student, new_section, enroll):
    section = new_section()
    enroll(student, section.id)

    response = api_client.delete(enrollment_url(section.id, student.id))

    assert_problem(response, 401, "not_authenticated")
    assert roster_ids(client_for(registrar), section.id) == [student.id]


def test_a_drop_gives_the_seat_to_the_student_waiting(client_for, make_user, registrar, new_section, enroll):
    section = new_section(capacity=1)
    first, second = make_user(Role.STUDENT), make_user(Role.STUDENT)
    enroll(first, section.id)
    client = client_for(second)
    waiting = client.post(enrollments_url(section.id), {}, format="json")

    dropped = client_for(first).delete(enrollment_url(section.id, "me"))

    assert waiting.json()["status"] == "waitlisted"
    assert dropped.status_code == 204
    assert _seats(client, section.id) == (1, 0, "full")
    assert roster_ids(client_for(registrar), section.id) == [second.id]
    assert_problem(client.get(f"{SECTIONS}{section.id}/waitlist/me/"), 404, "not_found")


# --- a student's enrollments ---------------------------------------------------------


def test_a_student_lists_their_enrollments(client_for, student, new_section, enroll):
    sections = [new_section() for _ in range(3)]
    enrolled_at = {section.id: enroll(student, section.id)["enrolled_at"] for section in sections}
    client = client_for(student)
    client.delete(enrollment_url(sections[1].id, "me"))

    items = listed_sections(client, "me", enrolled_at)

    assert items == [
        {
            "section_id": section.id,
            "student_id": student.id,
            "course_id": section.course_id,
            "term": section.term,
            "status": "enrolled",
            "enrolled_at": enrolled_at[section.id],
        }
        for section in (sections[0], sections[2])
    ]


def test_a_students_list_by_id_and_as_me_agree(client_for, student, new_section, enroll):
    sections = [new_section() for _ in range(2)]
    for section in sections:
        enroll(student, section.id)
    client = client_for(student)
    section_ids = [section.id for section in sections]

    assert listed_sections(client, student.id, section_ids) == listed_sections(client, "me", section_ids)
    assert [item["section_id"] for item in listed_sections(client, "me", section_ids)] == section_ids


def test_the_registrar_reads_a_students_enrollments(client_for, student, registrar, new_section, enroll):
    section = new_section()
    enroll(student, section.id)

    items = listed_sections(client_for(registrar), student.id, [section.id])

    assert [(item["section_id"], item["status"]) for item in items] == [(section.id, "enrolled")]


@pytest.mark.parametrize("reader", ["another student", "an instructor", "the section's instructor"])
def test_a_students_enrollments_are_hidden_from_others(
    client_for, make_user, student, instructor, new_section, enroll, reader
):
    enroll(student, new_section().id)  # taught by ``instructor``
    caller = {
        "another student": make_user(Role.STUDENT),
        "an instructor": make_user(Role.INSTRUCTOR),
        "the section's instructor": instructor,
    }[reader]

    response = client_for(caller).get(student_url(student.id))

    assert_problem(response, 403, "permission_denied")


def test_a_students_enrollments_need_a_token(api_client, student):
    assert_problem(api_client.get(student_url(student.id)), 401, "not_authenticated")


def test_a_students_enrollments_pages_follow_next_and_previous(client_for, student, new_section, enroll):
    section_ids = []
    for _ in range(7):
        section = new_section()
        enroll(student, section.id)
        section_ids.append(section.id)
    client = client_for(student)

    forward = follow(client, f"{student_url('me')}?page_size=3", "next")
    backward = follow(client, forward[-1]["previous"], "previous")

    def ids(page):
        return [item["section_id"] for item in page["results"]]

    listed = [section_id for page in forward for section_id in ids(page)]
    # Rows left behind by earlier tests' users with this id may come first, hence the filter.
    assert [section_id for section_id in listed if section_id in section_ids] == section_ids
    assert len(listed) == len(set(listed))
    assert all(len(ids(page)) == 3 for page in forward[:-1]) and 1 <= len(ids(forward[-1])) <= 3
    assert forward[0]["previous"] is None
    assert [section_id for page in reversed(backward) for section_id in ids(page)] + ids(forward[-1]) == listed
    assert backward[-1]["previous"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page_size": "0"}, "page_size"), ({"page_size": "-5"}, "page_size"), ({"cursor": "garbage"}, "cursor")],
)
def test_a_bad_students_enrollments_query_is_invalid(client_for, student, query, field):
    assert_problem(client_for(student).get(student_url("me"), query), 400, "invalid", field=field)


def test_a_students_cursor_is_refused_for_another_student(client_for, make_user, registrar, new_section, enroll):
    first, second = make_user(Role.STUDENT), make_user(Role.STUDENT)
    for _ in range(2):
        section = new_section()
        enroll(first, section.id)
        enroll(second, section.id)
    client = client_for(registrar)
    cursor = cursor_of(client.get(student_url(first.id), {"page_size": 1}).json()["next"])

    response = client.get(student_url(second.id), {"page_size": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid", field="cursor")


# An id longer than DynamoDB allows in a key (2048 bytes for a section id, 1024 for a
# student id) names nothing: it is a 404 like any other unknown id, not a 500.
_TOO_LONG_SECTION_ID = "A" * 3000
_TOO_LONG_STUDENT_ID = "1" * 1100


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", enrollments_url(_TOO_LONG_SECTION_ID)),
        ("post", enrollments_url(_TOO_LONG_SECTION_ID)),
        ("get", enrollment_url(_TOO_LONG_SECTION_ID, "me")),
        ("delete", enrollment_url(_TOO_LONG_SECTION_ID, "me")),
        ("get", enrollment_url("{section_id}", _TOO_LONG_STUDENT_ID)),
    ],
)
def test_an_over_long_id_in_an_enrollment_path_is_not_found(client_for, registrar, student, new_section, method, path):
    client = client_for(registrar)
    client.raise_request_exception = False  # a crash answers 500, as it would for a real client
    body = {"student_id": student.id} if method == "post" else None

    response = getattr(client, method)(path.format(section_id=new_section().id), body, format="json")

    assert_problem(response, 404, "not_found")


# --- concurrency ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_last_seat_goes_to_exactly_one_of_many_concurrent_students(
    live_server, client_for, make_user, registrar, new_section
):
    section = new_section(capacity=1)
    students = [make_user(Role.STUDENT) for _ in range(6)]
    tokens = {student.id: token_pair_issue(username=student.username, password=PASSWORD).access for student in students}
    barrier = threading.Barrier(len(students))
    responses = {}

    def enroll_at_once(student_id: str) -> None:
        barrier.wait()
        responses[student_id] = requests.post(
            f"{live_server.url}{enrollments_url(section.id)}",
            json={},
            headers={"Authorization": f"Bearer {tokens[student_id]}"},
            timeout=30,
        )

    threads = [threading.Thread(target=enroll_at_once, args=(student.id,)) for student in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [response.status_code for response in responses.values()] == [201] * 6
    winners = [student_id for student_id, response in responses.items() if response.json()["status"] == "enrolled"]
    waiting = [response.json() for response in responses.values() if response.json()["status"] == "waitlisted"]
    assert len(winners) == 1
    assert sorted(body["position"] for body in waiting) == [1, 2, 3, 4, 5]
    client = client_for(registrar)
    assert roster_ids(client, section.id) == winners
    assert _seats(client, section.id) == (1, 0, "full")


# --- deleting a section --------------------------------------------------------------


def test_deleting_a_section_removes_its_enrollments(client_for, make_user, student, registrar, new_section, enroll):
    deleted, kept = new_section(), new_section()
    classmate = make_user(Role.STUDENT)
    for section in (deleted, kept):
        enroll(student, section.id)
    enroll(classmate, deleted.id)
    staff, client = client_for(registrar), client_for(student)
    client_for(classmate).delete(enrollment_url(deleted.id, "me"))  # a dropped row goes too

    response = staff.delete(section_url(deleted.id))

    assert response.status_code == 204
    assert response.content == b""
    assert [item["section_id"] for item in listed_sections(client, "me", [deleted.id, kept.id])] == [kept.id]
    assert_problem(client.get(section_url(deleted.id)), 404, "not_found")
    assert_problem(client.get(enrollment_url(deleted.id, "me")), 404, "not_found")
    assert_problem(staff.get(enrollment_url(deleted.id, classmate.id)), 404, "not_found")
    assert_problem(staff.get(enrollments_url(deleted.id)), 404, "not_found")
    assert_problem(client.post(enrollments_url(deleted.id), {}, format="json"), 404, "not_found")
    assert_problem(client.delete(enrollment_url(deleted.id, "me")), 404, "not_found")
    assert roster_ids(staff, kept.id) == [student.id]


def test_the_enrollments_of_an_unknown_student_are_not_found(client_for, registrar):
    response = client_for(registrar).get(student_url("99999999"))

    assert_problem(response, 404, "not_found")
