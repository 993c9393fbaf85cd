"""Property-level authorization (OWASP API3): no body sets what its caller should not,
whatever field it names: seat counters, roles, ids, credits, holds, ownership. Each
attempt is refused (400 naming the field) or the field is ignored, and reading the
object back proves nothing was applied.
"""

import pytest

from accounts.api import Role
from accounts.models import User
from conftest import PASSWORD
from enrollment.tests.http import assert_problem, enrollment_url, enrollments_url, section_url

pytestmark = pytest.mark.django_db

SECTION_COUNTERS = {"enrolled": 25, "seats_left": 99, "waitlisted": 9, "status": "full", "id": "2026FA-HACK-1-01"}


def _section(client, section_id):
    response = client.get(section_url(section_id))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(("field", "value"), [*SECTION_COUNTERS.items(), ("credits", 12), ("course_id", "X-1")])
def test_a_section_change_cannot_set_counters_ids_or_credits(client_for, registrar, new_section, field, value):
    section = new_section(capacity=10)
    before = _section(client_for(registrar), section.id)

    response = client_for(registrar).patch(section_url(section.id), {field: value}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert _section(client_for(registrar), section.id) == before


def test_a_new_section_starts_empty_whatever_its_body_says(client_for, registrar, instructor, new_section):
    template = new_section()
    body = {
        "course_id": template.course_id,
        "term": template.term,
        "number": "77",
        "instructor_id": instructor.id,
        "capacity": 5,
        **SECTION_COUNTERS,
    }

    refused = client_for(registrar).post("/api/v1/sections/", body, format="json")

    assert_problem(refused, 400, "invalid")
    assert set(refused.json()["errors"]) == set(SECTION_COUNTERS)
    assert client_for(registrar).get(section_url(f"{template.term}-{template.course_id}-77")).status_code == 404


def test_an_enroll_cannot_choose_its_status_position_credits_or_section(client_for, student, registrar, new_section):
    section, elsewhere = new_section(capacity=1), new_section(capacity=1)
    body = {
        "status": "enrolled",
        "position": 1,
        "credits": 0,
        "section_id": elsewhere.id,
        "enrolled_at": "2000-01-01T00:00:00Z",
    }

    response = client_for(student).post(enrollments_url(section.id), body, format="json")

    assert_problem(response, 400, "invalid")
    assert set(response.json()["errors"]) == set(body)
    for section_id in (section.id, elsewhere.id):
        assert client_for(registrar).get(enrollment_url(section_id, student.id)).status_code == 404
        assert _section(client_for(registrar), section_id)["enrolled"] == 0


def test_a_student_cannot_override_the_rules_or_lift_their_holds_by_a_body(client_for, student, registrar, new_section):
    section = new_section()
    staff = client_for(registrar)
    assert (
        staff.post(
            f"/api/v1/students/{student.id}/holds/", {"kind": "financial", "reason": "Fees"}, format="json"
        ).status_code
        == 201
    )

    override = client_for(student).post(
        enrollments_url(section.id), {"override": ["time_conflict", "credit_limit"]}, format="json"
    )
    summary = client_for(student).get(f"/api/v1/students/me/terms/{section.term}/").json()

    assert_problem(override, 403, "permission_denied")
    assert [hold["kind"] for hold in summary["holds"]] == ["financial"]
    assert staff.get(enrollment_url(section.id, student.id)).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"), [("holds", []), ("credits_enrolled", 0), ("can_register_now", True), ("student_id", "1")]
)
def test_a_term_summary_change_sets_only_the_credit_limit(client_for, registrar, student, new_section, field, value):
    section = new_section()
    staff = client_for(registrar)
    staff.post(f"/api/v1/students/{student.id}/holds/", {"kind": "advising", "reason": "See us"}, format="json")
    url = f"/api/v1/students/{student.id}/terms/{section.term}/"
    before = staff.get(url).json()

    response = staff.patch(url, {"max_credits": 12, field: value}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert staff.get(url).json() == before


@pytest.mark.parametrize(
    ("field", "value"), [("id", "hold_chosen_by_me_1"), ("created_by", "1"), ("created_at", "2000-01-01T00:00:00Z")]
)
def test_a_hold_cannot_choose_its_id_author_or_time(client_for, registrar, student, field, value):
    url = f"/api/v1/students/{student.id}/holds/"

    response = client_for(registrar).post(url, {"kind": "other", "reason": "x", field: value}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert client_for(registrar).get(url).json()["results"] == []


@pytest.mark.parametrize(
    "extra",
    [{"roles": ["registrar"]}, {"is_staff": True, "is_superuser": True}, {"id": "424242"}, {"groups": [1, 2, 3]}],
)
def test_registering_gives_a_plain_student_account_whatever_the_body_says(api_client, extra):
    body = {"username": "mallory", "password": PASSWORD, **extra}

    response = api_client.post("/api/v1/auth/register/", body, format="json")

    assert response.status_code == 201
    user = User.objects.get(username="mallory")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert [group.name for group in user.groups.all()] == [Role.STUDENT.value]
    assert response.json()["id"] == str(user.pk) != "424242"
    tokens = api_client.post("/api/v1/auth/token/", {"username": "mallory", "password": PASSWORD}, format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get("/api/v1/auth/me/").json()["roles"] == ["student"]


def test_a_user_made_by_the_registrar_gets_only_the_roles_asked_not_staff(client_for, registrar):
    body = {"username": "prof2", "password": PASSWORD, "roles": ["instructor"], "is_staff": True, "is_superuser": True}

    response = client_for(registrar).post("/api/v1/users/", body, format="json")

    assert response.status_code == 201
    user = User.objects.get(username="prof2")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert [group.name for group in user.groups.all()] == ["instructor"]


def test_a_subscription_cannot_choose_its_secret_or_id(client_for, student, new_section):
    section = new_section()
    chosen = {"webhook_secret": "whsec_" + "A" * 44, "id": "sub_mine", "created_at": "2000-01-01T00:00:00Z"}

    response = client_for(student).post(
        "/api/v1/subscriptions/", {"section_id": section.id, "email": "a@example.edu", **chosen}, format="json"
    )

    assert_problem(response, 400, "invalid")
    assert set(response.json()["errors"]) == set(chosen)
    assert client_for(student).get("/api/v1/subscriptions/").json()["results"] == []
