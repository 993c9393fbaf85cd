"""What the HTTP tests of enrollment share: problem-document checks, link following,
and names (departments, terms) that no other test uses.

DynamoDB tables live for the whole run while the Django database is rolled back after
each test, so a test that lists by department or term names its own.
"""

import itertools
import string
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

COURSES = "/api/v1/courses/"
SECTIONS = "/api/v1/sections/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "code"}

_departments = itertools.count()
_years = itertools.count(7000)


def unique_department() -> str:
    """A department no other test uses ("VAAAAA", "VAAAAB", ...)."""
    n, letters = next(_departments), ""
    for _ in range(5):
        n, digit = divmod(n, 26)
        letters = string.ascii_uppercase[digit] + letters
    return f"V{letters}"


def unique_term() -> str:
    """A term no other test uses."""
    return f"{next(_years)}FA"


def at_once(items, send):
    """Call ``send`` on every item from its own thread, released together by a barrier:
    as many requests in flight at the same moment as there are items."""
    barrier = threading.Barrier(len(items))

    def go(item):
        barrier.wait()
        return send(item)

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(go, items))


def section_url(section_id: str) -> str:
    return f"{SECTIONS}{section_id}/"


def enrollments_url(section_id: str) -> str:
    return f"{SECTIONS}{section_id}/enrollments/"


def enrollment_url(section_id: str, student_id: str) -> str:
    return f"{SECTIONS}{section_id}/enrollments/{student_id}/"


def waitlist_url(section_id: str) -> str:
    return f"{SECTIONS}{section_id}/waitlist/"


def place_url(section_id: str, student_id: str) -> str:
    return f"{SECTIONS}{section_id}/waitlist/{student_id}/"


def student_url(student_id: str) -> str:
    return f"/api/v1/students/{student_id}/enrollments/"


def roster(client, section_id: str, status: str = "enrolled") -> list[dict]:
    """A section's roster items (enrolled, or dropped), as ``client`` reads them."""
    response = client.get(enrollments_url(section_id), {"status": status, "page_size": 100})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def roster_ids(client, section_id: str, status: str = "enrolled") -> list[str]:
    return [item["student_id"] for item in roster(client, section_id, status)]


def listed_sections(client, student_id: str, section_ids) -> list[dict]:
    """The items of ``student_id``'s enrollments list that are about ``section_ids``, every page read."""
    pages = follow(client, f"{student_url(student_id)}?page_size=100", "next")
    return [item for page in pages for item in page["results"] if item["section_id"] in set(section_ids)]


def is_utc_timestamp(value) -> bool:
    """An RFC 3339 UTC timestamp, as API.md's conventions ask."""
    return isinstance(value, str) and value.endswith("Z") and datetime.fromisoformat(value).utcoffset() == timedelta(0)


def assert_problem(response, status: int, code: str, *, field: str | None = None) -> dict:
    """``response`` is an RFC 9457 problem document with ``status`` and ``code`` (and errors on ``field``)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert PROBLEM_MEMBERS <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["instance"] == response.request["PATH_INFO"]
    if field is not None:
        assert field in body["errors"], body
    return body


def follow(client, url: str, link: str) -> list[dict]:
    """The pages met following ``link`` ("next" or "previous") from ``url`` until it is null."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1][link]
        assert len(pages) < 50, "the links never end"
    return pages


def cursor_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["cursor"][0]


def tampered(cursor: str) -> str:
    """``cursor`` with one character of its signed payload changed."""
    position = len(cursor) // 3
    replacement = "A" if cursor[position] != "A" else "B"
    return cursor[:position] + replacement + cursor[position + 1 :]
