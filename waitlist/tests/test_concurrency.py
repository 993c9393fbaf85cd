"""Waitlists under a crowd, through a real HTTP server: places are decided by Redis
scripts and seats by DynamoDB transactions, so however the requests interleave, a
waitlist never holds more than its capacity, a student never holds more than three
places, and freed seats go to the head of the line in order.

Each request runs on its own thread of the server; the client threads are released
together by a barrier.
"""

import pytest

from accounts.roles import Role
from enrollment.tests.http import SECTIONS, at_once, enrollments_url
from waitlist.tests.http import join, line_of, sender

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def as_user(http_server):
    """Send a request to the live server with a user's access token: ``as_user(user)(method, path, json=...)``."""
    return lambda user: sender(http_server.url, user)


def test_forty_students_race_for_fifteen_waitlist_places(
    as_user, make_user, instructor, new_section, assert_consistent
):
    # Given a full one-seat section with a 15-place waitlist, and 40 students with tokens
    section = new_section(capacity=1, waitlist_capacity=15)
    assert join(as_user(make_user(Role.STUDENT)), section.id)["status"] == "enrolled"
    senders = [as_user(make_user(Role.STUDENT)) for _ in range(40)]

    # When they all enroll at the same moment
    results = at_once(senders, lambda send: send("POST", enrollments_url(section.id), json={}))

    # Then exactly 15 got a place, at positions 1 to 15, and 25 were told the waitlist is full
    waitlisted = [r.json() for r in results if r.status_code == 201]
    refused = [r.json() for r in results if r.status_code != 201]
    assert len(waitlisted) == 15, [r.status_code for r in results]
    assert {body["status"] for body in waitlisted} == {"waitlisted"}
    assert sorted(body["position"] for body in waitlisted) == list(range(1, 16))
    assert len(refused) == 25
    assert {(body["status"], body["code"]) for body in refused} == {(409, "waitlist_full")}
    # And the instructor's view holds exactly those 15, each at the position they were told
    line = line_of(as_user(instructor), section.id)
    assert sorted(line, key=lambda entry: entry[1]) == sorted(
        ((body["student_id"], body["position"]) for body in waitlisted), key=lambda entry: entry[1]
    )
    assert [position for _, position in line] == list(range(1, 16))
    assert_consistent(section.term)


def test_one_student_joining_five_waitlists_at_once_gets_three(as_user, make_user, new_section, assert_consistent):
    # Given five full sections and a student on no waitlist yet
    sections = [new_section(capacity=1) for _ in range(5)]
    seated = as_user(make_user(Role.STUDENT))
    for section in sections:
        assert join(seated, section.id)["status"] == "enrolled"
    send = as_user(make_user(Role.STUDENT))

    # When the student enrolls in all five at the same moment
    results = at_once(sections, lambda section: (section.id, send("POST", enrollments_url(section.id), json={})))

    # Then exactly three joined (each first in line) and two were refused for the limit
    joined = sorted(section_id for section_id, r in results if r.status_code == 201)
    refused = [r.json() for _, r in results if r.status_code != 201]
    assert len(joined) == 3, [(r.status_code, r.content) for _, r in results]
    assert all(r.json()["status"] == "waitlisted" and r.json()["position"] == 1 for _, r in results if r.ok)
    assert [(body["status"], body["code"]) for body in refused] == [(409, "waitlist_limit_reached")] * 2
    # And their enrollments list shows exactly those three places
    response = send("GET", "/api/v1/students/me/enrollments/", params={"page_size": 100})
    assert response.status_code == 200
    listed = [item for item in response.json()["results"] if item["section_id"] in {s.id for s in sections}]
    assert sorted((item["section_id"], item["status"]) for item in listed) == [(sid, "waitlisted") for sid in joined]
    for section in sections:
        assert_consistent(section.term)


def test_concurrent_drops_enroll_the_head_of_the_line_in_join_order(
    as_user, make_user, registrar, new_section, assert_consistent
):
    # Given a full five-seat section with eight students waiting, who joined one after another
    section = new_section(capacity=5)
    seated = [make_user(Role.STUDENT) for _ in range(5)]
    waiting = [make_user(Role.STUDENT) for _ in range(8)]
    for student in seated:
        assert join(as_user(student), section.id)["status"] == "enrolled"
    for position, student in enumerate(waiting, start=1):
        assert join(as_user(student), section.id)["position"] == position
    droppers = [as_user(student) for student in seated]

    # When all five enrolled students drop at the same moment
    results = at_once(droppers, lambda send: send("DELETE", f"{enrollments_url(section.id)}me/"))

    # Then the first five in line hold the seats, in line order, and the other three
    # wait at positions 1 to 3
    assert [r.status_code for r in results] == [204] * 5
    staff = as_user(registrar)
    roster = staff("GET", enrollments_url(section.id), params={"page_size": 100}).json()["results"]
    assert [item["student_id"] for item in roster] == [student.id for student in waiting[:5]]
    assert line_of(staff, section.id) == [(student.id, position) for position, student in enumerate(waiting[5:], 1)]
    body = staff("GET", f"{SECTIONS}{section.id}/").json()
    assert (body["enrolled"], body["seats_left"], body["waitlisted"]) == (5, 0, 3)
    assert_consistent(section.term)
