"""A burst: 300 mixed requests at the same moment, by many students against four small
sections, over real HTTP against a live threaded server (one thread per request).

Enrolls, drops, swaps (with and without waiting), leaving a waitlist, reading one's
place, and instructors reading rosters, all interleaved however the threads fall. Each
gets an answer the API defines (2xx, or a 4xx problem document), never a 5xx, and
afterwards the stores agree with each other and with the rules: no section over its
seats or its waitlist, nobody both seated and waiting, and ``check_integrity`` finds
nothing.
"""

import random
import threading
import time
from collections import Counter

import requests

from accounts.roles import Role
from accounts.services import token_pair_issue
from conftest import PASSWORD
from enrollment import services
from enrollment.data import EnrollmentStatus
from enrollment.meetings import Meeting
from enrollment.models import Enrollment, Section
from enrollment.services import enrollments
from enrollment.tests.http import (
    PROBLEM_CONTENT_TYPE,
    at_once,
    enrollment_url,
    enrollments_url,
    place_url,
    unique_department,
    unique_term,
)
from waitlist.api import waitlist_places

REQUESTS = 300
STUDENTS = 40
SEATS = 5
WAITLIST = 5
# A and B meet at the same time, so enrolling in both (or swapping or waiting across
# them) runs into the time-conflict rule, and so can a promotion.
MEETINGS = {
    "A": [Meeting(days="MW", start="10:00", end="11:15")],
    "B": [Meeting(days="MW", start="10:30", end="11:45")],
    "C": [Meeting(days="TR", start="09:00", end="10:15")],
    "D": [],
}
MIX = {"enroll": 25, "drop": 10, "swap": 20, "leave": 15, "position": 15, "roster": 15}


