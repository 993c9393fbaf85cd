"""Terms, time tickets, holds and a student's term summary over HTTP, as API.md's
"Registration rules" describes them. Each test uses a term of its own (``unique_term``)."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.roles import Role
from enrollment.models import StudentTerm, TimeTicket
from enrollment.services import MAX_HOLDS
from enrollment.tests.http import assert_problem, follow, is_utc_timestamp, unique_term

pytestmark = pytest.mark.django_db

TERMS = "/api/v1/terms/"


def term_url(term: str) -> str:
    return f"{TERMS}{term}/"


def tickets_url(term: str) -> str:
    return f"{TERMS}{term}/time-tickets/"


def summary_url(student_id: str, term: str) -> str:
    return f"/api/v1/students/{student_id}/terms/{term}/"


def holds_url(student_id: str) -> str:
    return f"/api/v1/students/{student_id}/holds/"


def hold_url(student_id: str, hold_id: str) -> str:
    return f"/api/v1/students/{student_id}/holds/{hold_id}/"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


NOW = datetime.now(UTC).replace(microsecond=0)
OPENS = NOW - timedelta(days=1)
CLOSES = NOW + timedelta(days=7)


def settings_body(opens=OPENS, closes=CLOSES, **fields) -> dict:
    return {"registration_opens_at": rfc3339(opens), "registration_closes_at": rfc3339(closes), **fields}


@pytest.fixture
def term_with_settings(client_for, registrar):
    def make(opens=OPENS, closes=CLOSES, **fields) -> str:
        term = unique_term()
        response = client_for(registrar).put(term_url(term), settings_body(opens, closes, **fields), format="json")
        assert response.status_code == 201, response.content
        return term

    return make


# --- terms -------------------------------------------------------------------------


def test_registrar_creates_then_replaces_a_terms_settings(client_for, registrar, student):
    term = unique_term()
    client = client_for(registrar)

    created = client.put(term_url(term), settings_body(), format="json")
    replaced = client.put(term_url(term), settings_body(max_credits=12), format="json")

    assert created.status_code == 201, created.content
    assert replaced.status_code == 200, replaced.content
    body = created.json()
    assert body == {
        "term": term,
        "registration_opens_at": rfc3339(OPENS),
        "registration_closes_at": rfc3339(CLOSES),
        "max_credits": 18,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert all(is_utc_timestamp(body[name]) for name in ("created_at", "updated_at"))
    again = replaced.json()
    assert again["max_credits"] == 12
    assert again["created_at"] == body["created_at"]
    assert again["updated_at"] > body["updated_at"]
    assert client_for(student).get(term_url(term)).json() == again


def test_term_codes_are_upper_cased_and_times_stored_in_utc(client_for, registrar):
    term = unique_term()
    opens = "2030-01-10T08:00:00-08:00"
    closes = "2030-01-20T17:30:00.250+01:00"

    response = client_for(registrar).put(
        term_url(term.lower()), {"registration_opens_at": opens, "registration_closes_at": closes}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["term"] == term
    assert body["registration_opens_at"] == "2030-01-10T16:00:00Z"
    assert body["registration_closes_at"] == "2030-01-20T16:30:00.250000Z"
    assert client_for(registrar).get(term_url(term)).json()["registration_opens_at"] == "2030-01-10T16:00:00Z"


def test_a_term_without_settings_is_not_found(client_for, student):
    assert_problem(client_for(student).get(term_url(unique_term())), 404, "not_found")


def test_a_path_that_is_no_term_code_is_not_found(client_for, registrar):
    assert_problem(client_for(registrar).put(term_url("2026XX"), settings_body(), format="json"), 404, "not_found")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registration_opens_at", "2030-01-10T08:00:00"),  # no offset
        ("registration_opens_at", "2030-01-10"),
        ("registration_opens_at", "tomorrow"),
        ("registration_opens_at", 1700000000),
        ("registration_closes_at", "2030-02-30T08:00:00Z"),
        ("max_credits", 0),
        ("max_credits", 41),
        ("max_credits", "many"),
        ("catalog", "terms"),
    ],
)
def test_bad_term_settings_are_invalid(client_for, registrar, field, value):
    term = unique_term()
    client = client_for(registrar)

    response = client.put(term_url(term), {**settings_body(), field: value}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert_problem(client.get(term_url(term)), 404, "not_found")


@pytest.mark.parametrize("closes", [OPENS, OPENS - timedelta(seconds=1)])
def test_the_close_must_come_after_the_opening(client_for, registrar, closes):
    response = client_for(registrar).put(term_url(unique_term()), settings_body(OPENS, closes), format="json")

    assert_problem(response, 400, "invalid", field="registration_closes_at")


@pytest.mark.parametrize("missing", ["registration_opens_at", "registration_closes_at"])
def test_term_settings_need_both_times(client_for, registrar, missing):
    body = settings_body()
    del body[missing]

    assert_problem(
        client_for(registrar).put(term_url(unique_term()), body, format="json"), 400, "invalid", field=missing
    )


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_writes_term_settings(client_for, make_user, role):
    term = unique_term()

    response = client_for(make_user(role)).put(term_url(term), settings_body(), format="json")

    assert_problem(response, 403, "permission_denied")


def test_terms_list_in_term_order_paginated(client_for, registrar, instructor):
    client = client_for(registrar)
    terms = sorted(unique_term().replace("FA", season) for season in ("SP", "SU", "WI"))
    for term in terms:
        assert client.put(term_url(term), settings_body(), format="json").status_code == 201

    pages = follow(client_for(instructor), f"{TERMS}?page_size=2", "next")

    listed = [item["term"] for page in pages for item in page["results"]]
    assert [term for term in listed if term in terms] == terms
    assert listed == sorted(listed)
    assert all(len(page["results"]) <= 2 for page in pages)


def test_terms_need_a_token(api_client):
    assert_problem(api_client.get(TERMS), 401, "not_authenticated")


# --- time tickets ------------------------------------------------------------------


def test_registrar_writes_time_tickets_that_replace_the_opening(client_for, registrar, make_user, term_with_settings):
    term = term_with_settings()
    early, late, plain = make_user(), make_user(), make_user()
    early_at, late_at = OPENS - timedelta(hours=5), NOW + timedelta(days=2)
    client = client_for(registrar)

    response = client.put(
        tickets_url(term),
        {
            "tickets": [
                {"student_id": early.id, "opens_at": rfc3339(early_at)},
                {"student_id": int(late.id), "opens_at": rfc3339(late_at)},
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"written": 2}
    assert client.get(summary_url(early.id, term)).json()["registration_opens_at"] == rfc3339(early_at)
    late_summary = client.get(summary_url(late.id, term)).json()
    assert late_summary["registration_opens_at"] == rfc3339(late_at)
    assert late_summary["can_register_now"] is False
    assert client.get(summary_url(plain.id, term)).json()["registration_opens_at"] == rfc3339(OPENS)


def test_a_second_put_replaces_a_students_ticket(client_for, registrar, student, term_with_settings):
    term = term_with_settings()
    client = client_for(registrar)
    first, second = NOW + timedelta(days=1), NOW - timedelta(hours=1)

    for moment in (first, second):
        body = {"tickets": [{"student_id": student.id, "opens_at": rfc3339(moment)}]}
        assert client.put(tickets_url(term), body, format="json").json() == {"written": 1}

    summary = client_for(student).get(summary_url("me", term)).json()
    assert summary["registration_opens_at"] == rfc3339(second)
    assert summary["can_register_now"] is True


def test_a_ticket_for_a_term_without_settings_is_the_students_only_opening(client_for, registrar, student):
    term = unique_term()
    opens = NOW + timedelta(days=1)

    response = client_for(registrar).put(
        tickets_url(term.lower()), {"tickets": [{"student_id": student.id, "opens_at": rfc3339(opens)}]}, format="json"
    )

    assert response.status_code == 200, response.content
    summary = client_for(student).get(summary_url("me", term)).json()
    assert (summary["registration_opens_at"], summary["registration_closes_at"]) == (rfc3339(opens), None)
    assert summary["can_register_now"] is False


def _tickets_written(term: str) -> int:
    return sum(1 for _ in TimeTicket.query(term, consistent_read=True))


def test_a_thousand_tickets_are_written_and_a_thousand_and_one_refused(client_for, registrar, make_user):
    term = unique_term()
    students = [make_user() for _ in range(1001)]
    tickets = [
        {"student_id": profile.id, "opens_at": rfc3339(NOW + timedelta(minutes=n))}
        for n, profile in enumerate(students)
    ]
    client = client_for(registrar)

    refused = client.put(tickets_url(term), {"tickets": tickets}, format="json")
    assert_problem(refused, 400, "invalid", field="tickets")
    assert _tickets_written(term) == 0

    accepted = client.put(tickets_url(term), {"tickets": tickets[:1000]}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json() == {"written": 1000}
    assert _tickets_written(term) == 1000
    last = client.get(summary_url(students[999].id, term)).json()
    assert last["registration_opens_at"] == rfc3339(NOW + timedelta(minutes=999))


@pytest.mark.parametrize("problem", ["unknown", "instructor", "twice", "bad_time", "naive_time", "extra_field"])
def test_one_bad_ticket_refuses_the_whole_batch(client_for, registrar, make_user, instructor, problem):
    term = unique_term()
    students = [make_user() for _ in range(30)]
    tickets = [{"student_id": profile.id, "opens_at": rfc3339(NOW)} for profile in students]
    field = "tickets[27].student_id"
    if problem == "unknown":
        tickets[27]["student_id"] = "99999999"
    elif problem == "instructor":
        tickets[27]["student_id"] = instructor.id
    elif problem == "twice":
        tickets[27]["student_id"] = students[3].id
    elif problem == "bad_time":
        tickets[27]["opens_at"], field = "2030-13-01T00:00:00Z", "tickets[27].opens_at"
    elif problem == "naive_time":
        tickets[27]["opens_at"], field = "2030-01-01T00:00:00", "tickets[27].opens_at"
    else:
        tickets[27]["seat"], field = "A1", "tickets[27].seat"

    response = client_for(registrar).put(tickets_url(term), {"tickets": tickets}, format="json")

    body = assert_problem(response, 400, "invalid", field=field)
    assert list(body["errors"]) == [field]
    assert _tickets_written(term) == 0


@pytest.mark.parametrize("body", [{}, {"tickets": []}, {"tickets": "all"}, {"tickets": [1]}, {"tickets": [], "x": 1}])
def test_a_malformed_ticket_list_is_invalid(client_for, registrar, body):
    response = client_for(registrar).put(tickets_url(unique_term()), body, format="json")

    assert_problem(response, 400, "invalid")


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_writes_tickets(client_for, make_user, role):
    profile = make_user(role)
    body = {"tickets": [{"student_id": profile.id, "opens_at": rfc3339(NOW)}]}

    assert_problem(client_for(profile).put(tickets_url(unique_term()), body, format="json"), 403, "permission_denied")


# --- the student's term summary ----------------------------------------------------


def test_summary_of_a_term_with_settings(client_for, student, term_with_settings):
    term = term_with_settings(max_credits=15)

    response = client_for(student).get(summary_url("me", term))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "term": term,
        "student_id": student.id,
        "registration_opens_at": rfc3339(OPENS),
        "registration_closes_at": rfc3339(CLOSES),
        "can_register_now": True,
        "credits_enrolled": 0,
        "max_credits": 15,
        "max_credits_override": None,
        "holds": [],
    }


def test_summary_of_a_term_without_settings(client_for, registrar, student):
    term = unique_term()

    response = client_for(registrar).get(summary_url(student.id, term.lower()))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["term"] == term
    assert (body["registration_opens_at"], body["registration_closes_at"]) == (None, None)
    assert (body["can_register_now"], body["max_credits"], body["holds"]) == (True, 18, [])


@pytest.mark.parametrize(
    ("opens", "closes", "can"),
    [(NOW + timedelta(hours=1), CLOSES, False), (OPENS - timedelta(days=9), NOW - timedelta(seconds=1), False)],
)
def test_summary_outside_the_window_cannot_register(client_for, student, term_with_settings, opens, closes, can):
    term = term_with_settings(opens, closes)

    assert client_for(student).get(summary_url("me", term)).json()["can_register_now"] is can


def test_a_hold_shows_in_the_summary_and_stops_registering(client_for, registrar, student, term_with_settings):
    term = term_with_settings()
    hold = client_for(registrar).post(holds_url(student.id), {"kind": "financial", "reason": "Tuition"}, format="json")

    summary = client_for(student).get(summary_url("me", term)).json()

    assert summary["can_register_now"] is False
    assert summary["holds"] == [hold.json()]


def test_registrar_sets_and_clears_a_students_credit_override(client_for, registrar, student, term_with_settings):
    term = term_with_settings(max_credits=15)
    client = client_for(registrar)

    set_ = client.patch(summary_url(student.id, term.lower()), {"max_credits": 21}, format="json")
    record = StudentTerm.get(student.id, term, consistent_read=True)
    cleared = client.patch(summary_url(student.id, term), {"max_credits": None}, format="json")

    assert set_.status_code == 200, set_.content
    assert (set_.json()["max_credits"], set_.json()["max_credits_override"]) == (21, 21)
    assert record.version == 1
    assert record.sections.as_dict() == {} and record.swaps.as_dict() == {} and record.skipped.as_dict() == {}
    assert cleared.status_code == 200, cleared.content
    assert (cleared.json()["max_credits"], cleared.json()["max_credits_override"]) == (15, None)
    assert StudentTerm.get(student.id, term, consistent_read=True).version == 2
    assert client_for(student).get(summary_url("me", term)).json()["max_credits"] == 15


def test_an_override_on_a_term_without_settings_replaces_the_default(client_for, registrar, student):
    term = unique_term()

    response = client_for(registrar).patch(summary_url(student.id, term), {"max_credits": 9}, format="json")

    assert response.json()["max_credits"] == 9


@pytest.mark.parametrize("body", [{}, {"max_credits": 0}, {"max_credits": 41}, {"max_credits": "x"}, {"credits": 3}])
def test_a_bad_override_is_invalid(client_for, registrar, student, body):
    response = client_for(registrar).patch(summary_url(student.id, unique_term()), body, format="json")

    assert_problem(response, 400, "invalid")


def test_an_override_for_a_user_who_is_no_student_is_not_found(client_for, registrar, instructor):
    response = client_for(registrar).patch(summary_url(instructor.id, unique_term()), {"max_credits": 9}, format="json")

    assert_problem(response, 404, "not_found")


# --- holds -------------------------------------------------------------------------


def test_registrar_places_lists_and_lifts_holds(client_for, registrar, student):
    client = client_for(registrar)

    first = client.post(holds_url(student.id), {"kind": "financial", "reason": "Tuition unpaid"}, format="json")
    second = client.post(holds_url(student.id), {"kind": "advising", "reason": "See your advisor"}, format="json")

    assert first.status_code == 201, first.content
    hold = first.json()
    assert set(hold) == {"id", "kind", "reason", "created_at", "created_by"}
    assert hold["id"].startswith("hold_")
    assert (hold["kind"], hold["reason"], hold["created_by"]) == ("financial", "Tuition unpaid", registrar.id)
    assert is_utc_timestamp(hold["created_at"])
    assert first["Location"].endswith(hold_url(student.id, hold["id"]))
    listed = client_for(student).get(holds_url("me")).json()
    assert listed == {"next": None, "previous": None, "results": [hold, second.json()]}

    lifted = client.delete(hold_url(student.id, hold["id"]))
    again = client.delete(hold_url(student.id, hold["id"]))

    assert lifted.status_code == 204
    assert_problem(again, 404, "not_found")
    assert client.get(holds_url(student.id)).json()["results"] == [second.json()]


def test_holds_are_paginated_oldest_first(client_for, registrar, student):
    client = client_for(registrar)
    ids = [
        client.post(holds_url(student.id), {"kind": "other", "reason": f"#{n}"}, format="json").json()["id"]
        for n in range(5)
    ]

    pages = follow(client, f"{holds_url(student.id)}?page_size=2", "next")

    assert [item["id"] for page in pages for item in page["results"]] == ids
    assert len(pages) == 3


def test_a_student_without_holds_lists_none(client_for, student):
    assert client_for(student).get(holds_url("me")).json() == {"next": None, "previous": None, "results": []}


def test_holds_are_capped(client_for, registrar, student):
    client = client_for(registrar)
    for n in range(MAX_HOLDS):
        assert (
            client.post(holds_url(student.id), {"kind": "other", "reason": f"#{n}"}, format="json").status_code == 201
        )

    response = client.post(holds_url(student.id), {"kind": "other", "reason": "one more"}, format="json")

    assert_problem(response, 409, "hold_limit_reached")
    assert len(follow(client, f"{holds_url(student.id)}?page_size=100", "next")[0]["results"]) == MAX_HOLDS


@pytest.mark.parametrize(
    "body",
    [{"kind": "parking", "reason": "x"}, {"kind": "financial"}, {"reason": "x"}, {"kind": "other", "reason": ""}],
)
def test_a_bad_hold_is_invalid(client_for, registrar, student, body):
    assert_problem(client_for(registrar).post(holds_url(student.id), body, format="json"), 400, "invalid")


@pytest.mark.parametrize("who", ["nobody", "instructor"])
def test_a_hold_on_a_user_who_is_no_student_is_not_found(client_for, registrar, instructor, who):
    user_id = "99999999" if who == "nobody" else instructor.id

    response = client_for(registrar).post(holds_url(user_id), {"kind": "other", "reason": "x"}, format="json")

    assert_problem(response, 404, "not_found")


def test_lifting_an_unknown_hold_is_not_found(client_for, registrar, student):
    assert_problem(client_for(registrar).delete(hold_url(student.id, "hold_nothere")), 404, "not_found")


def test_placing_a_hold_honours_the_idempotency_key(client_for, registrar, student):
    client = client_for(registrar)
    body = {"kind": "registrar", "reason": "Transcript missing"}

    first = client.post(holds_url(student.id), body, format="json", HTTP_IDEMPOTENCY_KEY="hold-once")
    retry = client.post(holds_url(student.id), body, format="json", HTTP_IDEMPOTENCY_KEY="hold-once")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert client.get(holds_url(student.id)).json()["results"] == [first.json()]


# --- who may do what ---------------------------------------------------------------


@pytest.fixture
def others(make_user):
    return {
        "other_student": make_user(Role.STUDENT),
        "instructor": make_user(Role.INSTRUCTOR),
    }


@pytest.mark.parametrize("caller", ["other_student", "instructor"])
def test_another_students_holds_and_summary_are_refused(client_for, student, others, caller):
    client = client_for(others[caller])
    term = unique_term()

    assert_problem(client.get(holds_url(student.id)), 403, "permission_denied")
    assert_problem(client.get(summary_url(student.id, term)), 403, "permission_denied")


@pytest.mark.parametrize("caller", ["student", "other_student", "instructor"])
def test_only_the_registrar_places_lifts_and_overrides(client_for, registrar, student, others, caller):
    hold = client_for(registrar).post(holds_url(student.id), {"kind": "other", "reason": "x"}, format="json").json()
    client = client_for(student if caller == "student" else others[caller])
    term = unique_term()

    assert_problem(
        client.post(holds_url(student.id), {"kind": "other", "reason": "y"}, format="json"), 403, "permission_denied"
    )
    assert_problem(client.delete(hold_url(student.id, hold["id"])), 403, "permission_denied")
    assert_problem(
        client.patch(summary_url(student.id, term), {"max_credits": 30}, format="json"), 403, "permission_denied"
    )
    assert client_for(registrar).get(holds_url(student.id)).json()["results"] == [hold]


def test_the_registrar_reads_any_students_holds_and_summary(client_for, registrar, student):
    client = client_for(registrar)

    assert client.get(holds_url(student.id)).status_code == 200
    assert client.get(summary_url(student.id, unique_term())).status_code == 200


def test_the_registrar_asking_about_an_unknown_student_is_not_found(client_for, registrar):
    client = client_for(registrar)

    assert_problem(client.get(holds_url("99999999")), 404, "not_found")
    assert_problem(client.get(summary_url("99999999", unique_term())), 404, "not_found")
