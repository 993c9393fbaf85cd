"""Waitlists over HTTP: joining a full section, the limits, leaving, promotion on drop,
on a larger capacity and on unfreezing, the instructor's view of the line and one
student's place with its cache validators, as API.md describes them.

DynamoDB tables and Redis live for the whole run while the Django database is rolled
back after each test, so every test makes its own sections (in its own department and
term); each test's users get ids of their own (see ``make_user``). The global freeze is
shared by the whole run: the tests that set it use ``unfrozen``, which always lifts it.
"""

from datetime import datetime

import pytest
from django.utils.http import parse_http_date

from accounts.roles import Role
from enrollment import services
from enrollment.tests.http import (
    assert_problem,
    cursor_of,
    enrollment_url,
    enrollments_url,
    follow,
    is_utc_timestamp,
    listed_sections,
    place_url,
    roster_ids,
    section_url,
    student_url,
    tampered,
    unique_department,
    unique_term,
    waitlist_url,
)

pytestmark = pytest.mark.django_db

AUTO_ENROLLMENT = "/api/v1/auto-enrollment/"
REGISTRATION_MEMBERS = {"status", "section_id", "student_id", "course_id", "term"}


@pytest.fixture
def full_section(make_user, new_section, enroll):
    """A section whose ``capacity`` seats are taken, with ``waiting`` students in line
    (joined in list order). Returns the section, the seated and the waiting students."""

    def make(*, capacity: int = 1, waiting: int = 0, waitlist_capacity: int = 15):
        section = new_section(capacity=capacity, waitlist_capacity=waitlist_capacity)
        seated = [make_user(Role.STUDENT) for _ in range(capacity)]
        for student in seated:
            assert enroll(student, section.id)["status"] == "enrolled"
        line = [make_user(Role.STUDENT) for _ in range(waiting)]
        for position, student in enumerate(line, start=1):
            body = enroll(student, section.id)
            assert (body["status"], body["position"]) == ("waitlisted", position)
        return section, seated, line

    return make


@pytest.fixture
def unfrozen():
    """The global freeze is lifted after the test, whatever the test did to it."""
    yield
    services.auto_enrollment_set(frozen=False)


def _section(client, section_id: str) -> dict:
    response = client.get(section_url(section_id))
    assert response.status_code == 200, response.content
    return response.json()


def _seats(client, section_id: str) -> tuple[int, int, int, str]:
    """(enrolled, seats_left, waitlisted, status) of a section."""
    body = _section(client, section_id)
    return body["enrolled"], body["seats_left"], body["waitlisted"], body["status"]


def _line(client, section_id: str) -> list[tuple[str, int]]:
    """(student_id, position) of everyone on a section's waitlist, as its instructor or the registrar reads it."""
    response = client.get(waitlist_url(section_id), {"page_size": 100})
    assert response.status_code == 200, response.content
    return [(item["student_id"], item["position"]) for item in response.json()["results"]]


# --- joining a full section ----------------------------------------------------------


def test_a_full_section_waitlists_students_in_arrival_order(client_for, make_user, instructor, full_section):
    section, _, _ = full_section(capacity=1, waitlist_capacity=3)
    students = [make_user(Role.STUDENT) for _ in range(3)]
    seen = []

    for student in students:
        response = client_for(student).post(enrollments_url(section.id), {}, format="json")
        seen.append((response, _seats(client_for(student), section.id)))

    for position, (student, (response, seats)) in enumerate(zip(students, seen, strict=True), start=1):
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == REGISTRATION_MEMBERS | {"position", "joined_at"}
        assert (body["status"], body["position"], body["section_id"], body["student_id"]) == (
            "waitlisted",
            position,
            section.id,
            student.id,
        )
        assert (body["course_id"], body["term"]) == (section.course_id, section.term)
        assert is_utc_timestamp(body["joined_at"])
        assert response["Location"].endswith(f"/api/v1/sections/{section.id}/waitlist/{student.id}/")
        assert seats == (1, 0, position, "waitlist_full" if position == 3 else "full")
    assert _line(client_for(instructor), section.id) == [(student.id, n) for n, student in enumerate(students, 1)]


