"""Who may ask ``/graphql/`` what: the REST API's door (token, role) in front of the
whole endpoint, and its per-object rules on the fields that need them (a roster and a
waitlist for the section's instructor and the registrar, a schedule for its student).

A field the caller may not read is null with an error at its path; the rest of the
answer is still there. Nothing about one student reaches another.
"""

import json
import re

import jwt
import pytest

from accounts.models import User
from accounts.roles import Role
from enrollment.tests.http import PROBLEM_CONTENT_TYPE, unique_department, unique_term

pytestmark = pytest.mark.django_db

GRAPHQL = "/graphql/"

ROSTER_QUERY = """
query Roster($id: ID!) {
  section(id: $id) {
    id title enrolled waitlisted instructorId
    course { title }
    roster(pageSize: 100) { items { studentId status student { firstName lastName } } }
  }
}
"""

WAITLIST_QUERY = """
query Line($id: ID!) {
  section(id: $id) {
    id title enrolled waitlisted
    waitlist(pageSize: 100) { items { studentId position joinedAt sectionId student { lastName } } }
  }
}
"""


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert (body["status"], body["code"], body["instance"]) == (status, code, GRAPHQL)
    return body


def _mentions(text: str, user_id: str) -> bool:
    """Whether ``user_id`` appears in ``text`` as a whole token (not inside a term or a number)."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(user_id)}(?![0-9A-Za-z])", text) is not None


@pytest.fixture
def busy_section(make_user, new_section, enroll):
    """A section of ``instructor`` with 2 seats taken and 2 students waiting (in that order)."""
    section = new_section(capacity=2)
    seated = [make_user(Role.STUDENT, first_name="Seated", last_name=f"Seatwarmer{n}") for n in range(2)]
    waiting = [make_user(Role.STUDENT, first_name="Waiting", last_name=f"Linestander{n}") for n in range(2)]
    for student in seated:
        assert enroll(student, section.id)["status"] == "enrolled"
    for position, student in enumerate(waiting, start=1):
        assert enroll(student, section.id)["position"] == position
    return section, seated, waiting


# --- the door: a token and a role ---------------------------------------------------------


def test_no_token_is_a_401_problem_for_post(api_client, dynamodb_calls):
    dynamodb_calls.clear()

    response = api_client.post(GRAPHQL, {"query": "{ me { id } }"}, format="json")

    _problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert dynamodb_calls.count() == 0


def test_no_token_is_a_401_problem_for_get_with_a_query(api_client):
    response = api_client.get(GRAPHQL, {"query": "{ sections { items { id } } }"})

    _problem(response, 401, "not_authenticated")


def test_no_token_from_a_browser_with_a_query_is_a_401_like_rest(api_client):
    # Not the GraphiQL page (a query is given): refused, rendered as REST renders a
    # refusal for a browser (the browsable API's page of the problem document).
    response = api_client.get(GRAPHQL, {"query": "{ me { id } }"}, HTTP_ACCEPT="text/html")
    rest = api_client.get("/api/v1/sections/", HTTP_ACCEPT="text/html")

    assert response.status_code == rest.status_code == 401
    assert response["Content-Type"] == rest["Content-Type"]
    assert b"not_authenticated" in response.content
    assert b"GraphiQL" not in response.content


def test_a_query_sent_as_graphql_content_type_still_needs_a_token(api_client):
    response = api_client.post(GRAPHQL, data="{ me { id } }", content_type="application/graphql")

    _problem(response, 401, "not_authenticated")


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_a_malformed_token_is_a_401_problem(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.post(GRAPHQL, {"query": "{ me { id } }"}, format="json")

    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE


def test_a_forged_token_claiming_the_registrar_is_a_401_problem(api_client, student, busy_section):
    section, _, _ = busy_section
    forged = jwt.encode({"sub": student.id, "roles": ["registrar"]}, "a-shared-secret-someone-guessed-32b", "HS256")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")

    response = api_client.post(GRAPHQL, {"query": ROSTER_QUERY, "variables": {"id": section.id}}, format="json")

    assert response.status_code == 401, response.content
    assert "data" not in response.json()


def test_a_user_without_a_role_is_a_403_problem(client_for, make_user, dynamodb_calls):
    # make_user always gives a role (a student by default): take it away before the token is issued.
    nobody = make_user(Role.STUDENT)
    User.objects.get(pk=int(nobody.id)).groups.clear()
    client = client_for(nobody)
    dynamodb_calls.clear()

    response = client.post(GRAPHQL, {"query": "{ me { id } courses { items { id } } }"}, format="json")

    _problem(response, 403, "permission_denied")
    assert dynamodb_calls.count() == 0
    # By GET too.
    _problem(client.get(GRAPHQL, {"query": "{ me { id } }"}), 403, "permission_denied")


# --- a section's roster -----------------------------------------------------------------------


def _roster_ids(body: dict) -> list[str]:
    return [item["studentId"] for item in body["data"]["section"]["roster"]["items"]]


def test_the_sections_instructor_sees_the_roster_with_names(graphql, instructor, busy_section):
    section, seated, _ = busy_section

    body = graphql(instructor, ROSTER_QUERY, {"id": section.id})

    assert "errors" not in body, body
    assert _roster_ids(body) == [student.id for student in seated]
    assert body["data"]["section"]["roster"]["items"][0] == {
        "studentId": seated[0].id,
        "status": "ENROLLED",
        "student": {"firstName": "Seated", "lastName": "Seatwarmer0"},
    }


def test_the_registrar_sees_the_roster(graphql, registrar, busy_section):
    section, seated, _ = busy_section

    body = graphql(registrar, ROSTER_QUERY, {"id": section.id})

    assert "errors" not in body, body
    assert _roster_ids(body) == [student.id for student in seated]


def test_the_dropped_roster_for_the_instructor(graphql, client_for, instructor, busy_section):
    section, seated, _ = busy_section
    dropped = client_for(seated[0]).delete(f"/api/v1/sections/{section.id}/enrollments/me/")
    assert dropped.status_code == 204, dropped.content

    body = graphql(
        instructor,
        "query($id: ID!) { section(id: $id) { roster(status: DROPPED) { items { studentId status droppedBy } } } }",
        {"id": section.id},
    )

    assert body["data"]["section"]["roster"]["items"] == [
        {"studentId": seated[0].id, "status": "DROPPED", "droppedBy": seated[0].id}
    ]


def _assert_denied_but_section_returned(body: dict, field: str, section, others: list) -> None:
    data = body["data"]["section"]
    assert data is not None, body
    assert data[field] is None
    assert data["id"] == section.id
    assert data["title"] == section.title
    assert data["enrolled"] == 2 and data["waitlisted"] == 2
    errors = body["errors"]
    assert len(errors) == 1, errors
    error = errors[0]
    assert error["path"] == ["section", field]
    assert error["extensions"]["code"] == "permission_denied"
    assert error["extensions"]["status"] == 403
    # Nothing in the answer, the error message included, names another student.
    text = json.dumps(body)
    for other in others:
        assert not _mentions(error["message"], other.id)
        assert not _mentions(text, other.id), f"student {other.id} leaked: {text}"
        assert other.last_name not in text


@pytest.mark.parametrize("who", ["student", "enrolled student", "waiting student", "other instructor"])
def test_others_get_a_field_error_on_the_roster_and_the_rest_of_the_section(graphql, make_user, busy_section, who):
    section, seated, waiting = busy_section
    caller = {
        "student": lambda: make_user(Role.STUDENT),
        "enrolled student": lambda: seated[0],
        "waiting student": lambda: waiting[0],
        "other instructor": lambda: make_user(Role.INSTRUCTOR),
    }[who]()

    body = graphql(caller, ROSTER_QUERY, {"id": section.id})

    _assert_denied_but_section_returned(body, "roster", section, [s for s in seated + waiting if s.id != caller.id])
    assert body["data"]["section"]["course"] == {"title": "Back-End Engineering"}


# --- a section's waitlist ---------------------------------------------------------------------


def test_the_sections_instructor_sees_the_line_in_order(graphql, instructor, busy_section):
    section, _, waiting = busy_section

    body = graphql(instructor, WAITLIST_QUERY, {"id": section.id})

    assert "errors" not in body, body
    items = body["data"]["section"]["waitlist"]["items"]
    assert [(item["studentId"], item["position"], item["sectionId"]) for item in items] == [
        (student.id, position, section.id) for position, student in enumerate(waiting, start=1)
    ]
    assert [item["student"]["lastName"] for item in items] == ["Linestander0", "Linestander1"]
    assert all(item["joinedAt"] for item in items)


def test_the_registrar_sees_the_line(graphql, registrar, busy_section):
    section, _, waiting = busy_section

    body = graphql(registrar, WAITLIST_QUERY, {"id": section.id})

    assert [item["studentId"] for item in body["data"]["section"]["waitlist"]["items"]] == [s.id for s in waiting]


@pytest.mark.parametrize("who", ["student", "waiting student", "other instructor"])
def test_others_get_a_field_error_on_the_waitlist(graphql, make_user, busy_section, who):
    section, seated, waiting = busy_section
    caller = {
        "student": lambda: make_user(Role.STUDENT),
        "waiting student": lambda: waiting[1],
        "other instructor": lambda: make_user(Role.INSTRUCTOR),
    }[who]()

    body = graphql(caller, WAITLIST_QUERY, {"id": section.id})

    _assert_denied_but_section_returned(body, "waitlist", section, [s for s in seated + waiting if s.id != caller.id])


def test_a_student_cannot_reach_the_line_through_their_own_place(graphql, busy_section):
    section, _, waiting = busy_section
    query = "{ me { waitlists { position section { id waitlist { items { studentId } } } } } }"

    body = graphql(waiting[1], query)

    assert body["data"]["me"]["waitlists"] == [{"position": 2, "section": {"id": section.id, "waitlist": None}}]
    [error] = body["errors"]
    assert error["path"] == ["me", "waitlists", 0, "section", "waitlist"]
    assert error["extensions"]["code"] == "permission_denied"
    assert not _mentions(json.dumps(body), waiting[0].id)


def test_a_student_cannot_reach_the_roster_through_their_own_seat(graphql, busy_section):
    section, seated, _ = busy_section
    query = "{ me { enrollments { items { section { id roster { items { studentId } } } } } } }"

    body = graphql(seated[0], query)

    assert body["data"]["me"]["enrollments"]["items"] == [{"section": {"id": section.id, "roster": None}}]
    [error] = body["errors"]
    assert error["path"] == ["me", "enrollments", "items", 0, "section", "roster"]
    assert error["extensions"]["code"] == "permission_denied"
    assert not _mentions(json.dumps(body), seated[1].id)


def test_an_instructor_cannot_see_the_roster_of_a_section_they_no_longer_teach(
    graphql, client_for, registrar, instructor, make_user, busy_section
):
    section, _, _ = busy_section
    successor = make_user(Role.INSTRUCTOR)
    changed = client_for(registrar).patch(
        f"/api/v1/sections/{section.id}/", {"instructor_id": successor.id}, format="json"
    )
    assert changed.status_code == 200, changed.content

    before = graphql(instructor, ROSTER_QUERY, {"id": section.id})
    after = graphql(successor, ROSTER_QUERY, {"id": section.id})

    assert before["data"]["section"]["roster"] is None
    assert before["errors"][0]["extensions"]["code"] == "permission_denied"
    assert len(after["data"]["section"]["roster"]["items"]) == 2


def test_each_section_of_a_list_is_checked_on_its_own(graphql, make_user, make_course, make_section, busy_section):
    # The instructor teaches one section of the term; a colleague teaches the other.
    mine, _, _ = busy_section
    colleague = make_user(Role.INSTRUCTOR)
    other_course = make_course(department=unique_department(), number="1")
    theirs = make_section(course_id=other_course.id, term=mine.term, number="01", instructor_id=colleague.id)
    query = "query($t: String) { sections(term: $t) { items { id roster { items { studentId } } } } }"

    body = graphql(colleague, query, {"t": mine.term})

    items = {item["id"]: item["roster"] for item in body["data"]["sections"]["items"]}
    assert items == {mine.id: None, theirs.id: {"items": []}}
    assert [error["path"] for error in body["errors"]] == [["sections", "items", 0, "roster"]]


# --- a student's schedule -----------------------------------------------------------------------


def test_me_enrollments_of_an_instructor_is_a_field_error(graphql, instructor):
    body = graphql(instructor, "{ me { id enrollments { items { sectionId } } waitlists { sectionId } } }")

    assert body["data"] == {"me": {"id": instructor.id, "enrollments": None, "waitlists": None}}
    assert sorted(error["path"] for error in body["errors"]) == [["me", "enrollments"], ["me", "waitlists"]]
    for error in body["errors"]:
        assert (error["extensions"]["code"], error["extensions"]["status"]) == ("permission_denied", 403)


def test_me_is_only_ever_the_caller(graphql, busy_section):
    section, seated, _ = busy_section

    body = graphql(
        seated[1], "{ me { id enrollments { items { studentId sectionId status } } waitlists { studentId } } }"
    )

    assert body == {
        "data": {
            "me": {
                "id": seated[1].id,
                "enrollments": {"items": [{"studentId": seated[1].id, "sectionId": section.id, "status": "ENROLLED"}]},
                "waitlists": [],
            }
        }
    }


def test_no_query_takes_a_student_id(graphql, student):
    """The only way to a student's own data is ``me``; no root field takes a user or student id."""
    body = graphql(student, "{ __schema { queryType { fields { name args { name } } } } }")

    fields = {
        field["name"]: [arg["name"] for arg in field["args"]]
        for field in body["data"]["__schema"]["queryType"]["fields"]
    }
    assert set(fields) == {"courses", "course", "sections", "section", "terms", "term", "me"}
    assert fields["me"] == []
    for args in fields.values():
        assert not {"student", "studentId", "user", "userId"} & set(args)
    person = graphql(student, '{ __type(name: "Person") { fields { name } } }')["data"]["__type"]["fields"]
    assert sorted(field["name"] for field in person) == ["firstName", "id", "lastName"]


