"""Registration-day load against a running service (`make run`, then `make bench`).

Many students arrive in the same minutes: each registers, obtains a token and reads its
account, browses the open sections, then they all race for the seats of a few sections
the registrar opened for the run (fewer seats than students): the late ones join the
waitlists (or are refused when those are full) and poll their positions with
If-None-Match, as a client refreshing a page would; then half of the seated drop, and
each drop enrolls the head of its waitlist. Every phase runs its students concurrently
over real HTTP and reports throughput and latency percentiles; the run checks that no
section took more students than it has seats and that no seat is left empty while
students wait, and ends with the web processes' memory. The registrar is the demo account of `seed_demo`
unless --registrar names another.
Requests are bounded in number and go only to the given base URL (loopback by default).

    .venv/bin/python bench/registration_day.py --students 300 --concurrency 32
"""

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import requests

PASSWORD = "bench-pass-phrase-2026"
# A student portal's page in one round trip (the README's GraphQL example, with more of it).
PORTAL_QUERY = """
query Portal($term: String!) {
  me {
    firstName
    enrollments { items { sectionId status position section { title meeting seatsLeft instructor { lastName } } } }
  }
  sections(term: $term, open: true, pageSize: 20) {
    items { id title seatsLeft waitlisted status course { credits } instructor { lastName } }
    nextCursor
  }
}
"""


@dataclass
class PhaseResult:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def record(self, started: float, response: requests.Response | None, expected: set[int], error: str = "") -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response is None or response.status_code not in expected:
            reason = error or f"HTTP {response.status_code if response is not None else '-'}"
            self.failures[reason] = self.failures.get(reason, 0) + 1

    def line(self) -> str:
        ordered = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0

        failed = sum(self.failures.values())
        return (
            f"{self.name:10} {len(ordered):6d} req {failed:5d} failed {len(ordered) / self.seconds:8.1f} req/s  "
            f"p50 {pct(0.50):7.1f}  p95 {pct(0.95):7.1f}  p99 {pct(0.99):7.1f}  "
            f"mean {statistics.fmean(ordered) if ordered else 0:7.1f} ms"
        )


def run_phase(name: str, items: list, work: Callable, concurrency: int) -> PhaseResult:
    result = PhaseResult(name)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda item: work(item, result), items))
    result.seconds = time.perf_counter() - started
    return result


def call(
    result: PhaseResult, expected: int | set[int], send: Callable[[], requests.Response]
) -> requests.Response | None:
    expected = {expected} if isinstance(expected, int) else expected
    started = time.perf_counter()
    try:
        response = send()
    except requests.RequestException as exc:
        result.record(started, None, expected, error=type(exc).__name__)
        return None
    result.record(started, response, expected)
    return response