def test_the_location_of_a_waitlisted_enroll_is_the_students_place(client_for, student, full_section):
    section, _, _ = full_section(capacity=1, waiting=1)
    client = client_for(student)
    created = client.post(enrollments_url(section.id), {}, format="json")

    place = client.get(created["Location"])

    assert place.status_code == 200, place.content
    assert place.json() == {
        "section_id": section.id,
        "student_id": student.id,
        "position": 2,
        "joined_at": created.json()["joined_at"],
    }


def test_a_full_waitlist_refuses_with_waitlist_full(client_for, student, instructor, full_section):
    section, _, line = full_section(capacity=1, waitlist_capacity=2, waiting=2)
    client = client_for(student)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert_problem(response, 409, "waitlist_full")
    assert _seats(client, section.id) == (1, 0, 2, "waitlist_full")
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1), (line[1].id, 2)]
    assert_problem(client.get(place_url(section.id, "me")), 404, "not_found")
    assert listed_sections(client, "me", [section.id]) == []


def test_a_join_refused_as_full_does_not_count_against_the_students_limit(
    client_for, student, full_section, new_section
):
    section, _, _ = full_section(capacity=1, waitlist_capacity=1, waiting=1)
    client = client_for(student)
    assert_problem(client.post(enrollments_url(section.id), {}, format="json"), 409, "waitlist_full")

    responses = [client.post(enrollments_url(new_section(capacity=0).id), {}, format="json") for _ in range(3)]

    outcomes = [(r.status_code, r.json()["status"], r.json()["position"]) for r in responses]
    assert outcomes == [(201, "waitlisted", 1)] * 3


def test_a_student_on_three_waitlists_is_refused_a_fourth_until_they_leave_one(
    client_for, student, new_section, enroll
):
    joined = [new_section(capacity=0) for _ in range(3)]
    fourth = new_section(capacity=0)
    for section in joined:
        assert enroll(student, section.id)["status"] == "waitlisted"
    client = client_for(student)

    refused = client.post(enrollments_url(fourth.id), {}, format="json")
    left = client.delete(place_url(joined[1].id, "me"))
    accepted = client.post(enrollments_url(fourth.id), {}, format="json")

    assert_problem(refused, 409, "waitlist_limit_reached")
    assert left.status_code == 204
    assert accepted.status_code == 201, accepted.content
    assert (accepted.json()["status"], accepted.json()["position"]) == ("waitlisted", 1)
    listed = listed_sections(client, "me", [section.id for section in [*joined, fourth]])
    assert sorted(item["section_id"] for item in listed) == sorted([joined[0].id, joined[2].id, fourth.id])


def test_the_limit_of_waitlists_also_binds_the_registrar(client_for, student, registrar, new_section, enroll):
    for _ in range(3):
        enroll(student, new_section(capacity=0).id)
    fourth = new_section(capacity=0)

    response = client_for(registrar).post(enrollments_url(fourth.id), {"student_id": student.id}, format="json")

    assert_problem(response, 409, "waitlist_limit_reached")
    assert _seats(client_for(registrar), fourth.id) == (0, 0, 0, "full")


def test_joining_the_same_waitlist_twice_is_already_waitlisted(client_for, student, instructor, full_section, enroll):
    section, _, line = full_section(capacity=1, waiting=1)
    enroll(student, section.id)
    client = client_for(student)

    response = client.post(enrollments_url(section.id), {}, format="json")

    assert_problem(response, 409, "already_waitlisted")
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1), (student.id, 2)]
    assert _seats(client, section.id)[2] == 2


@pytest.mark.parametrize("caller", ["the student", "the registrar"])
def test_an_enrolled_student_never_joins_their_full_sections_waitlist(
    client_for, registrar, instructor, full_section, caller
):
    section, seated, line = full_section(capacity=1, waiting=1)
    student = seated[0]
    client, body = {
        "the student": (client_for(student), {}),
        "the registrar": (client_for(registrar), {"student_id": student.id}),
    }[caller]

    response = client.post(enrollments_url(section.id), body, format="json")

    assert_problem(response, 409, "already_enrolled")
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1)]
    assert_problem(client_for(student).get(place_url(section.id, "me")), 404, "not_found")
    assert [item["status"] for item in listed_sections(client_for(student), "me", [section.id])] == ["enrolled"]