def test_three_hundred_mixed_requests_at_once_leave_the_stores_consistent(
    http_server, make_user, make_course, make_section, instructor, assert_consistent
):
    # Given four small sections (5 seats, 5 places in line each) of one term, each full
    # with two students waiting, and 40 students with tokens
    term, department = unique_term(), unique_department()
    sections = {
        name: make_section(
            course_id=make_course(department=department, number=str(number)).id,
            term=term,
            number="01",
            capacity=SEATS,
            waitlist_capacity=WAITLIST,
            meetings=meetings,
        ).id
        for number, (name, meetings) in enumerate(MEETINGS.items(), start=1)
    }
    students = [make_user(Role.STUDENT) for _ in range(STUDENTS)]
    tokens = {user.id: token_pair_issue(username=user.username, password=PASSWORD).access for user in students}
    tokens[instructor.id] = token_pair_issue(username=instructor.username, password=PASSWORD).access

    def send(user_id: str, method: str, path: str, body: dict | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {tokens[user_id]}"}
        return requests.request(method, f"{http_server.url}{path}", json=body, headers=headers, timeout=60)

    # Seated in A and C, or in B and D (never A and B together); then two in each line
    seated: dict[str, list[str]] = {section_id: [] for section_id in sections.values()}
    waiting: dict[str, list[str]] = {section_id: [] for section_id in sections.values()}
    for index, user in enumerate(students[: 2 * SEATS]):
        for name in ("A", "C") if index < SEATS else ("B", "D"):
            response = send(user.id, "POST", enrollments_url(sections[name]), {})
            assert response.status_code == 201 and response.json()["status"] == "enrolled", response.content
            seated[sections[name]].append(user.id)
    for index, name in enumerate(MEETINGS):
        for user in students[2 * SEATS + 2 * index : 2 * SEATS + 2 * index + 2]:
            response = send(user.id, "POST", enrollments_url(sections[name]), {})
            assert response.status_code == 201 and response.json()["status"] == "waitlisted", response.content
            waiting[sections[name]].append(user.id)

    # When 300 requests of every kind arrive at the same moment, from their own connections
    rng = random.Random(18)
    section_ids = list(sections.values())
    student_ids = [user.id for user in students]

    def someone(section_id: str, among: dict[str, list[str]]) -> str:
        """Mostly someone the request makes sense for, sometimes anyone."""
        return rng.choice(among[section_id]) if among[section_id] and rng.random() < 0.8 else rng.choice(student_ids)

    plan: list[tuple[str, str, str, str, dict | None]] = []
    for kind in rng.choices(list(MIX), weights=list(MIX.values()), k=REQUESTS):
        section_id = rng.choice(section_ids)
        if kind == "enroll":
            plan.append((kind, rng.choice(student_ids), "POST", enrollments_url(section_id), {}))
        elif kind == "drop":
            plan.append((kind, someone(section_id, seated), "DELETE", enrollment_url(section_id, "me"), None))
        elif kind == "swap":
            target = rng.choice([other for other in section_ids if other != section_id])
            body = {"drop_section_id": section_id, "enroll_section_id": target, "waitlist": rng.random() < 0.5}
            plan.append((kind, someone(section_id, seated), "POST", "/api/v1/students/me/swaps/", body))
        elif kind == "leave":
            plan.append((kind, someone(section_id, waiting), "DELETE", place_url(section_id, "me"), None))
        elif kind == "position":
            plan.append((kind, someone(section_id, waiting), "GET", place_url(section_id, "me"), None))
        else:
            plan.append((kind, instructor.id, "GET", f"{enrollments_url(section_id)}?page_size=100", None))

    def run(step):
        kind, user_id, method, path, body = step
        response = send(user_id, method, path, body)
        return kind, response.status_code, response.headers.get("Content-Type", ""), response.content

    # (meanwhile, the sections' counters are read over and over: never above the seats)
    seen: list[int] = []
    burst_over = threading.Event()

    def watch() -> None:
        while not burst_over.is_set():
            seen.extend(int(Section.get(section_id, consistent_read=True).enrolled) for section_id in section_ids)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        results = at_once(plan, run)
    finally:
        elapsed = time.monotonic() - started
        burst_over.set()
        watcher.join()

    # Then no request failed: each got a success or a 4xx problem document
    statuses = Counter(status for _, status, _, _ in results)
    failures = [(kind, status, content[:300]) for kind, status, _, content in results if status >= 500]
    assert failures == [], f"{len(failures)} of {REQUESTS} failed in {elapsed:.1f}s: {failures[:5]}"
    assert all(content_type.startswith(PROBLEM_CONTENT_TYPE) for _, status, content_type, _ in results if status >= 400)
    by_kind = Counter((kind, status) for kind, status, _, _ in results)
    assert sum(count for (kind, status), count in by_kind.items() if status < 300) > REQUESTS // 4, by_kind  # work done
    print(f"\n{REQUESTS} requests in {elapsed:.1f}s: {dict(sorted(statuses.items()))}; {dict(sorted(by_kind.items()))}")
    print(f"counters read {len(seen)} times during the burst, at most {max(seen, default=0)}")

    assert seen and max(seen) <= SEATS, max(seen)
    # And every section holds at most its seats, its counter equals its rows, its line at
    # most its places, and nobody is both seated in and waiting for the same section
    for section_id in section_ids:
        section = Section.get(section_id, consistent_read=True)
        rows = {
            row.student_id
            for row in Enrollment.query(section_id, consistent_read=True)
            if row.status == EnrollmentStatus.ENROLLED
        }
        line = [place.student_id for place in waitlist_places(section_id=section_id)]
        assert int(section.enrolled) == len(rows) <= SEATS, (section_id, int(section.enrolled), rows)
        assert len(line) == len(set(line)) <= WAITLIST, (section_id, line)
        assert not rows & set(line), (section_id, rows, line)
    # And the integrity check finds nothing in the term
    assert_consistent(term)


# --- what the burst found --------------------------------------------------------
#
# A student seated in a section and waiting for it at once (check_integrity's
# "enrolled_and_waiting"), after a burst in the full suite: a request of theirs that had
# read them without the seat joined the line after the seat was taken. The two orders,
# made to happen one step at a time:


def test_a_student_promoted_while_their_own_enroll_joins_the_line_is_not_left_in_it(
    make_user, new_section, enroll, client_for, monkeypatch, assert_consistent
):
    # Given a full one-seat section and a student waiting first in line
    section = new_section(capacity=1, waitlist_capacity=5)
    holder, waiter = make_user(Role.STUDENT), make_user(Role.STUDENT)
    enroll(holder, section.id)
    assert enroll(waiter, section.id)["status"] == "waitlisted"
    # (between the read of the waiting student's enroll and its join, the holder drops,
    # which promotes them: the line no longer holds them when the join runs)
    real_join = enrollments.waitlist_join

    def join_after_the_drop(**arguments):
        monkeypatch.setattr(enrollments, "waitlist_join", real_join)
        assert client_for(holder).delete(enrollment_url(section.id, "me")).status_code == 204
        return real_join(**arguments)

    monkeypatch.setattr(enrollments, "waitlist_join", join_after_the_drop)

    # When the waiting student enrolls again
    response = client_for(waiter).post(enrollments_url(section.id), {}, format="json")

    # Then they are told they hold the seat, and the line does not hold them
    assert response.status_code == 409 and response.json()["code"] == "already_enrolled", response.content
    assert waitlist_places(section_id=section.id) == []
    assert_consistent(section.term)


def test_a_student_seated_after_their_own_enroll_joined_the_line_leaves_it(
    make_user, new_section, enroll, client_for, monkeypatch, assert_consistent
):
    # Given a two-seat section with one free seat, frozen (so a freed seat stays free)
    section = new_section(capacity=2, waitlist_capacity=5)
    seated, passing, student = (make_user(Role.STUDENT) for _ in range(3))
    enroll(seated, section.id)
    services.section_update(section_id=section.id, auto_enrollment_frozen=True)
    # (between the read of the student's enroll, which saw the free seat, and its seat's
    # transaction: another student takes that seat, the student's second enroll finds the
    # section full and joins the line, and the other student drops again)
    real_transact = enrollments._transact

    def meanwhile(write):
        monkeypatch.setattr(enrollments, "_transact", real_transact)
        assert enroll(passing, section.id)["status"] == "enrolled"
        assert enroll(student, section.id)["status"] == "waitlisted"
        assert client_for(passing).delete(enrollment_url(section.id, "me")).status_code == 204
        return real_transact(write)

    monkeypatch.setattr(enrollments, "_transact", meanwhile)

    # When the student's first enroll takes the seat
    response = client_for(student).post(enrollments_url(section.id), {}, format="json")

    # Then they are seated, and off the line their second enroll had put them on
    assert response.status_code == 201 and response.json()["status"] == "enrolled", response.content
    assert waitlist_places(section_id=section.id) == []
    services.section_update(section_id=section.id, auto_enrollment_frozen=False)
    assert_consistent(section.term)
