"""Hand-written bad input, over real HTTP: what a schema-driven fuzzer rarely builds.

Oversized and deeply nested bodies, bytes that are not UTF-8, missing and wrong content
types, page sizes and cursors no client should send, ids carrying the separators and
special characters of the stores behind them (DynamoDB keys are ``{term}-{course}-{n}``
and ``#``-joined; Redis keys are ``:``-joined, with ``*``/``?``/``[`` patterns), and
absurd capacities, credits, meeting times and ticket lists.

Each case must be answered with a 4xx problem document and must change nothing: the
registrar's view of the catalog, the term, the rosters, the waitlist and the students'
records is read before and after every case and must be the same.
"""

import json
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from accounts.roles import Role
from accounts.services import token_pair_issue
from conftest import PASSWORD
from enrollment.tests.http import PROBLEM_CONTENT_TYPE, PROBLEM_MEMBERS, unique_department, unique_term

ONE_MEETING = {"days": "MWF", "start": "09:00", "end": "09:50"}
DEEP = b"[" * 50_000
DEEP_OBJECT = b'{"a":' * 50_000


@dataclass
class World:
    """A small registration day: a course, a section with a seat taken and a waitlist,
    a second section, a term with a window and a hold on one student."""

    url: str
    term: str
    course: str
    section: str
    other_section: str
    seated: Any  # a student with a seat in ``section``
    waiting: Any  # a student on ``section``'s waitlist
    instructor: Any
    registrar: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(self, who: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**(self.headers(who) if who else {}), **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)

    def state(self) -> dict[str, Any]:
        """Everything the cases could change, as the registrar reads it."""
        reads = [
            f"/api/v1/courses/{self.course}/",
            f"/api/v1/sections/{self.section}/",
            f"/api/v1/sections/{self.other_section}/",
            f"/api/v1/sections/?term={self.term}",
            f"/api/v1/sections/{self.section}/enrollments/?status=enrolled",
            f"/api/v1/sections/{self.section}/enrollments/?status=dropped",
            f"/api/v1/sections/{self.section}/waitlist/",
            f"/api/v1/terms/{self.term}/",
        ]
        for student in (self.seated, self.waiting):
            reads += [
                f"/api/v1/students/{student.id}/enrollments/",
                f"/api/v1/students/{student.id}/holds/",
                f"/api/v1/students/{student.id}/terms/{self.term}/",
                f"/api/v1/students/{student.id}/swaps/",
            ]
        state = {}
        for path in reads:
            response = self.call("registrar", "GET", path)
            assert response.status_code == 200, (path, response.content)
            body = response.json()
            if isinstance(body, dict):
                body.pop("can_register_now", None)  # the clock's, not the data's
            state[path] = body
        return state


@pytest.fixture
def world(http_server, make_user, make_course, make_section, registrar, instructor):
    term = unique_term()
    now = datetime.now(UTC)
    world_registrar = registrar
    tokens: dict[str, str] = {}
    seated, waiting, other = make_user(Role.STUDENT), make_user(Role.STUDENT), make_user(Role.STUDENT)
    for name, user in {
        "seated": seated,
        "waiting": waiting,
        "student": other,
        "instructor": instructor,
        "registrar": registrar,
    }.items():
        tokens[name] = token_pair_issue(username=user.username, password=PASSWORD).access
    course = make_course(department=unique_department(), number="1", credits=3)
    section = make_section(course_id=course.id, term=term, number="01", capacity=1)
    other_section = make_section(course_id=course.id, term=term, number="02", capacity=5)
    world = World(
        url=http_server.url,
        term=term,
        course=course.id,
        section=section.id,
        other_section=other_section.id,
        seated=seated,
        waiting=waiting,
        instructor=instructor,
        registrar=world_registrar,
        tokens=tokens,
    )
    window = {
        "registration_opens_at": (now - timedelta(days=1)).isoformat(),
        "registration_closes_at": (now + timedelta(days=7)).isoformat(),
    }
    assert world.call("registrar", "PUT", f"/api/v1/terms/{term}/", json=window).status_code == 201
    meetings = {"meetings": [ONE_MEETING]}
    assert world.call("registrar", "PATCH", f"/api/v1/sections/{section.id}/", json=meetings).status_code == 200
    assert world.call("seated", "POST", f"/api/v1/sections/{section.id}/enrollments/", json={}).status_code == 201
    joined = world.call("waiting", "POST", f"/api/v1/sections/{section.id}/enrollments/", json={})
    assert joined.status_code == 201 and joined.json()["status"] == "waitlisted", joined.content
    hold = {"kind": "advising", "reason": "See your advisor."}
    assert world.call("registrar", "POST", f"/api/v1/students/{other.id}/holds/", json=hold).status_code == 201
    return world