def test_no_one_jumps_the_line_to_a_seat_freed_while_the_section_is_frozen(
    client_for, make_user, registrar, instructor, full_section
):
    section, seated, line = full_section(capacity=1, waiting=1)
    staff = client_for(registrar)
    assert staff.patch(section_url(section.id), {"auto_enrollment_frozen": True}, format="json").status_code == 200
    assert client_for(seated[0]).delete(enrollment_url(section.id, "me")).status_code == 204
    assert _seats(staff, section.id) == (0, 1, 1, "open")  # a free seat, and nobody was promoted
    newcomer = make_user(Role.STUDENT)

    response = client_for(newcomer).post(enrollments_url(section.id), {}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["position"]) == ("waitlisted", 2)
    assert roster_ids(staff, section.id) == []
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1), (newcomer.id, 2)]


# --- promotion -----------------------------------------------------------------------


@pytest.mark.parametrize("dropper", ["the student", "the instructor", "the registrar"])
def test_a_drop_enrolls_the_head_of_the_waitlist_at_once(
    client_for, registrar, instructor, full_section, dropper, assert_consistent
):
    section, seated, line = full_section(capacity=1, waiting=2)
    leaving = seated[0]
    client, student_id = {
        "the student": (client_for(leaving), "me"),
        "the instructor": (client_for(instructor), leaving.id),
        "the registrar": (client_for(registrar), leaving.id),
    }[dropper]

    response = client.delete(enrollment_url(section.id, student_id))

    assert response.status_code == 204, response.content
    promoted, next_in_line = line
    staff = client_for(registrar)
    assert roster_ids(staff, section.id) == [promoted.id]
    assert _seats(staff, section.id) == (1, 0, 1, "full")
    listed = listed_sections(client_for(promoted), "me", [section.id])
    assert [(item["status"], "position" in item, is_utc_timestamp(item["enrolled_at"])) for item in listed] == [
        ("enrolled", False, True)
    ]
    assert_problem(client_for(promoted).get(place_url(section.id, "me")), 404, "not_found")
    assert client_for(next_in_line).get(place_url(section.id, "me")).json()["position"] == 1
    assert _line(client_for(instructor), section.id) == [(next_in_line.id, 1)]
    assert_consistent(section.term)


def test_a_larger_capacity_enrolls_from_the_waitlist_in_order(
    client_for, registrar, instructor, full_section, assert_consistent
):
    section, seated, line = full_section(capacity=1, waiting=3)
    staff = client_for(registrar)

    response = staff.patch(section_url(section.id), {"capacity": 3}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["capacity"], body["enrolled"], body["seats_left"], body["waitlisted"], body["status"]) == (
        3,
        3,
        0,
        1,
        "full",
    )
    assert roster_ids(staff, section.id) == [seated[0].id, line[0].id, line[1].id]
    assert _line(client_for(instructor), section.id) == [(line[2].id, 1)]
    assert client_for(line[2]).get(place_url(section.id, "me")).json()["position"] == 1
    assert_consistent(section.term)


def test_a_frozen_section_promotes_nobody_until_it_is_unfrozen(client_for, registrar, instructor, full_section):
    section, seated, line = full_section(capacity=1, waiting=2)
    staff = client_for(registrar)

    frozen = staff.patch(section_url(section.id), {"auto_enrollment_frozen": True}, format="json")
    staff.delete(enrollment_url(section.id, seated[0].id))
    while_frozen = (_seats(staff, section.id), _line(client_for(instructor), section.id))
    thawed = staff.patch(section_url(section.id), {"auto_enrollment_frozen": False}, format="json")

    assert frozen.status_code == 200 and frozen.json()["auto_enrollment_frozen"] is True
    assert while_frozen == ((0, 1, 2, "open"), [(line[0].id, 1), (line[1].id, 2)])
    assert thawed.status_code == 200, thawed.content
    body = thawed.json()
    assert (body["auto_enrollment_frozen"], body["enrolled"], body["seats_left"], body["waitlisted"]) == (
        False,
        1,
        0,
        1,
    )
    assert roster_ids(staff, section.id) == [line[0].id]
    assert _line(client_for(instructor), section.id) == [(line[1].id, 1)]


# --- the global freeze ---------------------------------------------------------------


