"""Schemathesis against the service's own OpenAPI document, on a live server.

Every operation of ``/api/schema/`` is fuzzed with the access token of each role, with
data behind it (a course, sections, an enrollment, a waitlist place, a subscription, a
hold, a term) so that path parameters name real objects part of the time and the writes
are reached rather than answered 404. Each case goes through all of Schemathesis's
default checks: no 5xx, status codes, content types, headers and bodies as the schema
says. Cases are bounded per operation and by a time budget; an operation that no case
reached fails the test.
"""

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from hypothesis import given, seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from accounts.roles import Role
from core.errors import InvalidIdempotencyKey
from core.idempotency import KEY_PATTERN
from core.services import idempotency_key_parse
from core.tests.fuzzing import BUDGET_SECONDS, SEED, Known, bounded, world_make
from enrollment import services
from waitlist.api import auto_enrollment_frozen

# Cases per operation and generation mode (valid data, then invalid data); an
# operation reached once the budget is spent gets one of each.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))

# Writes that destroy the data the other operations need run after them.
DESTRUCTIVE_LAST = ("DELETE",)

# Rules no JSON Schema can state: a 400 for schema-valid data is expected when its
# problem document names only these fields. Any other 400 for valid data still fails.
UNSTATABLE_RULES = {
    # Signed by the server and bound to one list: any other string is refused.
    "cursor": "every list",
    # Django's password validators: not too common, not like the username.
    "password": "POST /api/v1/auth/register/, POST /api/v1/users/",
    # Not the section dropped; both of one term.
    "enroll_section_id": "POST /api/v1/students/{student_id}/swaps/",
    # An email, a webhook URL, or both.
    "non_field_errors": "POST /api/v1/subscriptions/",
    # After registration_opens_at.
    "registration_closes_at": "PUT /api/v1/terms/{term}/",
    # Ids of users that must exist and hold a role; the registrar must name a student.
    "instructor_id": "POST and PATCH /api/v1/sections/",
    "student_id": "POST /api/v1/sections/{section_id}/enrollments/",
    "tickets[].student_id": "PUT /api/v1/terms/{term}/time-tickets/",
    # A section that exists.
    "section_id": "POST /api/v1/subscriptions/",
    # A meeting ends after it starts.
    "meetings[].end": "POST and PATCH /api/v1/sections/",
}


@dataclass
class Tally:
    cases: dict[str, int] = field(default_factory=dict)
    failures: dict[str, dict[str, str]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)


def _unstatable(response) -> bool:
    """A 400 whose problem document blames only rules the schema cannot state, or a 422
    for an Idempotency-Key that the fuzzer drew twice for different bodies."""
    try:
        body = response.json()
    except ValueError:
        return False
    if response.status_code == 422 and body.get("code") == "idempotency_key_reused":
        return True
    errors = body.get("errors") or {}
    fields = {re.sub(r"\[\d+\]", "[]", name) for name in errors}
    return response.status_code == 400 and bool(fields) and fields <= set(UNSTATABLE_RULES)


def _operations(schema) -> list:
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: op.method.upper() in DESTRUCTIVE_LAST)


def _fuzz(operation, *, base_url: str, token: str, known: Known, examples: int, tally: Tally) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    names = [parameter.name for parameter in operation.path_parameters]
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        # Real ids part of the time, generated ones the rest.
        strategies = [
            operation.as_strategy(generation_mode=mode, path_parameters=combo) for combo in known.combinations(names)
        ]
        strategies.append(operation.as_strategy(generation_mode=mode))

        @seed(SEED)
        @bounded(examples)
        @given(case=st.one_of(strategies))
        def run(case) -> None:
            tally.cases[label] = tally.cases.get(label, 0) + 1
            response = case.call(base_url=base_url, session=session, headers=headers)
            tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
            transport = {"base_url": base_url, "session": session, "headers": headers}
            try:
                case.validate_response(response, headers=headers, transport_kwargs=transport)
            except FailureGroup as group:  # failed checks: recorded, the run goes on
                for failure in group.exceptions:
                    if not (isinstance(failure, RejectedPositiveData) and _unstatable(response)):
                        tally.failures.setdefault(label, {}).setdefault(failure.title, str(group)[:2500])

        try:
            run()
        except Unsatisfiable:
            # Nothing of this operation can be made invalid (no parameters, no body).
            assert mode is GenerationMode.NEGATIVE, label