def web_memory_mib() -> float | None:
    """Resident memory of the gunicorn processes on this machine (Linux /proc)."""
    total_kib = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if b"gunicorn" not in (proc / "cmdline").read_bytes():
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024 if total_kib else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default=os.environ.get("BENCH_BASE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sections", type=int, default=4, help="sections the students race for")
    parser.add_argument("--registrar", default="registrar", help="a registrar's username")
    parser.add_argument("--registrar-password", default="demo-pass-2026")
    args = parser.parse_args()
    if urlparse(args.base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the benchmark only targets a service on this machine (loopback)")
    base = args.base_url.rstrip("/")
    try:
        requests.get(f"{base}/readyz", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        print(f"The service at {base} is not ready ({exc}). Start it with `make run`.", file=sys.stderr)
        return 2

    registrar = registrar_session(base, args)
    if registrar.get(f"{base}/api/v1/auto-enrollment/", timeout=30).json().get("frozen"):
        print(
            "Auto-enrollment is frozen, so drops would promote nobody. Unfreeze it first:\n"
            f'  PUT {base}/api/v1/auto-enrollment/ {{"frozen": false}} (as the registrar)',
            file=sys.stderr,
        )
        return 2

    run = uuid.uuid4().hex[:6]
    students = [f"bench-{run}-{n}" for n in range(args.students)]
    tokens: dict[str, str] = {}
    local = threading.local()

    def session() -> requests.Session:
        """One keep-alive connection per worker thread, as a real client would hold."""
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    def register(username: str, result: PhaseResult) -> None:
        body = {"username": username, "password": PASSWORD, "email": f"{username}@example.edu"}
        call(result, 201, lambda: session().post(f"{base}/api/v1/auth/register/", json=body, timeout=30))

    def token(username: str, result: PhaseResult) -> None:
        body = {"username": username, "password": PASSWORD}
        response = call(result, 200, lambda: session().post(f"{base}/api/v1/auth/token/", json=body, timeout=30))
        if response is not None and response.ok:
            tokens[username] = response.json()["access"]

    def me(username: str, result: PhaseResult) -> None:
        headers = {"Authorization": f"Bearer {tokens.get(username, '')}"}
        call(result, 200, lambda: session().get(f"{base}/api/v1/auth/me/", headers=headers, timeout=30))

    def browse(username: str, result: PhaseResult) -> None:
        headers = {"Authorization": f"Bearer {tokens.get(username, '')}"}
        url = f"{base}/api/v1/sections/?term=2026FA&open=true&page_size=20"
        call(result, 200, lambda: session().get(url, headers=headers, timeout=30))

    section_ids = open_race_sections(base, args, run, seats=max(1, args.students // 2))
    enrolled: list[tuple[str, str]] = []
    waitlisted: list[tuple[str, str]] = []
    etags: dict[str, str] = {}
    not_modified: list[int] = []

    def enroll(username: str, result: PhaseResult) -> None:
        section_id = section_ids[hash(username) % len(section_ids)]
        headers = {"Authorization": f"Bearer {tokens.get(username, '')}", "Idempotency-Key": uuid.uuid4().hex}
        url = f"{base}/api/v1/sections/{section_id}/enrollments/"
        response = call(result, {201, 409}, lambda: session().post(url, json={}, headers=headers, timeout=30))
        if response is not None and response.status_code == 201:
            seated = response.json()["status"] == "enrolled"
            (enrolled if seated else waitlisted).append((username, section_id))

    def poll(item: tuple[str, str], result: PhaseResult) -> None:
        username, section_id = item
        headers = {"Authorization": f"Bearer {tokens.get(username, '')}"}
        if username in etags:
            headers["If-None-Match"] = etags[username]
        url = f"{base}/api/v1/sections/{section_id}/waitlist/me/"
        response = call(result, {200, 304}, lambda: session().get(url, headers=headers, timeout=30))
        if response is not None and response.status_code == 200:
            etags[username] = response.headers["ETag"]
        elif response is not None:
            not_modified.append(1)

    def portal(username: str, result: PhaseResult) -> None:
        headers = {"Authorization": f"Bearer {tokens.get(username, '')}"}
        body = {"query": PORTAL_QUERY, "variables": {"term": "2026FA"}}
        response = call(result, 200, lambda: session().post(f"{base}/graphql/", json=body, headers=headers, timeout=30))
        if response is not None and response.status_code == 200 and response.json().get("errors"):
            code = response.json()["errors"][0].get("extensions", {}).get("code", "error")
            result.failures[f"GraphQL {code}"] = result.failures.get(f"GraphQL {code}", 0) + 1

    def drop(item: tuple[str, str], result: PhaseResult) -> None:
        username, section_id = item
        headers = {"Authorization": f"Bearer {tokens.get(username, '')}"}
        url = f"{base}/api/v1/sections/{section_id}/enrollments/me/"
        call(result, 204, lambda: session().delete(url, headers=headers, timeout=30))

    print(f"{args.students} students, {args.concurrency} at a time, against {base}")
    results = [
        run_phase("register", students, register, args.concurrency),
        run_phase("token", students, token, args.concurrency),
        run_phase("me", students * 5, me, args.concurrency),
        run_phase("browse", students * 2, browse, args.concurrency),
        run_phase("enroll", students, enroll, args.concurrency),
    ]
    results.append(run_phase("poll place", waitlisted * 5, poll, args.concurrency))
    results.append(run_phase("portal", students, portal, args.concurrency))
    results.append(run_phase("drop", enrolled[: len(enrolled) // 2], drop, args.concurrency))
    for result in results:
        print(result.line())
        for reason, count in sorted(result.failures.items()):
            print(f"{'':10} {count} x {reason}")
    print(f"enroll outcomes: {len(enrolled)} enrolled, {len(waitlisted)} waitlisted, the rest refused")
    print(f"position polls answered 304 Not Modified: {len(not_modified)} of {len(waitlisted) * 5}")
    overfilled = check_seats(base, args, section_ids)
    memory = web_memory_mib()
    print(f"web memory (gunicorn RSS, all processes): {memory:.0f} MiB" if memory else "web memory: not found")
    return 1 if overfilled or any(result.failures for result in results) else 0


def registrar_session(base: str, args: argparse.Namespace) -> requests.Session:
    body = {"username": args.registrar, "password": args.registrar_password}
    response = requests.post(f"{base}/api/v1/auth/token/", json=body, timeout=30)
    if not response.ok:
        sys.exit(
            f"Cannot log in as the registrar {args.registrar!r}: HTTP {response.status_code}. Run seed_demo first."
        )
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {response.json()['access']}"
    return session


def open_race_sections(base: str, args: argparse.Namespace, run: str, seats: int) -> list[str]:
    """A course and ``args.sections`` sections sharing ``seats`` seats, for the enroll race."""
    registrar = registrar_session(base, args)
    me = registrar.get(f"{base}/api/v1/auth/me/", timeout=30).json()
    instructor = registrar.post(
        f"{base}/api/v1/users/",
        json={"username": f"bench-prof-{run}", "password": PASSWORD, "roles": ["instructor"]},
        timeout=30,
    )
    instructor_id = instructor.json()["id"] if instructor.ok else me["id"]
    number = run.upper()
    course = {"department": "BENCH", "number": number, "title": f"Benchmark {run}", "credits": 3}
    registrar.post(f"{base}/api/v1/courses/", json=course, timeout=30).raise_for_status()
    section_ids = []
    for index in range(args.sections):
        body = {
            "course_id": f"BENCH-{number}",
            "term": "2026FA",
            "number": f"{index + 1:02d}",
            "instructor_id": instructor_id,
            "capacity": seats // args.sections + (1 if index < seats % args.sections else 0),
        }
        response = registrar.post(f"{base}/api/v1/sections/", json=body, timeout=30)
        response.raise_for_status()
        section_ids.append(response.json()["id"])
    return section_ids


def check_seats(base: str, args: argparse.Namespace, section_ids: list[str]) -> bool:
    """Print each race section's seats and waitlist; True if any took more students than
    it has seats, or left a seat empty while students wait."""
    registrar = registrar_session(base, args)
    wrong = False
    for section_id in section_ids:
        section = registrar.get(f"{base}/api/v1/sections/{section_id}/", timeout=30).json()
        over = section["enrolled"] > section["capacity"]
        idle = section["enrolled"] < section["capacity"] and section["waitlisted"] > 0
        wrong |= over or idle
        verdict = "OVER CAPACITY" if over else "SEAT EMPTY WHILE STUDENTS WAIT" if idle else "OK"
        print(
            f"{section_id}: {section['enrolled']}/{section['capacity']} seats, "
            f"{section['waitlisted']}/{section['waitlist_capacity']} waiting: {verdict}"
        )
    return wrong


if __name__ == "__main__":
    sys.exit(main())