def test_the_registrar_sets_the_global_freeze_and_anyone_reads_it(client_for, student, instructor, registrar, unfrozen):
    staff = client_for(registrar)
    assert client_for(student).get(AUTO_ENROLLMENT).json() == {"frozen": False}

    frozen = staff.put(AUTO_ENROLLMENT, {"frozen": True}, format="json")
    read_frozen = [client_for(user).get(AUTO_ENROLLMENT) for user in (student, instructor, registrar)]
    thawed = staff.put(AUTO_ENROLLMENT, {"frozen": False}, format="json")

    assert (frozen.status_code, frozen.json()) == (200, {"frozen": True})
    assert [(r.status_code, r.json()) for r in read_frozen] == [(200, {"frozen": True})] * 3
    assert (thawed.status_code, thawed.json()) == (200, {"frozen": False})
    assert client_for(student).get(AUTO_ENROLLMENT).json() == {"frozen": False}


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_sets_the_global_freeze(client_for, make_user, role, unfrozen):
    client = client_for(make_user(role))

    response = client.put(AUTO_ENROLLMENT, {"frozen": True}, format="json")

    assert_problem(response, 403, "permission_denied")
    assert client.get(AUTO_ENROLLMENT).json() == {"frozen": False}


def test_the_global_freeze_needs_a_token(api_client):
    assert_problem(api_client.get(AUTO_ENROLLMENT), 401, "not_authenticated")
    assert_problem(api_client.put(AUTO_ENROLLMENT, {"frozen": True}, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("body", [{}, {"frozen": "maybe"}, {"frozen": None}, {"frozen": [True]}])
def test_a_bad_global_freeze_body_is_invalid(client_for, registrar, body, unfrozen):
    client = client_for(registrar)

    response = client.put(AUTO_ENROLLMENT, body, format="json")

    assert_problem(response, 400, "invalid", field="frozen")
    assert client.get(AUTO_ENROLLMENT).json() == {"frozen": False}


def test_while_frozen_globally_drops_free_seats_but_promote_nobody(
    client_for, registrar, instructor, full_section, unfrozen
):
    section, seated, line = full_section(capacity=2, waiting=2)
    staff = client_for(registrar)
    assert staff.put(AUTO_ENROLLMENT, {"frozen": True}, format="json").status_code == 200

    responses = [client_for(student).delete(enrollment_url(section.id, "me")) for student in seated]

    assert [response.status_code for response in responses] == [204, 204]
    assert _seats(staff, section.id) == (0, 2, 2, "open")
    assert roster_ids(staff, section.id) == []
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1), (line[1].id, 2)]
    assert [client_for(student).get(place_url(section.id, "me")).json()["position"] for student in line] == [1, 2]


def test_unfreezing_globally_fills_every_open_seat_from_the_waitlists_in_order(
    client_for, registrar, instructor, full_section, unfrozen, assert_consistent
):
    first, first_seated, first_line = full_section(capacity=2, waiting=3)
    second, second_seated, second_line = full_section(capacity=1, waiting=1)
    staff = client_for(registrar)
    staff.put(AUTO_ENROLLMENT, {"frozen": True}, format="json")
    for section, seated in ((first, first_seated), (second, second_seated)):
        for student in seated:
            assert staff.delete(enrollment_url(section.id, student.id)).status_code == 204
    assert [_seats(staff, section.id) for section in (first, second)] == [(0, 2, 3, "open"), (0, 1, 1, "open")]

    response = staff.put(AUTO_ENROLLMENT, {"frozen": False}, format="json")

    assert (response.status_code, response.json()) == (200, {"frozen": False})
    assert roster_ids(staff, first.id) == [first_line[0].id, first_line[1].id]
    assert _line(client_for(instructor), first.id) == [(first_line[2].id, 1)]
    assert roster_ids(staff, second.id) == [second_line[0].id]
    assert _line(client_for(instructor), second.id) == []
    assert [_seats(staff, section.id) for section in (first, second)] == [(2, 0, 1, "full"), (1, 0, 0, "full")]
    assert_consistent(first.term)
    assert_consistent(second.term)


