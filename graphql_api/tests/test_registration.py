"""GraphQL's registration reads: ``terms``, ``term(term:)``, and on ``me`` the caller's
``holds`` and ``registration(term:)``; each answers what its REST endpoint answers, to
the same callers."""

import pytest

from accounts.roles import Role
from enrollment.tests.http import unique_term

pytestmark = pytest.mark.django_db

SETTINGS = {"registration_opens_at": "2030-01-10T08:00:00Z", "registration_closes_at": "2030-01-20T08:00:00Z"}

TERMS_QUERY = """
query Terms($term: String!) {
  terms(pageSize: 100) { items { term registrationOpensAt registrationClosesAt maxCredits } nextCursor }
  term(term: $term) { term registrationOpensAt registrationClosesAt maxCredits createdAt updatedAt }
}
"""

ME_QUERY = """
query Mine($term: String!) {
  me {
    holds { id kind reason createdAt createdBy }
    registration(term: $term) {
      term studentId registrationOpensAt registrationClosesAt canRegisterNow creditsEnrolled maxCredits
      maxCreditsOverride holds { id kind }
    }
  }
}
"""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _camelled(item: dict) -> dict:
    return {_camel(name): value for name, value in item.items()}


@pytest.fixture
def term(client_for, registrar):
    term = unique_term()
    response = client_for(registrar).put(f"/api/v1/terms/{term}/", {**SETTINGS, "max_credits": 12}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_terms_and_term_answer_what_rest_does(graphql, make_user, term):
    answer = graphql(make_user(Role.INSTRUCTOR), TERMS_QUERY, {"term": term["term"].lower()})

    assert "errors" not in answer, answer
    assert answer["data"]["term"] == _camelled(term)
    listed = [item for item in answer["data"]["terms"]["items"] if item["term"] == term["term"]]
    assert listed == [
        {name: value for name, value in _camelled(term).items() if name not in ("createdAt", "updatedAt")}
    ]


def test_a_term_without_settings_is_null_with_not_found(graphql, student):
    answer = graphql(student, "query($term: String!) { term(term: $term) { term } }", {"term": unique_term()})

    assert answer["data"]["term"] is None
    assert answer["errors"][0]["extensions"]["code"] == "not_found"


def test_a_bad_term_code_is_invalid(graphql, student):
    answer = graphql(student, 'query { me { registration(term: "2026XX") { term } } }')

    assert answer["data"]["me"]["registration"] is None
    assert answer["errors"][0]["extensions"]["code"] == "invalid"
    assert "term" in answer["errors"][0]["extensions"]["errors"]


def test_me_holds_and_registration_answer_what_rest_does(graphql, client_for, registrar, student, term):
    hold = client_for(registrar).post(
        f"/api/v1/students/{student.id}/holds/", {"kind": "advising", "reason": "See your advisor"}, format="json"
    )
    assert hold.status_code == 201, hold.content
    client_for(registrar).patch(
        f"/api/v1/students/{student.id}/terms/{term['term']}/", {"max_credits": 9}, format="json"
    )
    rest = client_for(student).get(f"/api/v1/students/me/terms/{term['term']}/").json()

    answer = graphql(student, ME_QUERY, {"term": term["term"]})

    assert "errors" not in answer, answer
    me = answer["data"]["me"]
    assert me["holds"] == [_camelled(hold.json())]
    expected = _camelled(rest)
    expected["holds"] = [{"id": hold.json()["id"], "kind": "advising"}]
    assert me["registration"] == expected
    assert (me["registration"]["maxCredits"], me["registration"]["canRegisterNow"]) == (9, False)


def test_an_instructor_gets_no_holds_nor_registration(graphql, make_user):
    answer = graphql(make_user(Role.INSTRUCTOR), ME_QUERY, {"term": unique_term()})

    assert answer["data"]["me"]["holds"] is None
    assert answer["data"]["me"]["registration"] is None
    assert {error["extensions"]["code"] for error in answer["errors"]} == {"permission_denied"}