@dataclass(frozen=True)
class Case:
    """``who`` sends ``method path`` with ``body`` (raw bytes, or JSON when not bytes)."""

    name: str
    who: str
    method: str
    path: str
    body: Any = None
    _: KW_ONLY
    content_type: str | None = "application/json"
    statuses: tuple[int, ...] = (400,)

    def send(self, world: World) -> requests.Response:
        names = {
            "{term}": world.term,
            "{course}": world.course,
            "{section}": world.section,
            "{other}": world.other_section,
            "{seated}": str(world.seated.id),
            "{waiting}": str(world.waiting.id),
        }

        def fill(value: Any) -> Any:
            if isinstance(value, str):
                for name, actual in names.items():
                    value = value.replace(name, actual)
                return value
            if isinstance(value, list):
                return [fill(item) for item in value]
            if isinstance(value, dict):
                return {key: fill(item) for key, item in value.items()}
            return value

        headers = {"Content-Type": self.content_type} if self.content_type else {}
        if self.body is None:
            data = None
        elif isinstance(self.body, bytes):
            data = self.body
        else:
            data = json.dumps(fill(self.body)).encode()
        return world.call(self.who, self.method, fill(self.path), data=data, headers=headers)


SECTIONS = "/api/v1/sections/"
ENROLL = "/api/v1/sections/{section}/enrollments/"
TICKETS = "/api/v1/terms/{term}/time-tickets/"


def _section(**fields) -> dict[str, Any]:
    return {"course_id": "{course}", "term": "2026FA", "number": "77", "instructor_id": "1", "capacity": 5, **fields}


def _ticket(student_id: Any = "1", opens_at: Any = "2026-12-01T09:00:00Z") -> dict[str, Any]:
    return {"student_id": student_id, "opens_at": opens_at}


# Ids that carry the stores' separators and special characters, or are not ids at all (ZZZZ-999
# is a course no test makes: a percent-encoded slash routes one level deeper).
ODD_SECTION_IDS = [
    "2026FA-X-1-01#enrolled",  # the sort key's separator
    "2026FA:*",  # a Redis key separator and glob
    "2026FA-[a-z]-?",  # Redis glob classes
    "{2026FA}-ZZZZ-999-99",  # a Redis Cluster hash tag
    "2026FA-ZZZZ-999-99%00",  # a NUL
    "2026FA-ZZZZ-999-99 ",  # trailing space
    "2026FA-%C3%89COLE-1-01",  # non-ASCII
    "2026FA-ZZZZ-999-99%2Fenrollments",  # a percent-encoded slash
    "%2E%2E",  # ..
    "2026FA-" + "C" * 5_000 + "-1-01",  # far past DynamoDB's key size
]
ODD_STUDENT_IDS = ["99999999999999999999", "-1", "0x10", "1.0", "me:1", "*", "1%00", "%E2%91%A0"]

