"""Function-level authorization (OWASP API5): every operation of the OpenAPI document is
classified here by the roles it admits, and every other caller is refused, through HTTP.

The list of operations comes from the document the service serves, so a new endpoint
fails ``test_every_operation_is_classified`` until someone decides who may call it. The
refusals are real requests with real tokens, against ids that do not exist: a role that
may not call an operation is refused before anything is looked up.
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from accounts.roles import Role

pytestmark = pytest.mark.django_db

PUBLIC = "anyone"
STUDENT, INSTRUCTOR, REGISTRAR = Role.STUDENT.value, Role.INSTRUCTOR.value, Role.REGISTRAR.value
SIGNED_IN = {STUDENT, INSTRUCTOR, REGISTRAR}

# operationId -> the roles that may call it (which object they may act on is API1's business).
ACCESS: dict[str, set[str] | str] = {
    "jwks": PUBLIC,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "auth_register": PUBLIC,
    "auth_token_obtain": PUBLIC,
    "auth_token_refresh": PUBLIC,
    "auth_me": SIGNED_IN,
    "users_create": {REGISTRAR},
    # the catalog
    "courses_list": SIGNED_IN,
    "courses_retrieve": SIGNED_IN,
    "courses_create": {REGISTRAR},
    "courses_update": {REGISTRAR},
    "courses_delete": {REGISTRAR},
    "sections_list": SIGNED_IN,
    "sections_retrieve": SIGNED_IN,
    "sections_create": {REGISTRAR},
    "sections_update": {REGISTRAR},
    "sections_delete": {REGISTRAR},
    "terms_list": SIGNED_IN,
    "terms_retrieve": SIGNED_IN,
    "terms_put": {REGISTRAR},
    "time_tickets_put": {REGISTRAR},
    "auto_enrollment_retrieve": SIGNED_IN,
    "auto_enrollment_update": {REGISTRAR},
    # seats and waitlists
    "enrollments_create": {STUDENT, REGISTRAR},
    "enrollments_roster": {INSTRUCTOR, REGISTRAR},
    "enrollments_retrieve": SIGNED_IN,
    "enrollments_drop": SIGNED_IN,
    "waitlist_list": {INSTRUCTOR, REGISTRAR},
    "waitlist_retrieve": SIGNED_IN,
    "waitlist_leave": {STUDENT, REGISTRAR},
    "student_enrollments_list": {STUDENT, REGISTRAR},
    # a student's registration
    "student_term_retrieve": {STUDENT, REGISTRAR},
    "student_term_update": {REGISTRAR},
    "student_holds_list": {STUDENT, REGISTRAR},
    "student_holds_create": {REGISTRAR},
    "student_holds_delete": {REGISTRAR},
    "swaps_list": {STUDENT, REGISTRAR},
    "swaps_create": {STUDENT, REGISTRAR},
    # notifications: a student's own
    "subscriptions_list": {STUDENT},
    "subscriptions_create": {STUDENT},
    "subscriptions_retrieve": {STUDENT},
    "subscriptions_delete": {STUDENT},
    "subscriptions_deliveries": {STUDENT},
    # GraphQL: any role (its fields check the rest)
    "graphql_query": SIGNED_IN,
    "graphql_query_get": SIGNED_IN,
}

# Path parameters of ids that exist nowhere (well-formed, so the route matches).
SAMPLES = {
    "course_id": "ZZZZ-999",
    "section_id": "2099FA-ZZZZ-999-99",
    "student_id": "me",
    "subscription_id": "sub_MTIzLzIwOTlGQS1aWlpaLTk5OS05OQ.abc",
    "term": "2099FA",
    "hold_id": "hold_3kT9xQ2bVw0aLm7p",
}


def _operations() -> list[tuple[str, str, str]]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (operation["operationId"], method.upper(), path)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


OPERATIONS = _operations()


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: SAMPLES[match.group(1)], path)


def _call(client, method: str, path: str):
    return client.generic(method, _concrete(path), data="{}", content_type="application/json")


def test_every_operation_is_classified():
    served = {operation_id for operation_id, _, _ in OPERATIONS}

    assert served - set(ACCESS) == set(), "classify the new operations in ACCESS: who may call them?"
    assert set(ACCESS) - served == set(), "ACCESS names operations the service no longer has"


@pytest.fixture
def callers(client_for, make_user):
    """A client per kind of caller: each role, and an account that holds none."""
    nobody = make_user(Role.STUDENT)
    User.objects.get(pk=int(nobody.id)).groups.clear()  # before its token is issued
    return {
        STUDENT: client_for(make_user(Role.STUDENT)),
        INSTRUCTOR: client_for(make_user(Role.INSTRUCTOR)),
        REGISTRAR: client_for(make_user(Role.REGISTRAR)),
        "no role": client_for(nobody),
    }


def test_every_operation_refuses_the_roles_it_does_not_admit(callers):
    refused, wrong = 0, []
    for operation_id, method, path in OPERATIONS:
        admitted = ACCESS[operation_id]
        if admitted == PUBLIC:
            continue
        for who, client in callers.items():
            if who in admitted:
                continue
            response = _call(client, method, path)
            refused += 1
            body = response.json() if response["Content-Type"] == "application/problem+json" else {}
            if (response.status_code, body.get("code")) != (403, "permission_denied"):
                wrong.append(f"{method} {path} as {who}: {response.status_code} {body.get('code')}")
    assert not wrong, "\n".join(wrong)
    assert refused >= 60


def test_every_protected_operation_needs_a_token(api_client):
    wrong = []
    for operation_id, method, path in OPERATIONS:
        if ACCESS[operation_id] == PUBLIC:
            continue
        response = _call(api_client, method, path)
        if response.status_code != 401 or response.json().get("code") != "not_authenticated":
            wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
