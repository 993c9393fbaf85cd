"""The registration rules over HTTP, against the real stores: windows and time tickets,
holds, time conflicts, credit limits, swaps, and promotions that respect them. The races
are real concurrent requests to a real server."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from accounts.roles import Role
from accounts.services import token_pair_issue
from conftest import PASSWORD
from core.models import OutboxRecord
from enrollment import services
from enrollment.models import Section, StudentHolds, StudentTerm, Term, TimeTicket
from enrollment.selectors import registration_state
from enrollment.services import promotion
from enrollment.tests.http import assert_problem, at_once, enrollment_url, enrollments_url, place_url, unique_term
from enrollment.tests.test_integrity import actor, check, seated, waiting

MWF_9 = [{"days": "MWF", "start": "09:00", "end": "09:50"}]
MW_930 = [{"days": "MW", "start": "09:30", "end": "10:45"}]
MWF_950 = [{"days": "MWF", "start": "09:50", "end": "10:40"}]  # touches MWF_9: no overlap
TR_9 = [{"days": "TR", "start": "09:00", "end": "10:15"}]


def swaps_url(student_id: str) -> str:
    return f"/api/v1/students/{student_id}/swaps/"


@pytest.fixture
def term():
    return unique_term()


@pytest.fixture
def rules_section(make_course, make_section, term):
    """A section in ``term`` of a course of its own, with meetings and credits."""

    def make(*, meetings=(), credits: int = 3, capacity: int = 30, **fields) -> str:
        course = make_course(department="RULES", credits=credits)
        section = make_section(course_id=course.id, term=term, number="01", capacity=capacity, **fields)
        Section(section_id=section.id).update(actions=[Section.meetings.set(list(meetings))])
        return section.id

    return make


def term_settings(term: str, *, opens: timedelta = -timedelta(days=1), closes=timedelta(days=7), max_credits=18):
    """Give ``term`` a registration window relative to now, and a credit limit."""
    now = datetime.now(UTC)
    Term(
        term=term,
        registration_opens_at=now + opens,
        registration_closes_at=now + closes,
        max_credits=max_credits,
        created_at=now,
        updated_at=now,
    ).save()


def hold_place(student, kind: str = "financial") -> None:
    hold = {"kind": kind, "reason": "Tuition unpaid", "created_at": datetime.now(UTC).isoformat(), "created_by": "1"}
    StudentHolds(student_id=student.id, holds={f"hold_{kind}": hold}).save()


def hold_lift(student) -> None:
    StudentHolds(student_id=student.id).delete()


def enroll_as(client, section_id: str, **body):
    return client.post(enrollments_url(section_id), body, format="json")


# --- time conflicts ----------------------------------------------------------------


def test_an_overlapping_section_is_refused_with_the_conflicting_ids(rules_section, student, client_for):
    first, overlapping, touching, other_days = (
        rules_section(meetings=MWF_9),
        rules_section(meetings=MW_930),
        rules_section(meetings=MWF_950),
        rules_section(meetings=TR_9),
    )
    client = client_for(student)
    assert enroll_as(client, first).status_code == 201

    body = assert_problem(enroll_as(client, overlapping), 409, "time_conflict")

    assert body["conflicts"] == [first]
    assert enroll_as(client, touching).status_code == 201  # 09:50 ends where 09:50 starts
    assert enroll_as(client, other_days).status_code == 201
    assert seated(overlapping) == []


def test_a_section_without_meetings_conflicts_with_nothing(rules_section, student, client_for):
    client = client_for(student)
    assert enroll_as(client, rules_section(meetings=MWF_9)).status_code == 201
    assert enroll_as(client, rules_section()).status_code == 201


def test_the_registrar_overrides_a_conflict_and_no_one_else_may(rules_section, student, registrar, client_for):
    first, overlapping = rules_section(meetings=MWF_9), rules_section(meetings=MW_930)
    assert enroll_as(client_for(student), first).status_code == 201

    refused = enroll_as(client_for(registrar), overlapping, student_id=student.id)
    by_student = enroll_as(client_for(student), overlapping, override=["time_conflict"])
    unknown = enroll_as(client_for(registrar), overlapping, student_id=student.id, override=["everything"])
    overridden = enroll_as(client_for(registrar), overlapping, student_id=student.id, override=["time_conflict"])

    assert_problem(refused, 409, "time_conflict")
    assert_problem(by_student, 403, "permission_denied")
    assert_problem(unknown, 400, "invalid", field="override[0]")  # the item, named by its path
    assert overridden.status_code == 201, overridden.content
    assert seated(overlapping) == [student.id]


def test_waiting_for_an_overlapping_section_is_refused_too(rules_section, student, make_user, client_for):
    first, full = rules_section(meetings=MWF_9), rules_section(meetings=MW_930, capacity=1)
    assert enroll_as(client_for(make_user(Role.STUDENT)), full).status_code == 201
    assert enroll_as(client_for(student), first).status_code == 201

    assert_problem(enroll_as(client_for(student), full), 409, "time_conflict")
    assert waiting(full) == []


# --- credits -----------------------------------------------------------------------


def test_credits_over_the_limit_are_refused_with_the_numbers(rules_section, term, student, registrar, client_for):
    term_settings(term, max_credits=8)
    four, four_more, three = rules_section(credits=4), rules_section(credits=4), rules_section(credits=3)
    client = client_for(student)
    assert enroll_as(client, four).status_code == 201
    assert enroll_as(client, four_more).status_code == 201

    body = assert_problem(enroll_as(client, three), 409, "credit_limit_exceeded")

    assert (body["credits_enrolled"], body["credits_requested"], body["max_credits"]) == (8, 3, 8)
    overridden = enroll_as(client_for(registrar), three, student_id=student.id, override=["credit_limit"])
    assert overridden.status_code == 201, overridden.content
    assert registration_state(student_id=student.id, term=term).credits_enrolled == 11


def test_a_term_without_settings_has_the_default_limit_of_18(rules_section, student, client_for):
    client = client_for(student)
    for _ in range(4):
        assert enroll_as(client, rules_section(credits=4)).status_code == 201
    body = assert_problem(enroll_as(client, rules_section(credits=3)), 409, "credit_limit_exceeded")
    assert body["max_credits"] == 18 and body["credits_enrolled"] == 16


def test_a_per_student_limit_replaces_the_terms(rules_section, term, student, client_for):
    term_settings(term, max_credits=18)
    StudentTerm(student_id=student.id, term=term).update(actions=[StudentTerm.max_credits.set(4)])
    client = client_for(student)
    assert enroll_as(client, rules_section(credits=4)).status_code == 201
    assert_problem(enroll_as(client, rules_section(credits=1)), 409, "credit_limit_exceeded")


def test_a_drop_gives_the_credits_back(rules_section, term, student, client_for):
    term_settings(term, max_credits=4)
    first, second = rules_section(credits=4), rules_section(credits=4)
    client = client_for(student)
    assert enroll_as(client, first).status_code == 201
    assert_problem(enroll_as(client, second), 409, "credit_limit_exceeded")

    assert client.delete(enrollment_url(first, "me")).status_code == 204

    assert enroll_as(client, second).status_code == 201
    assert registration_state(student_id=student.id, term=term).credits_enrolled == 4


# --- windows and holds -------------------------------------------------------------


def test_before_the_opening_adds_are_refused_with_the_opening_and_drops_allowed(
    rules_section, term, student, registrar, client_for
):
    section = rules_section()
    services.enrollment_create(actor=actor(registrar), section_id=section, student_id=student.id)
    term_settings(term, opens=timedelta(hours=2))
    later = rules_section()

    body = assert_problem(enroll_as(client_for(student), later), 403, "registration_not_open")

    assert datetime.fromisoformat(body["opens_at"]) > datetime.now(UTC)
    assert body["opens_at"].endswith("Z")
    assert client_for(student).delete(enrollment_url(section, "me")).status_code == 204
    # Windows never limit the registrar
    assert enroll_as(client_for(registrar), later, student_id=student.id).status_code == 201


def test_a_time_ticket_replaces_the_terms_opening_for_that_student(rules_section, term, make_user, client_for):
    early, late, other = make_user(Role.STUDENT), make_user(Role.STUDENT), make_user(Role.STUDENT)
    term_settings(term, opens=timedelta(hours=1))
    now = datetime.now(UTC)
    for student, opens in ((early, now - timedelta(minutes=5)), (late, now + timedelta(days=2))):
        TimeTicket(term=term, student_id=student.id, opens_at=opens, created_at=now, created_by="1").save()
    section = rules_section()

    assert enroll_as(client_for(early), section).status_code == 201  # before the term opens
    assert_problem(enroll_as(client_for(other), section), 403, "registration_not_open")
    body = assert_problem(enroll_as(client_for(late), section), 403, "registration_not_open")
    assert datetime.fromisoformat(body["opens_at"]) > now + timedelta(days=1)


def test_after_the_close_adds_drops_and_leaves_are_refused(rules_section, term, student, make_user, client_for):
    seat, full = rules_section(), rules_section(capacity=1)
    client = client_for(student)
    assert enroll_as(client, seat).status_code == 201
    assert enroll_as(client_for(make_user(Role.STUDENT)), full).status_code == 201
    assert enroll_as(client, full).json()["status"] == "waitlisted"
    term_settings(term, opens=-timedelta(days=7), closes=-timedelta(minutes=1))

    assert_problem(enroll_as(client, rules_section()), 403, "registration_closed")
    assert_problem(client.delete(enrollment_url(seat, "me")), 403, "registration_closed")
    assert_problem(client.delete(place_url(full, "me")), 403, "registration_closed")
    assert seated(seat) == [student.id] and waiting(full) == [student.id]


def test_a_hold_blocks_adds_but_not_drops(rules_section, student, client_for):
    seat, other = rules_section(), rules_section()
    client = client_for(student)
    assert enroll_as(client, seat).status_code == 201
    hold_place(student, "financial")

    body = assert_problem(enroll_as(client, other), 403, "registration_hold")

    assert body["holds"] == ["financial"]
    assert client.delete(enrollment_url(seat, "me")).status_code == 204
    hold_lift(student)
    assert enroll_as(client, other).status_code == 201


# --- races: two requests of one student never break a rule together -------------


def _token(user) -> str:
    return token_pair_issue(username=user.username, password=PASSWORD).access


def test_two_simultaneous_enrolls_into_overlapping_sections_one_wins(http_server, rules_section, student):
    sections = [rules_section(meetings=MWF_9), rules_section(meetings=MW_930)]
    headers = {"Authorization": f"Bearer {_token(student)}"}

    for _ in range(3):  # a few rounds, each a fresh pair
        sections = [rules_section(meetings=MWF_9), rules_section(meetings=MW_930)]
        results = at_once(
            sections,
            lambda section_id: requests.post(
                f"{http_server.url}{enrollments_url(section_id)}", json={}, headers=headers, timeout=60
            ),
        )
        statuses = sorted(response.status_code for response in results)
        assert statuses == [201, 409], [response.content for response in results]
        assert [response.json()["code"] for response in results if response.status_code == 409] == ["time_conflict"]
        assert sum(len(seated(section_id)) for section_id in sections) == 1
        for section_id in sections:  # out of the way of the next round
            requests.delete(f"{http_server.url}{enrollment_url(section_id, 'me')}", headers=headers, timeout=60)


def test_five_simultaneous_four_credit_enrolls_under_an_eight_credit_limit_two_win(
    http_server, rules_section, term, student
):
    term_settings(term, max_credits=8)
    sections = [rules_section(credits=4) for _ in range(5)]
    headers = {"Authorization": f"Bearer {_token(student)}"}

    results = at_once(
        sections,
        lambda section_id: requests.post(
            f"{http_server.url}{enrollments_url(section_id)}", json={}, headers=headers, timeout=60
        ),
    )

    assert sorted(response.status_code for response in results) == [201, 201, 409, 409, 409]
    assert {response.json()["code"] for response in results if response.status_code == 409} == {"credit_limit_exceeded"}
    assert sum(len(seated(section_id)) for section_id in sections) == 2
    assert registration_state(student_id=student.id, term=term).credits_enrolled == 8


# --- swaps -------------------------------------------------------------------------


def test_a_swap_with_a_free_seat_drops_and_enrolls_as_one_change(rules_section, term, student, client_for):
    term_settings(term, max_credits=4)
    old, new = rules_section(meetings=MWF_9, credits=4), rules_section(meetings=MW_930, credits=4)
    client = client_for(student)
    assert enroll_as(client, old).status_code == 201

    # Conflicts and credits are computed as if the old section were gone
    response = client.post(swaps_url("me"), {"drop_section_id": old, "enroll_section_id": new}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "swapped"
    assert body["dropped"]["student_id"] == student.id and body["dropped"]["status"] == "dropped"
    assert body["enrolled"]["status"] == "enrolled" and body["enrolled"]["section_id"] == new
    assert seated(old) == [] and seated(new) == [student.id]
    state = registration_state(student_id=student.id, term=term)
    assert set(state.enrolled) == {new} and state.credits_enrolled == 4


def test_a_swap_into_a_full_section_changes_nothing_unless_told_to_wait(
    rules_section, term, student, make_user, client_for
):
    old, full = rules_section(), rules_section(capacity=1)
    client = client_for(student)
    assert enroll_as(client, old).status_code == 201
    assert enroll_as(client_for(make_user(Role.STUDENT)), full).status_code == 201
    swap = {"drop_section_id": old, "enroll_section_id": full}

    assert_problem(client.post(swaps_url("me"), swap, format="json"), 409, "section_full")
    assert seated(old) == [student.id] and waiting(full) == []

    response = client.post(swaps_url("me"), {**swap, "waitlist": True}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["position"], body["swap_for"]) == ("waitlisted", 1, old)
    assert seated(old) == [student.id]  # the old seat is kept meanwhile
    # And the same request again changes nothing: the swap stays attached
    assert_problem(client.post(swaps_url("me"), {**swap, "waitlist": True}, format="json"), 409, "already_waitlisted")
    assert registration_state(student_id=student.id, term=term).swaps == {full: old}


def test_a_waiting_swap_is_moved_in_one_change_and_the_old_seat_goes_to_its_own_line(
    rules_section, term, student, make_user, client_for
):
    old, new = rules_section(capacity=1), rules_section(capacity=1)
    holder, old_waiter = make_user(Role.STUDENT), make_user(Role.STUDENT)
    assert enroll_as(client_for(student), old).status_code == 201
    assert enroll_as(client_for(old_waiter), old).json()["status"] == "waitlisted"
    assert enroll_as(client_for(holder), new).status_code == 201
    swap = {"drop_section_id": old, "enroll_section_id": new, "waitlist": True}
    assert client_for(student).post(swaps_url("me"), swap, format="json").status_code == 201

    # When the new section's seat frees up
    assert client_for(holder).delete(enrollment_url(new, "me")).status_code == 204

    # Then the student moved: the new seat taken, the old one dropped and given to its line
    assert seated(new) == [student.id]
    assert seated(old) == [old_waiter.id]
    assert waiting(new) == [] and waiting(old) == []
    assert set(registration_state(student_id=student.id, term=term).enrolled) == {new}


def test_a_student_reads_their_own_waiting_swaps_and_nobody_elses(
    rules_section, term, student, registrar, make_user, client_for
):
    old, full = rules_section(), rules_section(capacity=1)
    assert enroll_as(client_for(make_user(Role.STUDENT)), full).status_code == 201
    assert enroll_as(client_for(student), old).status_code == 201
    swap = {"drop_section_id": old, "enroll_section_id": full, "waitlist": True}
    assert client_for(student).post(swaps_url("me"), swap, format="json").status_code == 201

    mine = client_for(student).get(swaps_url("me"))
    as_registrar = client_for(registrar).get(swaps_url(student.id))
    other = client_for(make_user(Role.STUDENT)).get(swaps_url(student.id))

    assert mine.status_code == 200, mine.content
    expected = [{"term": term, "enroll_section_id": full, "drop_section_id": old, "position": 1}]
    assert mine.json()["results"] == expected and mine.json()["next"] is None
    assert as_registrar.json()["results"] == expected
    assert_problem(other, 403, "permission_denied")
    # Leaving the line takes the swap with it
    assert client_for(student).delete(place_url(full, "me")).status_code == 204
    assert client_for(student).get(swaps_url("me")).json()["results"] == []


def test_swap_refusals(rules_section, term, student, make_user, client_for, make_section, make_course):
    old, new = rules_section(), rules_section()
    other_term = make_section(course_id=make_course(department="RULES").id, term=unique_term(), number="01").id
    client = client_for(student)
    assert enroll_as(client, old).status_code == 201

    def swap(drop, enroll, as_client=client, who="me"):
        return as_client.post(swaps_url(who), {"drop_section_id": drop, "enroll_section_id": enroll}, format="json")

    assert_problem(swap(new, old), 404, "not_found")  # not enrolled in the one to drop
    assert_problem(swap(old, old), 400, "invalid")
    assert_problem(swap(old, other_term), 400, "invalid")
    assert_problem(swap(old, new, client_for(make_user(Role.STUDENT)), student.id), 403, "permission_denied")
    assert_problem(swap(old, f"{term}-NOPE-1-01"), 404, "not_found")
    assert seated(old) == [student.id] and seated(new) == []


def test_a_swap_racing_a_drop_of_the_same_seat_ends_in_one_promised_outcome(http_server, rules_section, student):
    headers = {"Authorization": f"Bearer {_token(student)}"}
    base = http_server.url
    for _ in range(4):
        old, new = rules_section(), rules_section()
        assert requests.post(f"{base}{enrollments_url(old)}", json={}, headers=headers, timeout=60).status_code == 201

        def act(kind: str, old=old, new=new):
            if kind == "swap":
                body = {"drop_section_id": old, "enroll_section_id": new}
                return requests.post(f"{base}{swaps_url('me')}", json=body, headers=headers, timeout=60)
            return requests.delete(f"{base}{enrollment_url(old, 'me')}", headers=headers, timeout=60)

        swap, drop = at_once(["swap", "drop"], act)

        # Either the swap won (the drop finds no seat) or the drop did (the swap finds none)
        outcomes = {(swap.status_code, drop.status_code)}
        assert outcomes <= {(200, 404), (404, 204)}, (swap.content, drop.content)
        assert seated(old) == []
        assert seated(new) == ([student.id] if swap.status_code == 200 else [])
        assert int(Section.get(old, consistent_read=True).enrolled) == 0


# --- promotion respects the rules --------------------------------------------------


@pytest.fixture
def told(monkeypatch):
    """The events a promotion handed to the broker, as (type, data)."""
    handed: list[tuple[str, dict]] = []

    def publish(*, event_id: str, event_type: str) -> bool:
        handed.append((event_type, json.loads(OutboxRecord.get(event_id, consistent_read=True).data)))
        return True

    monkeypatch.setattr(promotion, "outbox_publish", publish)
    return handed


def test_a_freed_seat_goes_to_the_first_in_line_who_may_take_it(
    rules_section, term, student, make_user, client_for, told
):
    # Given a full section, and in its line first a student with a conflicting seat, then another
    busy = rules_section(meetings=MWF_9)
    full = rules_section(meetings=MW_930, capacity=1)
    holder, next_in_line = make_user(Role.STUDENT), make_user(Role.STUDENT)
    assert enroll_as(client_for(holder), full).status_code == 201
    assert enroll_as(client_for(student), full).json()["status"] == "waitlisted"
    assert enroll_as(client_for(next_in_line), full).json()["status"] == "waitlisted"
    # (the conflict came after they joined: enrolled in an overlapping section since)
    assert enroll_as(client_for(student), busy).status_code == 201

    # When the seat frees up
    assert client_for(holder).delete(enrollment_url(full, "me")).status_code == 204

    # Then the second in line has it, the first keeps their place and is told why, once
    assert seated(full) == [next_in_line.id]
    assert waiting(full) == [student.id]
    skipped = [data for kind, data in told if kind == "enrollment.promotion_skipped"]
    assert len(skipped) == 1
    assert skipped[0]["reason"] == "time_conflict" and skipped[0]["conflicts"] == [busy]
    assert skipped[0]["student_id"] == student.id and skipped[0]["section_id"] == full

    # And when another seat frees up for the same reason, they are not told again
    services.section_update(section_id=full, capacity=2)
    assert len([kind for kind, _ in told if kind == "enrollment.promotion_skipped"]) == 1
    assert waiting(full) == [student.id]

    # But once the conflict is gone, the next seat is theirs
    assert client_for(student).delete(enrollment_url(busy, "me")).status_code == 204
    services.section_update(section_id=full, capacity=3)
    assert seated(full) == sorted([next_in_line.id, student.id])


def test_promotion_passes_over_holds_and_credits_and_tells_each_reason(
    rules_section, term, make_user, client_for, told
):
    term_settings(term, max_credits=4)
    full = rules_section(capacity=1, credits=4)
    holder, held, heavy = make_user(Role.STUDENT), make_user(Role.STUDENT), make_user(Role.STUDENT)
    assert enroll_as(client_for(holder), full).status_code == 201
    assert enroll_as(client_for(held), full).json()["status"] == "waitlisted"
    assert enroll_as(client_for(heavy), full).json()["status"] == "waitlisted"
    hold_place(held, "advising")
    assert enroll_as(client_for(heavy), rules_section(credits=1)).status_code == 201

    assert client_for(holder).delete(enrollment_url(full, "me")).status_code == 204

    assert seated(full) == []  # nobody in line may take it
    assert waiting(full) == [held.id, heavy.id]
    reasons = {data["student_id"]: data for kind, data in told if kind == "enrollment.promotion_skipped"}
    assert reasons[held.id]["reason"] == "registration_hold" and reasons[held.id]["holds"] == ["advising"]
    assert reasons[heavy.id]["reason"] == "credit_limit_exceeded"
    assert (reasons[heavy.id]["credits_enrolled"], reasons[heavy.id]["max_credits"]) == (1, 4)

    # When the hold is lifted, the next promotion enrolls them (windows do not apply to it)
    hold_lift(held)
    term_settings(term, opens=-timedelta(days=7), closes=-timedelta(minutes=1), max_credits=4)
    promoted = services.seats_fill(section_id=full)
    assert [registration.student_id for registration in promoted] == [held.id]


# --- check_integrity over the records ----------------------------------------------


def test_overridden_rules_and_swaps_leave_a_consistent_term(rules_section, term, student, registrar, client_for):
    term_settings(term, max_credits=6)
    first, overlapping, new = rules_section(meetings=MWF_9), rules_section(meetings=MW_930), rules_section()
    assert enroll_as(client_for(student), first).status_code == 201
    body = {"student_id": student.id, "override": ["time_conflict"]}
    assert enroll_as(client_for(registrar), overlapping, **body).status_code == 201
    swap = {"drop_section_id": first, "enroll_section_id": new}
    assert client_for(student).post(swaps_url("me"), swap, format="json").status_code == 200

    status, report = check(term)

    assert status == 0, report


def test_a_record_that_lost_a_seat_is_found_and_rewritten_from_the_rows(rules_section, term, student, client_for):
    seat = rules_section(credits=4)
    assert enroll_as(client_for(student), seat).status_code == 201
    StudentTerm(student_id=student.id, term=term).update(actions=[StudentTerm.sections.set({})])

    status, report = check(term)
    repair_status, repaired = check(term, repair=True)

    assert status == 1 and "record_seats" in report
    assert repair_status == 0, repaired
    assert registration_state(student_id=student.id, term=term).credits_enrolled == 4
    assert check(term)[0] == 0


def test_a_swap_attached_to_a_seat_no_longer_held_is_detached(rules_section, term, student, make_user, client_for):
    old, full = rules_section(), rules_section(capacity=1)
    assert enroll_as(client_for(make_user(Role.STUDENT)), full).status_code == 201
    assert enroll_as(client_for(student), old).status_code == 201
    swap = {"drop_section_id": old, "enroll_section_id": full, "waitlist": True}
    assert client_for(student).post(swaps_url("me"), swap, format="json").status_code == 201
    # (a crash between the drop's transaction and the swap's removal, simulated)
    StudentTerm(student_id=student.id, term=term).update(actions=[StudentTerm.swaps.set({full: rules_section()})])

    status, report = check(term)
    repair_status, repaired = check(term, repair=True)

    assert status == 1 and "stale_swap" in report
    assert repair_status == 0, repaired
    assert registration_state(student_id=student.id, term=term).swaps == {}


def test_conflicts_and_credits_beyond_the_rules_need_a_person(rules_section, term, student, registrar, client_for):
    term_settings(term, max_credits=4)
    first, overlapping = rules_section(meetings=MWF_9, credits=3), rules_section(meetings=MW_930, credits=3)
    assert enroll_as(client_for(student), first).status_code == 201
    body = {"student_id": student.id, "override": ["time_conflict", "credit_limit"]}
    assert enroll_as(client_for(registrar), overlapping, **body).status_code == 201
    # (the overrides forgotten, as a bad import would write the seats)
    record = StudentTerm.get(student.id, term, consistent_read=True)
    sections = {key: {**value, "overrides": []} for key, value in record.sections.as_dict().items()}
    StudentTerm(student_id=student.id, term=term).update(actions=[StudentTerm.sections.set(sections)])

    status, report = check(term)
    _, repaired = check(term, repair=True)

    assert status == 1
    assert "time_conflict" in report and "over_credit_limit: " in report and "6 credits enrolled" in report
    assert "time_conflict" in repaired  # nothing to repair automatically: still reported


def test_a_reason_that_goes_away_and_comes_back_is_told_again(
    rules_section, term, student, make_user, client_for, told
):
    busy = rules_section(meetings=MWF_9)
    full = rules_section(meetings=MW_930, capacity=1)
    holder, next_in_line = make_user(Role.STUDENT), make_user(Role.STUDENT)
    assert enroll_as(client_for(holder), full).status_code == 201
    assert enroll_as(client_for(student), full).json()["status"] == "waitlisted"
    assert enroll_as(client_for(next_in_line), full).json()["status"] == "waitlisted"
    assert enroll_as(client_for(student), busy).status_code == 201
    assert client_for(holder).delete(enrollment_url(full, "me")).status_code == 204  # told once

    # When the conflict goes (the seat in ``full`` is taken meanwhile) and comes back
    assert client_for(student).delete(enrollment_url(busy, "me")).status_code == 204
    assert enroll_as(client_for(student), busy).status_code == 201
    services.section_update(section_id=full, capacity=2)

    # Then they were told twice, and still wait
    skipped = [data for kind, data in told if kind == "enrollment.promotion_skipped"]
    assert [data["reason"] for data in skipped] == ["time_conflict", "time_conflict"]
    assert waiting(full) == [student.id]


def test_lifting_the_last_hold_offers_the_free_seat_at_once(
    rules_section, term, student, registrar, make_user, client_for, told
):
    full = rules_section(capacity=1)
    holder = make_user(Role.STUDENT)
    assert enroll_as(client_for(holder), full).status_code == 201
    assert enroll_as(client_for(student), full).json()["status"] == "waitlisted"
    hold = client_for(registrar).post(
        f"/api/v1/students/{student.id}/holds/", {"kind": "registrar", "reason": "Transcript missing"}, format="json"
    )
    assert hold.status_code == 201, hold.content
    assert client_for(holder).delete(enrollment_url(full, "me")).status_code == 204
    assert seated(full) == [] and waiting(full) == [student.id]

    lifted = client_for(registrar).delete(f"/api/v1/students/{student.id}/holds/{hold.json()['id']}/")

    assert lifted.status_code == 204
    assert seated(full) == [student.id] and waiting(full) == []
    assert [kind for kind, _ in told] == ["enrollment.promotion_skipped", "enrollment.promoted"]


# --- round trips: the rules cost one read, and one item in the seat's transaction ------


def test_the_hot_paths_read_once_and_write_once(rules_section, term, student, make_user, client_for, dynamodb_calls):
    term_settings(term)
    seat, full = rules_section(meetings=MWF_9), rules_section(capacity=1)
    assert enroll_as(client_for(make_user(Role.STUDENT)), full).status_code == 201
    client = client_for(student)

    def calls(send) -> list[str]:
        dynamodb_calls.clear()
        response = send()
        assert response.status_code in (201, 204), response.content
        return [name for name, _ in dynamodb_calls.operations]

    # An enroll into a free seat: one consistent read of the section and the student's
    # standing, one transaction (seat, row, record)
    assert calls(lambda: enroll_as(client, seat)) == ["BatchGetItem", "TransactWriteItems"]
    # Joining a full section's line: the same read; once in line, whether a seat was
    # taken for them since that read (then they leave the line: never seated and waiting);
    # then the promotion round's read
    assert calls(lambda: enroll_as(client, full)) == ["BatchGetItem", "GetItem", "BatchGetItem"]
    # A drop with nobody waiting: the term and the record, then the transaction
    assert calls(lambda: client.delete(enrollment_url(seat, "me"))) == ["BatchGetItem", "TransactWriteItems"]
