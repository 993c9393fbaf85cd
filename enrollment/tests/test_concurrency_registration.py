"""The registration calendar under concurrent requests, through a real HTTP server:
a term's settings are created once however many PUTs race, and a student's holds never
pass the cap however many POSTs race (the first of them creating the student's item)."""

import requests

from accounts.roles import Role
from accounts.services import token_pair_issue
from conftest import PASSWORD
from enrollment.services import MAX_HOLDS
from enrollment.tests.http import at_once, unique_term


def test_racing_puts_of_a_new_term_create_it_exactly_once(http_server, make_user):
    token = token_pair_issue(username=make_user(Role.REGISTRAR).username, password=PASSWORD).access
    url = f"{http_server.url}/api/v1/terms/{unique_term()}/"
    bodies = [
        {
            "registration_opens_at": "2030-01-10T08:00:00Z",
            "registration_closes_at": "2030-01-20T08:00:00Z",
            "max_credits": credits,
        }
        for credits in range(10, 20)
    ]

    def put(body: dict) -> int:
        return requests.put(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60).status_code

    statuses = at_once(bodies, put)

    assert sorted(statuses) == [200] * 9 + [201]


def test_racing_holds_stop_at_the_cap(http_server, make_user):
    token = token_pair_issue(username=make_user(Role.REGISTRAR).username, password=PASSWORD).access
    student = make_user(Role.STUDENT)
    url = f"{http_server.url}/api/v1/students/{student.id}/holds/"
    headers = {"Authorization": f"Bearer {token}"}

    def place(n: int) -> int:
        return requests.post(url, json={"kind": "other", "reason": f"#{n}"}, headers=headers, timeout=60).status_code

    statuses = at_once(list(range(MAX_HOLDS + 5)), place)

    assert sorted(statuses) == [201] * MAX_HOLDS + [409] * 5
    listed = requests.get(f"{url}?page_size=100", headers=headers, timeout=60).json()["results"]
    assert len(listed) == MAX_HOLDS
