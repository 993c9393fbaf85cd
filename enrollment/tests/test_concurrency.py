"""Registration day in miniature: many students at once, through a real HTTP server.

The seats are decided by DynamoDB's transaction conditions and the waitlist places by
Redis scripts, so however the requests interleave, a section never takes more students
than it has seats, its counter always equals its enrolled rows, and its waitlist never
holds more than its capacity.
"""

import requests

from accounts.roles import Role
from accounts.services import token_pair_issue
from conftest import PASSWORD
from enrollment.data import EnrollmentStatus
from enrollment.models import Enrollment, Section
from enrollment.tests.http import at_once, unique_term
from waitlist.api import waitlist_places

STUDENTS = 100
SEATS = 30
WAITLIST = 15


def _enrolled_rows(section_id: str) -> int:
    return sum(
        1
        for _ in Enrollment.roster.query(
            section_id,
            range_key_condition=Enrollment.roster_key.startswith(f"{EnrollmentStatus.ENROLLED}#"),
            consistent_read=True,
        )
    )


def test_one_hundred_students_race_for_thirty_seats_and_fifteen_waitlist_places(
    http_server, make_user, make_section, assert_consistent
):
    # Given a 30-seat section with a 15-place waitlist, and 100 students with tokens
    section = make_section(term=unique_term(), capacity=SEATS, waitlist_capacity=WAITLIST)
    tokens = [
        token_pair_issue(username=make_user(Role.STUDENT).username, password=PASSWORD).access for _ in range(STUDENTS)
    ]
    url = f"{http_server.url}/api/v1/sections/{section.id}/enrollments/"

    # When they all enroll at the same moment, each from its own connection
    def enroll(token: str) -> tuple[int, dict]:
        response = requests.post(url, json={}, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        return response.status_code, response.json()

    results = at_once(tokens, enroll)

    # Then exactly 30 got a seat, 15 a waitlist place each (positions 1 to 15), and the
    # other 55 were told the waitlist is full; none failed
    enrolled = [body for status, body in results if status == 201 and body["status"] == "enrolled"]
    waitlisted = [body for status, body in results if status == 201 and body["status"] == "waitlisted"]
    refused = [body for status, body in results if status == 409]
    assert len(enrolled) == SEATS, [status for status, _ in results]
    assert sorted(body["position"] for body in waitlisted) == list(range(1, WAITLIST + 1))
    assert len(refused) == STUDENTS - SEATS - WAITLIST
    assert {body["code"] for body in refused} == {"waitlist_full"}
    # And the counter equals the enrolled rows, and the line holds exactly the waitlisted
    assert int(Section.get(section.id, consistent_read=True).enrolled) == SEATS
    assert _enrolled_rows(section.id) == SEATS
    line = waitlist_places(section_id=section.id)
    assert sorted(place.student_id for place in line) == sorted(body["student_id"] for body in waitlisted)
    assert_consistent(section.term)


def test_concurrent_drops_and_enrolls_keep_the_counter_equal_to_the_rows(
    http_server, make_user, make_section, assert_consistent
):
    # Given a full 10-seat section and 10 more students about to pounce
    section = make_section(term=unique_term(), capacity=10)
    enrolled = [make_user(Role.STUDENT) for _ in range(10)]
    newcomers = [make_user(Role.STUDENT) for _ in range(10)]
    token = {
        user.id: token_pair_issue(username=user.username, password=PASSWORD).access for user in enrolled + newcomers
    }
    base = f"{http_server.url}/api/v1/sections/{section.id}/enrollments/"
    for user in enrolled:
        assert requests.post(base, json={}, headers={"Authorization": f"Bearer {token[user.id]}"}, timeout=30).ok

    # When half the enrolled drop while the newcomers enroll, all at once
    def act(item):
        kind, user = item
        headers = {"Authorization": f"Bearer {token[user.id]}"}
        if kind == "drop":
            return kind, requests.delete(f"{base}me/", headers=headers, timeout=60).status_code
        return kind, requests.post(base, json={}, headers=headers, timeout=60).status_code

    results = at_once([("drop", user) for user in enrolled[:5]] + [("enroll", user) for user in newcomers], act)

    # Then every drop and every enroll succeeded; the freed seats went to newcomers
    # (straight away or from the waitlist), and the rest of them wait in line
    assert [status for kind, status in results if kind == "drop"] == [204] * 5
    assert [status for kind, status in results if kind == "enroll"] == [201] * 10
    counter = int(Section.get(section.id, consistent_read=True).enrolled)
    assert counter == _enrolled_rows(section.id) == 10
    seated = {
        row.student_id
        for row in Enrollment.query(section.id, consistent_read=True)
        if row.status == EnrollmentStatus.ENROLLED
    }
    waiting = {place.student_id for place in waitlist_places(section_id=section.id)}
    newcomer_ids = {user.id for user in newcomers}
    assert len(waiting) == 5 and waiting <= newcomer_ids
    assert seated & waiting == set()
    assert seated | waiting == newcomer_ids | {user.id for user in enrolled[5:]}
    assert_consistent(section.term)
