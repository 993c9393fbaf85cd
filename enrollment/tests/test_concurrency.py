"""Registration day in miniature: many students at once, through a real HTTP server.

The seats are decided by DynamoDB's transaction conditions, so however the requests
interleave, a section never takes more students than it has seats and its counter
always equals its enrolled rows.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from accounts.roles import Role
from accounts.services import token_pair_issue
from conftest import PASSWORD
from enrollment.data import EnrollmentStatus
from enrollment.models import Enrollment, Section

STUDENTS = 100
SEATS = 30


def _enrolled_rows(section_id: str) -> int:
    return sum(
        1
        for _ in Enrollment.roster.query(
            section_id,
            range_key_condition=Enrollment.roster_key.startswith(f"{EnrollmentStatus.ENROLLED}#"),
            consistent_read=True,
        )
    )


def _at_once(requests_to_send, send):
    """Send every request from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(requests_to_send))

    def go(item):
        barrier.wait()
        return send(item)

    with ThreadPoolExecutor(max_workers=len(requests_to_send)) as pool:
        return list(pool.map(go, requests_to_send))


def test_one_hundred_students_race_for_thirty_seats(http_server, make_user, make_section):
    # Given a 30-seat section and 100 students with tokens
    section = make_section(capacity=SEATS)
    tokens = [
        token_pair_issue(username=make_user(Role.STUDENT).username, password=PASSWORD).access for _ in range(STUDENTS)
    ]
    url = f"{http_server.url}/api/v1/sections/{section.id}/enrollments/"

    # When they all enroll at the same moment, each from its own connection
    def enroll(token: str) -> tuple[int, dict]:
        response = requests.post(url, json={}, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        return response.status_code, response.json()

    results = _at_once(tokens, enroll)

    # Then exactly 30 got a seat, the other 70 were told the section is full, none failed
    statuses = [status for status, _ in results]
    assert statuses.count(201) == SEATS, statuses
    assert statuses.count(409) == STUDENTS - SEATS, statuses
    assert {body["code"] for status, body in results if status == 409} == {"section_full"}
    # And the counter equals the enrolled rows
    assert int(Section.get(section.id, consistent_read=True).enrolled) == SEATS
    assert _enrolled_rows(section.id) == SEATS


def test_concurrent_drops_and_enrolls_keep_the_counter_equal_to_the_rows(http_server, make_user, make_section):
    # Given a full 10-seat section and 10 more students waiting to pounce
    section = make_section(capacity=10)
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

    results = _at_once([("drop", user) for user in enrolled[:5]] + [("enroll", user) for user in newcomers], act)

    # Then every drop succeeded, no more newcomers got in than seats were freed, and
    # the counter equals the enrolled rows
    assert [status for kind, status in results if kind == "drop"] == [204] * 5
    enroll_statuses = [status for kind, status in results if kind == "enroll"]
    assert set(enroll_statuses) <= {201, 409}
    counter = int(Section.get(section.id, consistent_read=True).enrolled)
    assert counter == 5 + enroll_statuses.count(201) <= 10
    assert _enrolled_rows(section.id) == counter