def test_unfreezing_globally_leaves_a_section_frozen_on_its_own_alone(
    client_for, registrar, instructor, full_section, unfrozen
):
    section, seated, line = full_section(capacity=1, waiting=1)
    staff = client_for(registrar)
    staff.patch(section_url(section.id), {"auto_enrollment_frozen": True}, format="json")
    staff.put(AUTO_ENROLLMENT, {"frozen": True}, format="json")
    staff.delete(enrollment_url(section.id, seated[0].id))

    response = staff.put(AUTO_ENROLLMENT, {"frozen": False}, format="json")

    assert response.status_code == 200
    assert _seats(staff, section.id) == (0, 1, 1, "open")
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1)]


# --- leaving -------------------------------------------------------------------------


def test_a_student_leaves_the_waitlist_and_those_behind_move_up(client_for, instructor, full_section):
    section, _, (leaving, behind) = full_section(capacity=1, waiting=2)
    client = client_for(leaving)

    response = client.delete(place_url(section.id, "me"))
    again = client.delete(place_url(section.id, "me"))

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(again, 404, "not_found")
    assert_problem(client.get(place_url(section.id, "me")), 404, "not_found")
    assert client_for(behind).get(place_url(section.id, "me")).json()["position"] == 1
    assert _line(client_for(instructor), section.id) == [(behind.id, 1)]
    assert _seats(client, section.id) == (1, 0, 1, "full")
    assert listed_sections(client, "me", [section.id]) == []


def test_the_registrar_takes_anyone_off_a_waitlist(client_for, registrar, instructor, full_section):
    section, _, (removed, behind) = full_section(capacity=1, waiting=2)

    response = client_for(registrar).delete(place_url(section.id, removed.id))

    assert response.status_code == 204
    assert _line(client_for(instructor), section.id) == [(behind.id, 1)]
    assert_problem(client_for(removed).get(place_url(section.id, "me")), 404, "not_found")


@pytest.mark.parametrize("caller", ["the section's instructor", "another student"])
def test_others_cannot_take_a_student_off_a_waitlist(client_for, make_user, instructor, full_section, caller):
    section, _, line = full_section(capacity=1, waiting=2)
    other = {"the section's instructor": instructor, "another student": line[1]}[caller]

    response = client_for(other).delete(place_url(section.id, line[0].id))

    assert_problem(response, 403, "permission_denied")
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1), (line[1].id, 2)]


def test_leaving_a_waitlist_needs_a_token(api_client, client_for, instructor, full_section):
    section, _, line = full_section(capacity=1, waiting=1)

    assert_problem(api_client.delete(place_url(section.id, line[0].id)), 401, "not_authenticated")
    assert _line(client_for(instructor), section.id) == [(line[0].id, 1)]


# --- the instructor's view of the line -----------------------------------------------


@pytest.mark.parametrize("reader", ["the instructor", "the registrar"])
def test_the_waitlist_lists_students_in_join_order(client_for, make_user, instructor, registrar, full_section, reader):
    section, _, _ = full_section(capacity=1)
    students = [make_user(Role.STUDENT) for _ in range(4)]
    joined_at = [
        client_for(student).post(enrollments_url(section.id), {}, format="json").json()["joined_at"]
        for student in students
    ]
    client = client_for({"the instructor": instructor, "the registrar": registrar}[reader])

    response = client.get(waitlist_url(section.id))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {"student_id": student.id, "position": position, "joined_at": joined}
            for position, (student, joined) in enumerate(zip(students, joined_at, strict=True), start=1)
        ],
    }
    assert joined_at == sorted(joined_at)


def test_an_empty_waitlist_lists_nobody(client_for, instructor, new_section):
    response = client_for(instructor).get(waitlist_url(new_section().id))

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


@pytest.mark.parametrize("reader", ["another instructor", "a student on it"])
def test_the_waitlist_is_hidden_from_others(client_for, make_user, full_section, reader):
    section, _, line = full_section(capacity=1, waiting=1)
    caller = {"another instructor": make_user(Role.INSTRUCTOR), "a student on it": line[0]}[reader]

    assert_problem(client_for(caller).get(waitlist_url(section.id)), 403, "permission_denied")


def test_the_waitlist_of_an_unknown_section_is_not_found(client_for, registrar):
    response = client_for(registrar).get(waitlist_url(f"{unique_term()}-{unique_department()}-1-01"))

    assert_problem(response, 404, "not_found")


