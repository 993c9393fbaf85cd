"""Throttling where it guards the business (OWASP API4, API6): a burst of enrolls by one
student is cut off with 429 and ``Retry-After`` and the requests past the limit change
nothing; GraphQL counts against the same per-user budget as REST."""

import pytest

from enrollment.tests.http import enrollment_url, enrollments_url, section_url

pytestmark = pytest.mark.django_db


def _user_rate(settings, rate: str) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": rate}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def _assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_a_burst_of_enrolls_is_cut_off_and_what_was_refused_changes_nothing(
    client_for, student, registrar, new_section, settings
):
    sections = [new_section(capacity=5) for _ in range(5)]
    _user_rate(settings, "3/min")
    client = client_for(student)

    answers = [client.post(enrollments_url(section.id), {}, format="json") for section in sections]

    assert [answer.status_code for answer in answers[:3]] == [201, 201, 201]
    for answer in answers[3:]:
        _assert_throttled(answer)
    _user_rate(settings, "1000/min")
    staff = client_for(registrar)
    for section in sections[:3]:
        assert staff.get(enrollment_url(section.id, student.id)).status_code == 200
    for section in sections[3:]:
        assert staff.get(enrollment_url(section.id, student.id)).status_code == 404
        assert staff.get(section_url(section.id)).json()["enrolled"] == 0


def test_graphql_shares_the_per_user_budget_with_rest(client_for, student, settings):
    _user_rate(settings, "3/min")
    client = client_for(student)

    rest = [client.get("/api/v1/auth/me/").status_code for _ in range(2)]
    graphql = client.post("/graphql/", {"query": "{ me { id } }"}, format="json")
    over = client.post("/graphql/", {"query": "{ me { id } }"}, format="json")

    assert rest == [200, 200] and graphql.status_code == 200
    _assert_throttled(over)
    _assert_throttled(client.get("/api/v1/auth/me/"))