CASES = [
    # Bodies no JSON parser should have to carry.
    Case("deep array", "seated", "POST", ENROLL, DEEP),
    Case("deep object", "registrar", "POST", SECTIONS, DEEP_OBJECT),
    Case("deep tickets", "registrar", "PUT", TICKETS, DEEP),
    Case("deep graphql", "seated", "POST", "/graphql/", DEEP),
    Case("oversized body", "registrar", "POST", SECTIONS, b'{"x": "' + b"a" * 3_000_000 + b'"}', statuses=(413,)),
    Case("oversized tickets", "registrar", "PUT", TICKETS, {"tickets": [_ticket()] * 40_000}, statuses=(400, 413)),
    Case("not UTF-8", "registrar", "PATCH", "/api/v1/courses/{course}/", b'{"title": "\xff\xfe\xfa"}'),
    Case("UTF-16", "registrar", "PATCH", "/api/v1/courses/{course}/", '{"title": "x"}'.encode("utf-16")),
    Case("lone surrogate", "registrar", "PATCH", "/api/v1/courses/{course}/", b'{"title": "\\ud800"}'),
    Case("NaN", "registrar", "PATCH", "/api/v1/sections/{section}/", b'{"capacity": NaN}'),
    Case("Infinity", "registrar", "PATCH", "/api/v1/sections/{section}/", b'{"capacity": Infinity}'),
    Case("trailing garbage", "seated", "POST", ENROLL, b"{} {}"),
    Case("empty JSON body", "registrar", "POST", SECTIONS, b""),
    Case("not JSON graphql", "seated", "POST", "/graphql/", b"query { me { id } }"),
    Case("string graphql", "seated", "POST", "/graphql/", "AAA"),
    Case("list graphql", "seated", "POST", "/graphql/", [{"query": "{ me { id } }"}]),
    Case("number graphql", "seated", "POST", "/graphql/", 7),
    Case("null graphql", "seated", "POST", "/graphql/", None, content_type="application/json"),
    Case("graphql variables a list", "seated", "POST", "/graphql/", {"query": "{ me { id } }", "variables": [1]}),
    Case("graphql query a number", "seated", "POST", "/graphql/", {"query": 5}),
    # Content types.
    Case(
        "form body",
        "registrar",
        "POST",
        SECTIONS,
        b"capacity=5",
        content_type="application/x-www-form-urlencoded",
        statuses=(415,),
    ),
    Case("text body", "seated", "POST", ENROLL, b"{}", content_type="text/plain", statuses=(415,)),
    Case("XML body", "registrar", "PUT", TICKETS, b"<tickets/>", content_type="application/xml", statuses=(415,)),
    Case(
        "multipart body",
        "registrar",
        "POST",
        SECTIONS,
        b"--x--",
        content_type="multipart/form-data; boundary=x",
        statuses=(415,),
    ),
    Case(
        "no content type",
        "registrar",
        "POST",
        SECTIONS,
        json.dumps(_section()).encode(),
        content_type=None,
        statuses=(415,),
    ),
    Case(
        "no content type, enroll",
        "seated",
        "POST",
        "/api/v1/sections/{other}/enrollments/",
        b"{}",
        content_type=None,
        statuses=(415,),
    ),
    Case(
        "bad charset",
        "registrar",
        "POST",
        SECTIONS,
        b"{}",
        content_type="application/json; charset=klingon",
        statuses=(400, 415),
    ),
    # Lists: page sizes and cursors.
    Case("page size zero", "registrar", "GET", SECTIONS + "?page_size=0"),
    Case("page size negative", "registrar", "GET", SECTIONS + "?page_size=-5"),
    Case("page size a float", "registrar", "GET", SECTIONS + "?page_size=1e9"),
    Case("page size a word", "registrar", "GET", SECTIONS + "?page_size=all"),
    Case("page size huge", "registrar", "GET", SECTIONS + "?page_size=" + "9" * 400),
    Case("cursor garbage", "registrar", "GET", SECTIONS + "?cursor=garbage"),
    Case("cursor huge", "registrar", "GET", SECTIONS + "?cursor=" + "A" * 20_000),
    Case("cursor unsigned", "registrar", "GET", SECTIONS + "?cursor=eyJzIjoieCJ9:1:abc"),
    Case("roster cursor", "registrar", "GET", ENROLL + "?cursor=..%2F..%2F"),
    Case("status filter", "registrar", "GET", ENROLL + "?status=everything"),
    Case("open filter", "registrar", "GET", SECTIONS + "?open=maybe"),
    Case("term filter", "registrar", "GET", SECTIONS + "?term=2026XX"),
    Case("instructor filter", "registrar", "GET", SECTIONS + "?instructor=*"),
    # Absurd catalog values.
    Case("capacity negative", "registrar", "POST", SECTIONS, _section(capacity=-1)),
    Case("capacity huge", "registrar", "POST", SECTIONS, _section(capacity=10**30)),
    Case("capacity float", "registrar", "POST", SECTIONS, _section(capacity=2.5)),
    Case("capacity bool", "registrar", "PATCH", "/api/v1/sections/{section}/", {"capacity": True}),
    Case("capacity null", "registrar", "PATCH", "/api/v1/sections/{section}/", {"capacity": None}),
    Case("capacity a list", "registrar", "PATCH", "/api/v1/sections/{section}/", {"capacity": [5]}),
    Case("waitlist capacity huge", "registrar", "PATCH", "/api/v1/sections/{section}/", {"waitlist_capacity": 10**9}),
    Case(
        "capacity below enrolled", "registrar", "PATCH", "/api/v1/sections/{section}/", {"capacity": 0}, statuses=(409,)
    ),
    Case("credits negative", "registrar", "PATCH", "/api/v1/courses/{course}/", {"credits": -3}),
    Case("credits huge", "registrar", "PATCH", "/api/v1/courses/{course}/", {"credits": 10**6}),
    Case("credits string", "registrar", "PATCH", "/api/v1/courses/{course}/", {"credits": "three"}),
    Case("title huge", "registrar", "PATCH", "/api/v1/courses/{course}/", {"title": "T" * 100_000}),
    Case(
        "department odd",
        "registrar",
        "POST",
        "/api/v1/courses/",
        {"department": "CP#SC", "number": "1", "title": "x", "credits": 3},
    ),
    Case(
        "course number odd",
        "registrar",
        "POST",
        "/api/v1/courses/",
        {"department": "CPSC", "number": "1:*", "title": "x", "credits": 3},
    ),
    Case("section number odd", "registrar", "POST", SECTIONS, _section(number="0#1")),
    Case("instructor unknown", "registrar", "POST", SECTIONS, _section(instructor_id="99999999999999999999")),
    Case("max credits negative", "registrar", "PATCH", "/api/v1/students/{seated}/terms/{term}/", {"max_credits": -1}),
    Case("max credits huge", "registrar", "PATCH", "/api/v1/students/{seated}/terms/{term}/", {"max_credits": 10**12}),
    # Meeting times.
    Case(
        "meeting hour 24",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "start": "24:00"}]},
    ),
    Case(
        "meeting minute 60",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "end": "09:60"}]},
    ),
    Case(
        "meeting backwards",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "start": "10:00"}]},
    ),
    Case(
        "meeting empty",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "end": "09:00"}]},
    ),
    Case(
        "meeting days odd",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "days": "MMX"}]},
    ),
    Case(
        "meeting days lower",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "days": "mwf"}]},
    ),
    Case(
        "meeting days none",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "days": ""}]},
    ),
    Case(
        "meeting time a number",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "start": 900}]},
    ),
    Case(
        "meeting 9:00",
        "registrar",
        "PATCH",
        "/api/v1/sections/{section}/",
        {"meetings": [{**ONE_MEETING, "start": "9:00"}]},
    ),
    Case(
        "a thousand meetings", "registrar", "PATCH", "/api/v1/sections/{section}/", {"meetings": [ONE_MEETING] * 1000}
    ),
    Case("meetings an object", "registrar", "PATCH", "/api/v1/sections/{section}/", {"meetings": ONE_MEETING}),
    # Terms and time tickets.
    Case(
        "term code odd",
        "registrar",
        "PUT",
        "/api/v1/terms/2026XX/",
        {"registration_opens_at": "2026-01-01T00:00:00Z", "registration_closes_at": "2026-02-01T00:00:00Z"},
        statuses=(400, 404),
    ),
    Case(
        "window backwards",
        "registrar",
        "PUT",
        "/api/v1/terms/{term}/",
        {"registration_opens_at": "2026-02-01T00:00:00Z", "registration_closes_at": "2026-01-01T00:00:00Z"},
    ),
    Case(
        "window date impossible",
        "registrar",
        "PUT",
        "/api/v1/terms/{term}/",
        {"registration_opens_at": "2026-13-45T99:00:00Z", "registration_closes_at": "2027-01-01T00:00:00Z"},
    ),
    Case(
        "window year 0",
        "registrar",
        "PUT",
        "/api/v1/terms/{term}/",
        {"registration_opens_at": "0000-01-01T00:00:00Z", "registration_closes_at": "9999-12-31T23:59:59Z"},
    ),
    Case("tickets too many", "registrar", "PUT", TICKETS, {"tickets": [_ticket(str(n)) for n in range(1001)]}),
    Case("tickets duplicate", "registrar", "PUT", TICKETS, {"tickets": [_ticket("{seated}"), _ticket("{seated}")]}),
    Case("tickets unknown student", "registrar", "PUT", TICKETS, {"tickets": [_ticket("99999999999999999999")]}),
    Case("tickets bad time", "registrar", "PUT", TICKETS, {"tickets": [_ticket(opens_at="soon")]}),
    Case("tickets not a list", "registrar", "PUT", TICKETS, {"tickets": "all"}),
    Case("tickets of strings", "registrar", "PUT", TICKETS, {"tickets": ["1", "2"]}),
    Case("tickets missing", "registrar", "PUT", TICKETS, {}),
    Case("ticket id odd", "registrar", "PUT", TICKETS, {"tickets": [_ticket("1#x")]}),
    # Holds, swaps, overrides, subscriptions.
    Case(
        "hold kind odd", "registrar", "POST", "/api/v1/students/{seated}/holds/", {"kind": "everything", "reason": "x"}
    ),
    Case(
        "hold reason huge",
        "registrar",
        "POST",
        "/api/v1/students/{seated}/holds/",
        {"kind": "other", "reason": "r" * 100_000},
    ),
    Case("hold id odd", "registrar", "DELETE", "/api/v1/students/{seated}/holds/hold_x:*/", None, statuses=(404,)),
    Case(
        "swap odd ids",
        "seated",
        "POST",
        "/api/v1/students/me/swaps/",
        {"drop_section_id": "a#b", "enroll_section_id": "*"},
    ),
    Case(
        "swap same section",
        "seated",
        "POST",
        "/api/v1/students/me/swaps/",
        {"drop_section_id": "{section}", "enroll_section_id": "{section}"},
    ),
    Case(
        "swap waitlist a string",
        "seated",
        "POST",
        "/api/v1/students/me/swaps/",
        {"drop_section_id": "{section}", "enroll_section_id": "{other}", "waitlist": "yes please"},
    ),
    Case(
        "override odd",
        "registrar",
        "POST",
        "/api/v1/sections/{other}/enrollments/",
        {"student_id": "{waiting}", "override": ["everything"]},
    ),
    Case("student id odd", "registrar", "POST", "/api/v1/sections/{other}/enrollments/", {"student_id": "1#2"}),
    Case(
        "student id huge",
        "registrar",
        "POST",
        "/api/v1/sections/{other}/enrollments/",
        {"student_id": "99999999999999999999"},
        statuses=(400, 404),
    ),
    Case(
        "subscription section odd",
        "waiting",
        "POST",
        "/api/v1/subscriptions/",
        {"section_id": "x:*", "email": "a@example.com"},
    ),
    Case("subscription nothing", "waiting", "POST", "/api/v1/subscriptions/", {"section_id": "{section}"}),
    Case(
        "subscription url odd",
        "waiting",
        "POST",
        "/api/v1/subscriptions/",
        {"section_id": "{section}", "webhook_url": "javascript:alert(1)"},
    ),
    Case(
        "subscription email odd",
        "waiting",
        "POST",
        "/api/v1/subscriptions/",
        {"section_id": "{section}", "email": "not an address"},
    ),
    Case("auto-enrollment a string", "registrar", "PUT", "/api/v1/auto-enrollment/", {"frozen": "maybe"}),
    Case(
        "register odd username",
        "",
        "POST",
        "/api/v1/auth/register/",
        {"username": "a:*#", "password": "x" * 12, "email": "a@example.com", "first_name": "A", "last_name": "B"},
    ),
    Case("token body a list", "", "POST", "/api/v1/auth/token/", [1, 2]),
    Case("refresh garbage", "", "POST", "/api/v1/auth/token/refresh/", {"refresh": "a.b.c"}, statuses=(400, 401)),
    # Unknown and odd paths, safe and unsafe methods alike: a 404 problem document.
    Case("unknown path POST", "seated", "POST", "/api/v1/nothing-here/", {}, statuses=(404,)),
    Case("unknown path PATCH", "registrar", "PATCH", "/api/v1/sections/{section}/nothing/", {}, statuses=(404,)),
    Case("unknown path DELETE", "", "DELETE", "/api/v1/", None, statuses=(401, 404, 405)),
    *(
        Case(
            f"section id {section_id!r}: {method} {tail}",
            who,
            method,
            f"/api/v1/sections/{section_id}/{tail}",
            body,
            # The server decodes %2F before routing (WSGI's PATH_INFO): a path one level
            # deeper, where the method may not be allowed.
            statuses=(404, 405) if "%2F" in section_id else (404,),
        )
        for section_id in ODD_SECTION_IDS
        for who, method, tail, body in [
            ("registrar", "GET", "", None),
            ("registrar", "PATCH", "", {"capacity": 3}),
            ("registrar", "DELETE", "", None),
            ("seated", "POST", "enrollments/", {}),
            ("seated", "DELETE", "enrollments/me/", None),
            ("waiting", "GET", "waitlist/me/", None),
            ("waiting", "DELETE", "waitlist/me/", None),
        ]
    ),
    *(
        Case(f"student id {student_id!r}: {method} {path}", "registrar", method, path, body, statuses=(404,))
        for student_id in ODD_STUDENT_IDS
        for method, path, body in [
            ("GET", f"/api/v1/students/{student_id}/enrollments/", None),
            ("GET", f"/api/v1/students/{student_id}/terms/{{term}}/", None),
            ("POST", f"/api/v1/students/{student_id}/holds/", {"kind": "other", "reason": "x"}),
            ("DELETE", f"/api/v1/sections/{{section}}/enrollments/{student_id}/", None),
            ("DELETE", f"/api/v1/sections/{{section}}/waitlist/{student_id}/", None),
        ]
    ),
]


def test_every_case_has_its_own_name():
    assert len({case.name for case in CASES}) == len(CASES)


def test_each_bad_input_gets_a_problem_document_and_changes_nothing(world):
    before = world.state()
    wrong: list[tuple[Any, ...]] = []

    for case in CASES:
        response = case.send(world)
        is_problem = response.headers.get("Content-Type") == PROBLEM_CONTENT_TYPE
        body = response.json() if is_problem else {}
        if response.status_code not in case.statuses or not PROBLEM_MEMBERS <= set(body):
            wrong.append(
                (case.name, response.status_code, response.headers.get("Content-Type"), response.content[:200])
            )
        elif body["status"] != response.status_code:
            wrong.append((case.name, response.status_code, body))

    assert wrong == [], "\n".join(map(repr, wrong))
    assert world.state() == before
    assert len(CASES) > 150  # the README quotes how many cases run
