"""Requests to a live server over real HTTP, as a signed-in user: what the race tests
share, whether the server is the suite's own thread or a gunicorn process."""

from collections.abc import Callable

import requests

from accounts.services import token_pair_issue
from conftest import PASSWORD
from enrollment.tests.http import enrollments_url, waitlist_url

Send = Callable[..., requests.Response]


def sender(base_url: str, user) -> Send:
    """``send(method, path, **kwargs)`` to ``base_url`` with ``user``'s access token."""
    token = token_pair_issue(username=user.username, password=PASSWORD).access

    def send(method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, f"{base_url}{path}", headers=headers, timeout=60, **kwargs)

    return send


def join(send: Send, section_id: str) -> dict:
    """Enroll, and insist it was accepted (a seat or a place in line)."""
    response = send("POST", enrollments_url(section_id), json={})
    assert response.status_code == 201, response.content
    return response.json()


def line_of(send: Send, section_id: str) -> list[tuple[str, int]]:
    """The section's waitlist as (student id, position), in order (staff only)."""
    response = send("GET", waitlist_url(section_id), params={"page_size": 100})
    assert response.status_code == 200, response.content
    return [(item["student_id"], item["position"]) for item in response.json()["results"]]