def test_waitlist_pages_follow_next_to_the_end_and_previous_back(client_for, instructor, full_section):
    section, _, line = full_section(capacity=1, waiting=5)
    client = client_for(instructor)

    forward = follow(client, f"{waitlist_url(section.id)}?page_size=2", "next")
    backward = follow(client, forward[-1]["previous"], "previous")

    def page(items):
        return [(item["student_id"], item["position"]) for item in items["results"]]

    expected = [(student.id, position) for position, student in enumerate(line, start=1)]
    assert [page(items) for items in forward] == [expected[0:2], expected[2:4], expected[4:5]]
    assert forward[0]["previous"] is None
    assert [page(items) for items in backward] == [expected[2:4], expected[0:2]]


def test_a_tampered_waitlist_cursor_is_invalid(client_for, instructor, full_section):
    section, _, _ = full_section(capacity=1, waiting=3)
    client = client_for(instructor)
    cursor = cursor_of(client.get(waitlist_url(section.id), {"page_size": 1}).json()["next"])

    response = client.get(waitlist_url(section.id), {"page_size": 1, "cursor": tampered(cursor)})

    assert_problem(response, 400, "invalid", field="cursor")


def test_a_waitlist_cursor_is_refused_for_another_section(client_for, instructor, full_section):
    section, _, _ = full_section(capacity=1, waiting=2)
    other, _, _ = full_section(capacity=1, waiting=2)
    client = client_for(instructor)
    cursor = cursor_of(client.get(waitlist_url(section.id), {"page_size": 1}).json()["next"])

    response = client.get(waitlist_url(other.id), {"page_size": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid", field="cursor")


# --- one student's place -------------------------------------------------------------


@pytest.mark.parametrize("reader", ["the student as me", "the student by id", "the instructor", "the registrar"])
def test_a_place_is_read_by_the_student_the_instructor_and_the_registrar(
    client_for, instructor, registrar, full_section, reader
):
    section, _, (_, student) = full_section(capacity=1, waiting=2)
    joined_at = client_for(registrar).get(waitlist_url(section.id)).json()["results"][1]["joined_at"]
    client, student_id = {
        "the student as me": (client_for(student), "me"),
        "the student by id": (client_for(student), student.id),
        "the instructor": (client_for(instructor), student.id),
        "the registrar": (client_for(registrar), student.id),
    }[reader]

    response = client.get(place_url(section.id, student_id))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "section_id": section.id,
        "student_id": student.id,
        "position": 2,
        "joined_at": joined_at,
    }


@pytest.mark.parametrize("reader", ["another student on it", "another instructor"])
def test_a_place_is_hidden_from_others(client_for, make_user, full_section, reader):
    section, _, (ahead, student) = full_section(capacity=1, waiting=2)
    caller = {"another student on it": ahead, "another instructor": make_user(Role.INSTRUCTOR)}[reader]

    assert_problem(client_for(caller).get(place_url(section.id, student.id)), 403, "permission_denied")


@pytest.mark.parametrize("reader", ["the student", "the registrar"])
def test_a_student_not_on_the_waitlist_has_no_place(client_for, student, registrar, full_section, reader):
    section, _, _ = full_section(capacity=1, waiting=1)
    client, student_id = {
        "the student": (client_for(student), "me"),
        "the registrar": (client_for(registrar), student.id),
    }[reader]

    assert_problem(client.get(place_url(section.id, student_id)), 404, "not_found")


def test_a_place_needs_a_token(api_client, full_section):
    section, _, line = full_section(capacity=1, waiting=1)

    assert_problem(api_client.get(place_url(section.id, line[0].id)), 401, "not_authenticated")


# --- one student's place: caching ----------------------------------------------------


def test_a_place_answers_with_validators_and_must_be_revalidated(client_for, full_section):
    section, _, (student,) = full_section(capacity=1, waiting=1)

    response = client_for(student).get(place_url(section.id, "me"))

    assert response.status_code == 200
    etag = response["ETag"]
    assert len(etag) > 2 and etag.startswith('"') and etag.endswith('"') and '"' not in etag[1:-1]
    assert response["Last-Modified"].endswith(" GMT")
    assert abs(parse_http_date(response["Last-Modified"]) - datetime.now().timestamp()) < 120
    assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("validator", ["If-None-Match", "If-Modified-Since"])
@pytest.mark.parametrize("reader", ["the student", "the registrar"])
def test_an_unchanged_place_is_not_modified_without_touching_dynamodb(
    client_for, registrar, full_section, dynamodb_calls, validator, reader
):
    section, _, (student,) = full_section(capacity=1, waiting=1)
    client = client_for({"the student": student, "the registrar": registrar}[reader])
    url = place_url(section.id, student.id)
    first = client.get(url)
    header = {
        "If-None-Match": {"HTTP_IF_NONE_MATCH": first["ETag"]},
        "If-Modified-Since": {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
    }[validator]
    dynamodb_calls.clear()

    response = client.get(url, **header)

    assert response.status_code == 304
    assert response.content == b""
    assert dynamodb_calls.count() == 0, dynamodb_calls.operations
    assert (response["ETag"], response["Cache-Control"]) == (first["ETag"], "private, no-cache")


def test_the_instructor_gets_not_modified_too(client_for, instructor, full_section):
    section, _, (student,) = full_section(capacity=1, waiting=1)
    client = client_for(instructor)
    first = client.get(place_url(section.id, student.id))

    response = client.get(place_url(section.id, student.id), HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 304
    assert response.content == b""


def test_someone_joining_behind_keeps_the_etag_of_those_ahead(client_for, make_user, full_section, enroll):
    section, _, (student,) = full_section(capacity=1, waiting=1)
    client = client_for(student)
    first = client.get(place_url(section.id, "me"))

    enroll(make_user(Role.STUDENT), section.id)
    unchanged = client.get(place_url(section.id, "me"), HTTP_IF_NONE_MATCH=first["ETag"])
    fresh = client.get(place_url(section.id, "me"))

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert (fresh.status_code, fresh["ETag"], fresh.json()) == (200, first["ETag"], first.json())


def test_someone_ahead_leaving_changes_both_validators(client_for, full_section):
    section, _, (ahead, student) = full_section(capacity=1, waiting=2)
    client = client_for(student)
    before = client.get(place_url(section.id, "me"))
    assert before.json()["position"] == 2

    assert client_for(ahead).delete(place_url(section.id, "me")).status_code == 204
    after = client.get(place_url(section.id, "me"))
    by_old_etag = client.get(place_url(section.id, "me"), HTTP_IF_NONE_MATCH=before["ETag"])
    by_old_date = client.get(place_url(section.id, "me"), HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
    by_new_etag = client.get(place_url(section.id, "me"), HTTP_IF_NONE_MATCH=after["ETag"])
    by_new_date = client.get(place_url(section.id, "me"), HTTP_IF_MODIFIED_SINCE=after["Last-Modified"])

    assert after["ETag"] != before["ETag"]
    assert parse_http_date(after["Last-Modified"]) > parse_http_date(before["Last-Modified"])
    for response in (after, by_old_etag, by_old_date):
        assert response.status_code == 200, response.content
        assert response.json() == {**before.json(), "position": 1}
        assert (response["ETag"], response["Last-Modified"]) == (after["ETag"], after["Last-Modified"])
    assert (by_new_etag.status_code, by_new_date.status_code) == (304, 304)


def test_a_promotion_ahead_changes_the_etag(client_for, registrar, full_section):
    section, seated, (_, student) = full_section(capacity=1, waiting=2)
    client = client_for(student)
    before = client.get(place_url(section.id, "me"))

    client_for(registrar).delete(enrollment_url(section.id, seated[0].id))
    response = client.get(place_url(section.id, "me"), HTTP_IF_NONE_MATCH=before["ETag"])

    assert response.status_code == 200, response.content
    assert response.json()["position"] == 1
    assert response["ETag"] != before["ETag"]


# --- a student's enrollments ---------------------------------------------------------


def test_a_students_enrollments_list_waitlist_places_first_then_seats(client_for, student, new_section, full_section):
    seat = new_section(capacity=5)
    waiting, _, _ = full_section(capacity=1, waiting=1)
    client = client_for(student)
    enrolled = client.post(enrollments_url(seat.id), {}, format="json").json()
    waitlisted = client.post(enrollments_url(waiting.id), {}, format="json").json()

    items = listed_sections(client, "me", [seat.id, waiting.id])

    assert items == [
        {
            "section_id": waiting.id,
            "student_id": student.id,
            "course_id": waiting.course_id,
            "term": waiting.term,
            "status": "waitlisted",
            "position": 2,
            "joined_at": waitlisted["joined_at"],
        },
        {
            "section_id": seat.id,
            "student_id": student.id,
            "course_id": seat.course_id,
            "term": seat.term,
            "status": "enrolled",
            "enrolled_at": enrolled["enrolled_at"],
        },
    ]


def test_the_waitlist_places_lead_the_first_page(client_for, student, new_section, enroll):
    seats = [new_section() for _ in range(3)]
    places = [new_section(capacity=0) for _ in range(2)]
    for section in seats + places:
        enroll(student, section.id)

    response = client_for(student).get(student_url("me"), {"page_size": 2})

    assert response.status_code == 200
    first_page = [(item["section_id"], item["status"]) for item in response.json()["results"]]
    assert first_page[:2] == [(section.id, "waitlisted") for section in sorted(places, key=lambda s: s.id)]


def test_the_registrar_reads_a_students_waitlist_places(client_for, student, registrar, full_section, enroll):
    section, _, _ = full_section(capacity=1, waiting=1)
    enroll(student, section.id)

    items = listed_sections(client_for(registrar), student.id, [section.id])

    assert [(item["status"], item["position"]) for item in items] == [("waitlisted", 2)]


# --- deleting a section, changing the waitlist capacity ------------------------------


def test_deleting_a_section_removes_its_waitlist_and_frees_the_students_count(
    client_for, student, registrar, full_section, new_section, enroll
):
    deleted, _, _ = full_section(capacity=1, waiting=1)
    kept = [new_section(capacity=0) for _ in range(2)]
    for section in [deleted, *kept]:
        assert enroll(student, section.id)["status"] == "waitlisted"
    client, third = client_for(student), new_section(capacity=0)

    response = client_for(registrar).delete(section_url(deleted.id))
    joined = client.post(enrollments_url(third.id), {}, format="json")

    assert response.status_code == 204
    assert_problem(client.get(place_url(deleted.id, "me")), 404, "not_found")
    assert joined.status_code == 201, joined.content
    assert (joined.json()["status"], joined.json()["position"]) == ("waitlisted", 1)
    listed = listed_sections(client, "me", [deleted.id, *[section.id for section in kept], third.id])
    assert sorted(item["section_id"] for item in listed) == sorted([kept[0].id, kept[1].id, third.id])


def test_the_waitlist_capacity_cannot_go_below_the_students_waiting(client_for, registrar, full_section):
    section, _, _ = full_section(capacity=1, waiting=3, waitlist_capacity=5)
    staff = client_for(registrar)

    refused = staff.patch(section_url(section.id), {"waitlist_capacity": 2}, format="json")
    lowered = staff.patch(section_url(section.id), {"waitlist_capacity": 3}, format="json")

    assert_problem(refused, 409, "waitlist_capacity_below_waitlisted")
    assert lowered.status_code == 200, lowered.content
    assert (lowered.json()["waitlist_capacity"], lowered.json()["waitlisted"], lowered.json()["status"]) == (
        3,
        3,
        "waitlist_full",
    )


def test_a_waitlist_capacity_refused_changes_nothing(client_for, registrar, full_section):
    section, _, _ = full_section(capacity=1, waiting=2, waitlist_capacity=4)
    staff = client_for(registrar)

    staff.patch(section_url(section.id), {"waitlist_capacity": 1, "capacity": 2}, format="json")

    body = _section(staff, section.id)
    assert (body["capacity"], body["waitlist_capacity"], body["enrolled"], body["waitlisted"]) == (1, 4, 1, 2)


# --- Idempotency-Key -----------------------------------------------------------------


def test_a_waitlisting_enroll_retried_with_its_idempotency_key_replays_and_joins_once(
    client_for, student, instructor, full_section
):
    section, _, (ahead,) = full_section(capacity=1, waiting=1)
    client = client_for(student)
    key = f"join-{section.id}"

    first = client.post(enrollments_url(section.id), {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    retry = client.post(enrollments_url(section.id), {}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == retry.status_code == 201, retry.content
    assert (first.json()["status"], first.json()["position"]) == ("waitlisted", 2)
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert _line(client_for(instructor), section.id) == [(ahead.id, 1), (student.id, 2)]