@pytest.fixture
def global_freeze_kept():
    """The registrar's fuzzing may freeze or unfreeze auto-enrollment for every section
    (``PUT /api/v1/auto-enrollment/``): put it back as it was for the tests after."""
    frozen = auto_enrollment_frozen()
    yield
    services.auto_enrollment_set(frozen=frozen)


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR, Role.REGISTRAR])
@pytest.mark.usefixtures("global_freeze_kept")
def test_every_operation_survives_schemathesis(role, http_server, make_user, client_for, capsys):
    world = world_make(client_for, make_user)
    token = world.token(http_server.url, role)
    # The token as configured, not generated: negative cases then never mangle it.
    config = schemathesis.Config.from_dict({"headers": {"Authorization": f"Bearer {token}"}})
    schema = schemathesis.openapi.from_url(f"{http_server.url}/api/schema/?format=json", config=config)
    operations = _operations(schema)
    tally = Tally()
    started = time.monotonic()
    for done, operation in enumerate(operations):
        spent = time.monotonic() - started
        per_case = spent / max(1, sum(tally.cases.values())) or 0.1
        # Valid and invalid cases for each operation, within what the budget leaves it.
        share = (BUDGET_SECONDS - spent) / (len(operations) - done)
        examples = max(1, min(EXAMPLES, int(share / per_case / 2)))
        _fuzz(operation, base_url=http_server.url, token=token, known=world.known, examples=examples, tally=tally)
    elapsed = time.monotonic() - started

    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    with capsys.disabled():
        print(
            f"\nschemathesis as {role}: {len(tally.cases)} of {len(labels)} operations, "
            f"{sum(tally.cases.values())} cases in {elapsed:.1f} s; statuses {dict(sorted(tally.statuses.items()))}"
        )
    assert len(labels) >= 40, "the schema lost its operations"
    strays = [name for name in (".hypothesis", ".schemathesis") if (Path(django_settings.BASE_DIR) / name).exists()]
    assert not strays, f"the fuzzers' files belong outside the work tree: {strays}"
    assert not labels - set(tally.cases), f"operations no case reached: {sorted(labels - set(tally.cases))}"
    report = [f"{label}: {title}\n{text}" for label, found in tally.failures.items() for title, text in found.items()]
    assert not tally.failures, "\n\n".join(report)


@seed(SEED)
@bounded(300)
@given(
    raw=st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=127), max_size=260)
    | st.sampled_from(['""', '"', '"x', ' "k" '])
)
def test_the_documented_idempotency_key_pattern_is_what_the_server_accepts(raw):
    try:
        idempotency_key_parse(raw)
        accepted = True
    except InvalidIdempotencyKey:
        accepted = False

    assert bool(re.match(KEY_PATTERN, raw)) == accepted, raw


@pytest.mark.parametrize("title", [1967298632800421.0, 12, True])
def test_a_number_where_the_document_says_text_is_refused(client_for, registrar, title):
    body = {"department": "NUMB", "number": "101", "title": title, "credits": 3}

    response = client_for(registrar).post("/api/v1/courses/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"title": ["Not a valid string."]}


def test_a_number_where_a_user_id_is_expected_is_still_taken(client_for, registrar, make_user):
    student = make_user(Role.STUDENT)
    body = {"tickets": [{"student_id": student.id, "opens_at": "2030-01-01T00:00:00Z"}]}

    response = client_for(registrar).put("/api/v1/terms/2031FA/time-tickets/", body, format="json")

    assert response.status_code == 200, response.content