def test_sections_by_instructor_give_catalog_data_only(graphql, student, make_user, busy_section):
    section, seated, waiting = busy_section
    other = seated[0]
    query = """
    query($who: String) {
      sections(instructor: $who) { items { id enrolled waitlisted instructor { firstName lastName } } }
    }
    """

    by_student = graphql(student, query, {"who": other.id})
    by_teacher = graphql(student, query, {"who": section.instructor_id})

    # A student teaches nothing: asking for one by id reveals nothing about them.
    assert by_student == {"data": {"sections": {"items": []}}}
    assert "errors" not in by_teacher
    items = by_teacher["data"]["sections"]["items"]
    assert [item["id"] for item in items if item["id"] == section.id] == [section.id]
    text = json.dumps(by_teacher)
    for someone in seated + waiting:
        assert not _mentions(text, someone.id)


def test_the_registrar_is_not_shown_students_through_me(graphql, registrar, busy_section):
    # The registrar's "me" is the registrar: other students' schedules are REST's (by id), not here.
    body = graphql(registrar, "{ me { id enrollments { items { studentId } } } }")

    assert body == {"data": {"me": {"id": registrar.id, "enrollments": {"items": []}}}}


def test_unknown_section_errors_do_not_depend_on_who_asks(graphql, student, instructor):
    missing = f"{unique_term()}-ZZ-1-01"

    as_student = graphql(student, ROSTER_QUERY, {"id": missing})
    as_instructor = graphql(instructor, ROSTER_QUERY, {"id": missing})

    assert as_student == as_instructor
    assert as_student["data"] == {"section": None}
    assert as_student["errors"][0]["extensions"]["code"] == "not_found"
