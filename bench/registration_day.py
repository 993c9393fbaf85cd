"""Registration day against the backend's own ceiling: `make bench` (through `bin/stack.py bench`).

`bin/stack.py bench` starts a private stack (in-memory DynamoDB Local, a throw-away Redis
from redis.conf, its own RabbitMQ queue prefix, the Procfile's web, worker and beat as
`make run` starts them) and a registrar, then runs this script against it. The script
creates its own data over HTTP (a course, sections, an instructor, students and their
tokens) and runs the phases:

- rush: every student tries ``--picks`` random distinct sections at once with the others;
  enrolled, waitlisted and refused are counted apart;
- polls: every waitlist place read once (200 with an ETag), then ``--polls`` times with
  ``If-None-Match`` (every one a 304: nothing moves meanwhile);
- drops: enrolled students drop from sections whose line is not empty: each drop
  promotes the head of the line;
- reads: the open-section list, a roster (the instructor), the GraphQL portal query.

Each phase is measured against a ceiling taken in the same run, next to it: the enroll
``TransactWriteItems`` straight to DynamoDB Local through PynamoDB, the position read
straight to Redis through redis-py, both at the same concurrency, and a request through
the same web server to a view that does nothing (``/healthz``: the framework's floor).
Each phase reports requests/s and its ratio to its ceiling, p50/p95/p99, the count of
every status and problem ``code``, the web processes' CPU milliseconds per request
(from /proc) and their RSS. Afterwards ``check_integrity`` must find nothing and the
rules are re-checked over HTTP: no section over capacity, counters equal rosters, every
freed seat went to the first in line who could take it (a student passed over must have
a seat that meets at the same time). The term's registration window is open and every
section meets in one of eight weekly slots, so each enroll and promotion runs the
registration rules, and some picks are refused as time conflicts. It writes JSON and a PNG of the latency
distributions under ``--out``.

Requests go only to loopback; every phase is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TERM = "2026FA"
# The week's timetable the sections meet in: 8 slots, so 20 sections share some.
SLOTS = [
    {"days": days, "start": start, "end": end}
    for days in ("MW", "TR")
    for start, end in (("08:00", "09:15"), ("09:30", "10:45"), ("11:00", "12:15"), ("13:00", "14:15"))
]
PASSWORD = "Quill-Harbor-Lantern-2026"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A student portal's page in one round trip.
PORTAL_QUERY = """
query Portal($term: String!) {
  me {
    firstName
    enrollments {
      items {
        sectionId status position section { title meetings { days start end } seatsLeft instructor { lastName } }
      }
    }
  }
  sections(term: $term, open: true, pageSize: 20) {
    items { id title seatsLeft waitlisted status course { credits } instructor { lastName } }
    nextCursor
  }
}
"""


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- HTTP: one keep-alive connection per thread, as a client holding a page would ---


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def code(self) -> str | None:
        """The problem document's ``code``, if this is one."""
        if "problem+json" not in self.headers.get("content-type", ""):
            return None
        try:
            return self.json().get("code")
        except (ValueError, AttributeError):
            return "unreadable"


class Http:
    """A minimal HTTP/1.1 client over http.client: far less client CPU than requests,
    which matters when the client shares two cores with the service and its stores."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("the benchmark only sends requests to this machine (loopback)")
        self.host, self.port, self.timeout = parts.hostname, parts.port or 80, timeout
        self.local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return conn

    def request(
        self, method: str, path: str, *, token: str | None = None, body: Any = None, headers: dict | None = None
    ) -> Answer:
        sent = {"Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=payload, headers=sent)
                response = conn.getresponse()
                data = response.read()
                return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
            except (ConnectionError, http.client.HTTPException):
                # The server closed a kept-alive connection (it may, between requests): reconnect once.
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# --- processes: CPU and memory from /proc ---------------------------------------------


def pids_matching(*needles: str) -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if all(needle in cmdline for needle in needles):
            found.append(int(proc.name))
    return sorted(found)


def cpu_ticks(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory_of(pid: int) -> dict[str, float]:
    """RSS in MiB, split into anonymous memory (the heap: Python objects, malloc arenas)
    and file-backed pages (code of the interpreter and of the extension modules)."""
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                fields[name] = int(value.split()[0]) / 1024
    except OSError:
        return {}
    return {
        "rss": round(fields.get("Rss", 0.0), 1),
        "anonymous": round(fields.get("Anonymous", 0.0), 1),
        "file_backed": round(fields.get("Rss", 0.0) - fields.get("Anonymous", 0.0), 1),
    }


def parent_pid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


@dataclass
class Processes:
    """The web server's processes (master and workers) and the stores', found by their command lines."""

    web: list[int]
    workers: list[int]
    stores: list[int]

    @classmethod
    def find(cls, port: int) -> Processes:
        web = pids_matching("gunicorn", f"127.0.0.1:{port}")
        workers = [pid for pid in web if parent_pid(pid) in web]
        stores = []
        dynamodb = urlsplit(os.environ.get("DYNAMODB_ENDPOINT", "")).port
        if dynamodb:
            stores += pids_matching("DynamoDBLocal", f"-port {dynamodb}")
        redis_port = urlsplit(os.environ.get("REDIS_URL", "")).port
        if redis_port:
            stores += pids_matching("redis-server", f":{redis_port}")
        return cls(web=web, workers=workers, stores=stores)


# --- phases ---------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    ceiling: str | None = None  # the name of the phase it is compared with
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    unexpected: int = 0
    seconds: float = 0.0
    web_cpu_ms: float = 0.0
    store_cpu_ms: float = 0.0
    skipped: int = 0
    workers_rss_mib: list[float] = field(default_factory=list)  # after the phase
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, started: float, outcome: str, expected: bool) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies_ms.append(elapsed)
            self.outcomes[outcome] += 1
            if not expected:
                self.unexpected += 1

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ceiling": self.ceiling,
            "requests": self.count,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.rate, 1),
            "p50_ms": round(self.pct(0.50), 1),
            "p95_ms": round(self.pct(0.95), 1),
            "p99_ms": round(self.pct(0.99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else 0.0,
            "outcomes": dict(sorted(self.outcomes.items())),
            "unexpected": self.unexpected,
            "skipped": self.skipped,
            "web_cpu_ms_per_request": round(self.web_cpu_ms / self.count, 2) if self.count else None,
            "store_cpu_ms_per_request": round(self.store_cpu_ms / self.count, 2) if self.count else None,
            "workers_rss_mib_after": self.workers_rss_mib,
        }


class Runner:
    def __init__(self, args: argparse.Namespace, processes: Processes | None) -> None:
        self.args = args
        self.processes = processes
        self.phases: list[Phase] = []
        self.profiles: dict[str, list[Path]] = {}
        self.deadline = time.monotonic() + args.max_seconds

    def run(
        self,
        name: str,
        items: list,
        work: Callable[[Any, Phase], object],
        *,
        ceiling: str | None = None,
        measured: bool = True,
    ) -> Phase:
        """Run ``work`` over ``items`` at ``--concurrency``, bounded by ``--phase-seconds``."""
        phase = Phase(name, ceiling=ceiling)
        remaining = max(1.0, min(self.args.phase_seconds, self.deadline - time.monotonic()))
        phase_deadline = time.monotonic() + remaining
        done = threading.Event()

        def one(item: Any) -> None:
            if time.monotonic() > phase_deadline:
                with phase.lock:
                    phase.skipped += 1
                return
            work(item, phase)

        def progress() -> None:
            while not done.wait(2.0):
                say(f"  {name}: {phase.count}/{len(items)} ({phase.count / (time.perf_counter() - started):.0f}/s)")

        web = self.processes.web if self.processes else []
        stores = self.processes.stores if self.processes else []
        profilers = self._profile_start(name) if measured else []
        say(f"{name}: {len(items)} requests, {self.args.concurrency} in flight ...")
        cpu_before, store_before = cpu_ticks(web), cpu_ticks(stores)
        started = time.perf_counter()
        reporter = threading.Thread(target=progress, daemon=True)
        reporter.start()
        with ThreadPoolExecutor(max_workers=self.args.concurrency) as pool:
            list(pool.map(one, items))
        phase.seconds = time.perf_counter() - started
        done.set()
        phase.web_cpu_ms = (cpu_ticks(web) - cpu_before) * 1000 / CLOCK_TICKS
        phase.store_cpu_ms = (cpu_ticks(stores) - store_before) * 1000 / CLOCK_TICKS
        self._profile_stop(name, profilers)
        if self.processes:
            phase.workers_rss_mib = [round(rss_mib(pid), 1) for pid in self.processes.workers]
        if phase.skipped:
            say(f"  {name}: {phase.skipped} requests skipped: the phase ran out of time")
        if measured:
            self.phases.append(phase)
        elif phase.unexpected:
            say(f"  {name}: {phase.unexpected} unexpected answers: {dict(phase.outcomes)}")
        return phase

    def _profile_start(self, name: str) -> list[tuple[subprocess.Popen, Path]]:
        if not self.args.profile or not self.processes:
            return []
        directory = Path(self.args.out) / "profiles"
        directory.mkdir(parents=True, exist_ok=True)
        started = []
        for pid in self.processes.workers:
            path = directory / f"{name}-{pid}.txt"
            argv = ["py-spy", "record", "--pid", str(pid), "--rate", "200", "--format", "raw", "--output", str(path)]
            # cpu: threads running or waiting for the GIL; gil: only the thread holding it
            # (where the CPU goes); idle: every thread, waiting ones too (where the time goes).
            argv += {"cpu": [], "gil": ["--gil"], "idle": ["--idle"]}[self.args.profile] + ["--nonblocking"]
            started.append((subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), path))
        time.sleep(0.5)  # py-spy attaches
        return started

    def _profile_stop(self, name: str, profilers: list[tuple[subprocess.Popen, Path]]) -> None:
        for process, path in profilers:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            self.profiles.setdefault(name, []).append(path)


# --- the ceilings, measured in this process -------------------------------------------


def django_for_ceilings(concurrency: int) -> None:
    """Django configured like the web server, but with tables of its own for the DynamoDB
    ceiling (so the service's data and its integrity check are untouched)."""
    os.environ["DYNAMODB_TABLE_PREFIX"] = os.environ.get("DYNAMODB_TABLE_PREFIX", "enrollment_") + "ceiling_"
    # One pooled connection per thread of the ceiling, as each web thread has its own.
    os.environ["DYNAMODB_MAX_POOL_CONNECTIONS"] = str(concurrency + 4)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def dynamodb_ceiling(
    runner: Runner, *, transactions: int, sections: int, measured: bool = True, with_record: bool = False
) -> Phase:
    """The enroll transaction (seat counter + enrollment row, with their conditions), straight
    to DynamoDB Local through PynamoDB, at the same concurrency and over as many sections:
    the ceiling every ratio is taken against, as before the registration rules. With
    ``with_record``, the enroll transaction as it is since (the student's term record too,
    under its version condition): shown for what the rules cost the store itself."""
    from core.dynamodb import table_ensure
    from enrollment.models import Enrollment, Section, StudentTerm
    from enrollment.rules import EnrolledSection, RegistrationState
    from enrollment.services.records import record_take
    from enrollment.services.seats import _seat_take
    from enrollment.services.transactions import _transact

    for model in (Section, Enrollment, StudentTerm):
        table_ensure(model=model)
    now = datetime.now(UTC)
    run = uuid.uuid4().hex[:6].upper()
    rows = []
    for index in range(sections):
        section = Section(
            section_id=f"{TERM}-CEIL-{run}-{index:02d}",
            course_id=f"CEIL-{run}",
            department="CEIL",
            term=TERM,
            number=f"{index:02d}",
            title="Ceiling",
            instructor_id="0",
            capacity=10**9,
            enrolled=0,
            waitlist_capacity=0,
            created_at=now,
            updated_at=now,
        )
        section.save()
        rows.append(section)
    items = [(rows[n % sections], f"ceiling-{run}-{n}") for n in range(transactions)]

    def write(transaction: Any, section: Any, student_id: str) -> None:
        _seat_take(transaction, section=section, student_id=student_id, now=datetime.now(UTC))
        if with_record:
            state = RegistrationState(student_id=student_id, term=TERM)
            seat = EnrolledSection(section_id=section.section_id, credits=3, meetings=())
            record_take(transaction, state=state, seat=seat)

    def take(item: tuple[Any, str], phase: Phase) -> None:
        section, student_id = item
        started = time.perf_counter()
        try:
            _transact(lambda t: write(t, section, student_id))
        except Exception as exc:  # counted, not raised: a ceiling run reports what failed
            phase.record(started, type(exc).__name__, False)
            return
        phase.record(started, "committed", True)

    name = "info: enroll tx with the record" if with_record else "ceiling: DynamoDB enroll tx"
    return runner.run(name, items, take, measured=measured)


def redis_ceiling(runner: Runner, *, places: list[tuple[str, str, str]], reads: int) -> Phase:
    """A waitlist position read (the poll's pipeline: ZSCORE, ZRANK, the promoting hash,
    the join time, the change stamp, in MULTI) straight to Redis through redis-py."""
    import redis

    from waitlist import keys

    client = redis.Redis.from_url(os.environ["REDIS_URL"], max_connections=runner.args.concurrency + 4)
    items = [places[n % len(places)] for n in range(reads)]

    def read(item: tuple[str, str, str], phase: Phase) -> None:
        section_id, _, student_id = item
        section = keys.section_keys(section_id)
        started = time.perf_counter()
        with client.pipeline(transaction=True) as pipe:
            pipe.zscore(section.queue, student_id)
            pipe.zrank(section.queue, student_id)
            pipe.hgetall(section.promoting)
            pipe.hget(section.joined, student_id)
            pipe.hget(section.meta, "changed")
            rank = pipe.execute()[1]
        phase.record(started, "read", rank is not None)

    phase = runner.run("ceiling: Redis position read", items, read)
    client.close()
    return phase


# --- the run --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True, help="the service started by `bin/stack.py bench`")
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--sections", type=int, default=20)
    parser.add_argument("--seats", type=int, default=30, help="seats per section")
    parser.add_argument("--waitlist", type=int, default=15, help="waitlist places per section")
    parser.add_argument("--picks", type=int, default=3, help="distinct sections each student tries")
    parser.add_argument("--polls", type=int, default=5, help="conditional polls per waitlist place")
    parser.add_argument("--reads", type=int, default=300, help="requests of each read phase")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--idempotency-keys", action="store_true", help="send Idempotency-Key with every enroll")
    parser.add_argument("--phase-seconds", type=float, default=240, help="bound on each phase")
    parser.add_argument("--max-seconds", type=float, default=1200, help="bound on the whole run")
    parser.add_argument("--request-timeout", type=float, default=30)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"), help="where the JSON and the PNG go")
    parser.add_argument(
        "--profile",
        choices=["cpu", "gil", "idle"],
        help="sample each web worker with py-spy in every phase (raw stacks under OUT/profiles/)",
    )
    args = parser.parse_args()
    if args.picks > args.sections:
        parser.error("--picks cannot exceed --sections")

    http = Http(args.base_url, args.request_timeout)
    port = urlsplit(args.base_url).port or 80
    processes = Processes.find(port)
    if not processes.workers:
        say(f"warning: no gunicorn worker found for port {port}: CPU and memory are not measured")
    say(
        f"web processes {processes.web} (workers {processes.workers}); stores {processes.stores}; {os.cpu_count()} CPUs"
    )
    runner = Runner(args, processes)
    rng = random.Random(args.seed)

    registrar = token_for(http, os.environ.get("BENCH_REGISTRAR", "registrar"), os.environ["BENCH_REGISTRAR_PASSWORD"])
    if http.request("GET", "/api/v1/auto-enrollment/", token=registrar).json().get("frozen"):
        say("auto-enrollment is frozen, so drops would promote nobody: unfreeze it first")
        return 2

    # --- set-up: the catalog, an instructor and the students with their tokens
    run = uuid.uuid4().hex[:6].upper()
    instructor_name, instructor_password = f"bench-prof-{run.lower()}", f"Lectern-{uuid.uuid4().hex}"
    instructor = http.request(
        "POST",
        "/api/v1/users/",
        token=registrar,
        body={
            "username": instructor_name,
            "password": instructor_password,
            "roles": ["instructor"],
            "last_name": "Hopper",
        },
    )
    expect(instructor, 201, "create the instructor")
    instructor_token = token_for(http, instructor_name, instructor_password)
    course = {"department": "BENCH", "number": run, "title": f"Registration day {run}", "credits": 3}
    expect(http.request("POST", "/api/v1/courses/", token=registrar, body=course), 201, "create the course")
    # The term's window is open (so every enroll checks it), and every section meets at
    # one of SLOTS times, so some picks conflict: the rules run on every enroll and promotion.
    now = datetime.now(UTC)
    window = {
        "registration_opens_at": (now - timedelta(hours=1)).isoformat(),
        "registration_closes_at": (now + timedelta(days=1)).isoformat(),
        "max_credits": 18,
    }
    expect(http.request("PUT", f"/api/v1/terms/{TERM}/", token=registrar, body=window), {200, 201}, "open the term")
    section_ids = []
    meetings: dict[str, list[dict[str, str]]] = {}
    for index in range(args.sections):
        body = {
            "course_id": f"BENCH-{run}",
            "term": TERM,
            "number": f"{index + 1:02d}",
            "instructor_id": instructor.json()["id"],
            "capacity": args.seats,
            "waitlist_capacity": args.waitlist,
            "meetings": [SLOTS[index % len(SLOTS)]],
        }
        answer = http.request("POST", "/api/v1/sections/", token=registrar, body=body)
        expect(answer, 201, "create a section")
        section_ids.append(answer.json()["id"])
        meetings[answer.json()["id"]] = body["meetings"]

    students = [f"bench-{run.lower()}-{n}" for n in range(args.students)]
    tokens: dict[str, str] = {}
    user_ids: dict[str, str] = {}

    def register(username: str, phase: Phase) -> None:
        body = {"username": username, "password": PASSWORD, "email": f"{username}@example.edu", "first_name": "S"}
        answer = timed(phase, {201}, lambda: http.request("POST", "/api/v1/auth/register/", body=body))
        if answer is not None and answer.status == 201:
            user_ids[username] = str(answer.json()["id"])

    def login(username: str, phase: Phase) -> None:
        body = {"username": username, "password": PASSWORD}
        answer = timed(phase, {200}, lambda: http.request("POST", "/api/v1/auth/token/", body=body))
        if answer is not None and answer.status == 200:
            tokens[username] = answer.json()["access"]

    runner.run("set-up: register", students, register, measured=False)
    runner.run("set-up: token", students, login, measured=False)
    if len(tokens) < len(students):
        say(f"only {len(tokens)} of {len(students)} students got a token: stopping")
        return 1

    # --- the floor, then the DynamoDB ceiling and the rush
    floor_count = max(args.reads, len(students))
    runner.run(
        "floor: no-op view",
        list(range(floor_count)),
        lambda _, phase: timed(phase, {200}, lambda: http.request("GET", "/healthz")),
    )
    attempts = [(student, section) for student in students for section in rng.sample(section_ids, args.picks)]
    rng.shuffle(attempts)
    django_for_ceilings(args.concurrency)
    say("warming DynamoDB Local up (its JIT), unmeasured ...")
    dynamodb_ceiling(runner, transactions=args.concurrency * 10, sections=args.sections, measured=False)
    dynamodb_ceiling(runner, transactions=len(attempts), sections=args.sections)

    enrolled: dict[str, list[str]] = {section_id: [] for section_id in section_ids}
    waitlisted: list[tuple[str, str, str]] = []  # (section id, username, user id)
    outcome_lock = threading.Lock()

    def enroll(item: tuple[str, str], phase: Phase) -> None:
        student, section_id = item
        headers = {"Idempotency-Key": uuid.uuid4().hex} if args.idempotency_keys else None
        path = f"/api/v1/sections/{section_id}/enrollments/"

        def send() -> Answer:
            return http.request("POST", path, token=tokens[student], body={}, headers=headers)

        answer = timed(phase, {201, 409}, send, label=enroll_label)
        if answer is not None and answer.status == 201:
            with outcome_lock:
                if answer.json()["status"] == "enrolled":
                    enrolled[section_id].append(student)
                else:
                    waitlisted.append((section_id, student, user_ids[student]))

    runner.run("rush: enroll", attempts, enroll, ceiling="ceiling: DynamoDB enroll tx")

    # --- the Redis ceiling, then the polls (nothing moves meanwhile: every conditional poll is a 304)
    etags: dict[tuple[str, str, str], str] = {}
    if waitlisted:
        redis_ceiling(runner, places=waitlisted, reads=len(waitlisted) * args.polls)

        def poll_plain(item: tuple[str, str, str], phase: Phase) -> None:
            section_id, student, _ = item
            path = f"/api/v1/sections/{section_id}/waitlist/me/"
            answer = timed(phase, {200}, lambda: http.request("GET", path, token=tokens[student]))
            if answer is not None and answer.status == 200:
                etags[item] = answer.headers["etag"]

        def poll_conditional(item: tuple[str, str, str], phase: Phase) -> None:
            section_id, student, _ = item
            path = f"/api/v1/sections/{section_id}/waitlist/me/"
            headers = {"If-None-Match": etags.get(item, '"none"')}
            timed(phase, {304}, lambda: http.request("GET", path, token=tokens[student], headers=headers))

        runner.run("poll: plain", list(waitlisted), poll_plain, ceiling="ceiling: Redis position read")
        polls = [place for place in waitlisted for _ in range(args.polls)]
        rng.shuffle(polls)
        runner.run("poll: If-None-Match", polls, poll_conditional, ceiling="ceiling: Redis position read")

    # --- the drops: each promotes the head of its line
    lines_before = {section_id: waitlist_of(http, registrar, section_id) for section_id in section_ids}
    drops = []
    for section_id in section_ids:
        count = min(len(lines_before[section_id]), len(enrolled[section_id]))
        drops += [(section_id, student) for student in enrolled[section_id][:count]]
    rng.shuffle(drops)
    dropped: Counter = Counter()

    def drop(item: tuple[str, str], phase: Phase) -> None:
        section_id, student = item
        path = f"/api/v1/sections/{section_id}/enrollments/me/"
        answer = timed(phase, {204}, lambda: http.request("DELETE", path, token=tokens[student]))
        if answer is not None and answer.status == 204:
            with outcome_lock:
                dropped[section_id] += 1

    if drops:
        dynamodb_ceiling(runner, transactions=len(drops) * 2, sections=args.sections)
        runner.run("drop + promotion", drops, drop, ceiling="ceiling: DynamoDB enroll tx")

    # --- reads, against the floor
    runner.run(
        "floor: no-op view",
        list(range(floor_count)),
        lambda _, phase: timed(phase, {200}, lambda: http.request("GET", "/healthz")),
    )

    def open_sections(student: str, phase: Phase) -> None:
        path = f"/api/v1/sections/?term={TERM}&open=true&page_size=20"
        timed(phase, {200}, lambda: http.request("GET", path, token=tokens[student]))

    def roster(section_id: str, phase: Phase) -> None:
        path = f"/api/v1/sections/{section_id}/enrollments/?page_size=100"
        timed(phase, {200}, lambda: http.request("GET", path, token=instructor_token))

    def portal(student: str, phase: Phase) -> None:
        body = {"query": PORTAL_QUERY, "variables": {"term": TERM}}
        answer = timed(phase, {200}, lambda: http.request("POST", "/graphql/", token=tokens[student], body=body))
        if answer is not None and answer.status == 200 and answer.json().get("errors"):
            code = answer.json()["errors"][0].get("extensions", {}).get("code", "error")
            with phase.lock:
                phase.outcomes[f"graphql {code}"] += 1
                phase.unexpected += 1

    readers = [students[n % len(students)] for n in range(args.reads)]
    runner.run("read: open sections", readers, open_sections, ceiling="floor: no-op view")
    rosters = [section_ids[n % len(section_ids)] for n in range(args.reads)]
    runner.run("read: roster", rosters, roster, ceiling="floor: no-op view")
    runner.run("read: portal (GraphQL)", readers, portal, ceiling="floor: no-op view")

    # --- for the record: the enroll transaction as the rules make it, against the ceiling
    dynamodb_ceiling(runner, transactions=len(attempts), sections=args.sections)
    dynamodb_ceiling(runner, transactions=len(attempts), sections=args.sections, with_record=True)

    # --- afterwards: memory, the rules over HTTP, the integrity check
    memory = {pid: round(rss_mib(pid), 1) for pid in processes.web}
    breakdown = {pid: memory_of(pid) for pid in processes.workers}
    violations = rules_check(http, registrar, section_ids, meetings, lines_before, dropped)
    findings, integrity_output = integrity_check()
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {key: value for key, value in vars(args).items() if key != "base_url"},
        "redis": redis_persistence(),
        "web": {
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "(Procfile default)"),
            "WEB_THREADS": os.environ.get("WEB_THREADS", "(Procfile default)"),
            "procfile_web": procfile_web(),
        },
        "rush": {
            "attempts": len(attempts),
            "enrolled": sum(len(v) for v in enrolled.values()),
            "waitlisted": len(waitlisted),
        },
        "phases": [phase.as_dict() for phase in runner.phases],
        "ratios": ratios(runner.phases),
        "web_rss_mib": {
            "master_and_workers": memory,
            "workers": [memory.get(pid) for pid in processes.workers],
            "workers_breakdown": list(breakdown.values()),
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX"),
        },
        "rules_violations": violations,
        "integrity_findings": findings,
        "profiles": {name: [str(path) for path in paths] for name, paths in runner.profiles.items()},
    }
    print_table(report, runner.phases)
    print(integrity_output.rstrip())
    for violation in violations:
        print(f"RULE VIOLATED: {violation}")
    write_outputs(report, runner.phases, Path(args.out))
    server_errors = sum(
        count for phase in runner.phases for outcome, count in phase.outcomes.items() if outcome.startswith("5")
    )
    unexpected = sum(phase.unexpected for phase in runner.phases)
    failed = server_errors or unexpected or violations or findings
    print(
        f"5xx: {server_errors}; unexpected answers: {unexpected}; rule violations: {len(violations)}; "
        f"integrity findings: {findings}: {'FAILED' if failed else 'OK'}"
    )
    return 1 if failed else 0


def enroll_label(answer: Answer) -> str:
    if answer.status == 201:
        return f"201 {answer.json().get('status')}"
    return f"{answer.status} {answer.code}" if answer.code else str(answer.status)


def timed(
    phase: Phase,
    expected: set[int],
    send: Callable[[], Answer],
    *,
    label: Callable[[Answer], str] | None = None,
) -> Answer | None:
    started = time.perf_counter()
    try:
        answer = send()
    except (OSError, http.client.HTTPException) as exc:
        phase.record(started, type(exc).__name__, False)
        return None
    if label is not None:
        outcome = label(answer)
    else:
        outcome = f"{answer.status} {answer.code}" if answer.code else str(answer.status)
    phase.record(started, outcome, answer.status in expected)
    return answer


def expect(answer: Answer, status: int | set[int], what: str) -> None:
    if answer.status not in (status if isinstance(status, set) else {status}):
        raise SystemExit(f"could not {what}: HTTP {answer.status} {answer.body[:300]!r}")


def token_for(http: Http, username: str, password: str) -> str:
    answer = http.request("POST", "/api/v1/auth/token/", body={"username": username, "password": password})
    expect(answer, 200, f"log in as {username}")
    return answer.json()["access"]


def waitlist_of(http: Http, token: str, section_id: str) -> list[str]:
    answer = http.request("GET", f"/api/v1/sections/{section_id}/waitlist/?page_size=100", token=token)
    expect(answer, 200, f"read the waitlist of {section_id}")
    return [item["student_id"] for item in answer.json()["results"]]


def roster_of(http: Http, token: str, section_id: str) -> list[str]:
    students: list[str] = []
    path: str | None = f"/api/v1/sections/{section_id}/enrollments/?page_size=100"
    while path:
        answer = http.request("GET", path, token=token)
        expect(answer, 200, f"read the roster of {section_id}")
        page = answer.json()
        students += [item["student_id"] for item in page["results"]]
        path = urlsplit(page["next"])._replace(scheme="", netloc="").geturl() if page["next"] else None
    return students


def rules_check(
    http: Http,
    token: str,
    section_ids: list[str],
    meetings: dict[str, list[dict[str, str]]],
    lines_before: dict[str, list[str]],
    dropped: Counter,
) -> list[str]:
    """The rules, re-checked over HTTP: no section over capacity, its counter equal to its
    roster; the line is what it was less those enrolled from it (in its order: a student
    passed over keeps their place), no more of them than seats freed; no seat is left
    empty while someone who could take it waits (the only rule this run can break after
    a student joins a line is a conflicting seat taken since)."""
    from enrollment.meetings import meetings_from_dicts, meetings_overlap

    def conflicted(student_id: str, section_id: str) -> bool:
        seats = student_seats(http, token, student_id)
        mine = meetings_from_dicts(meetings[section_id])
        return any(
            meetings_overlap(mine, meetings_from_dicts(meetings.get(other, [])))
            for other in seats
            if other != section_id
        )

    violations = []
    for section_id in section_ids:
        section = http.request("GET", f"/api/v1/sections/{section_id}/", token=token).json()
        roster = roster_of(http, token, section_id)
        line = waitlist_of(http, token, section_id)
        if section["enrolled"] > section["capacity"]:
            violations.append(f"{section_id}: {section['enrolled']} enrolled > capacity {section['capacity']}")
        if section["enrolled"] != len(roster):
            violations.append(f"{section_id}: counter {section['enrolled']} != roster {len(roster)}")
        if section["waitlisted"] != len(line):
            violations.append(f"{section_id}: waitlisted {section['waitlisted']} != line {len(line)}")
        before, freed = lines_before[section_id], dropped[section_id]
        promoted = [student for student in before if student in roster]
        if line != [student for student in before if student not in roster]:
            violations.append(f"{section_id}: line {line} is not the line before {before} less those enrolled")
        if len(promoted) > freed:
            violations.append(f"{section_id}: {len(promoted)} enrolled from the line after {freed} drops")
        could = [student for student in line if not conflicted(student, section_id)]
        if len(roster) < section["capacity"] and could:
            violations.append(
                f"{section_id}: {section['capacity'] - len(roster)} seats empty while {could} could take one"
            )
    return violations


def student_seats(http: Http, token: str, student_id: str) -> list[str]:
    answer = http.request("GET", f"/api/v1/students/{student_id}/enrollments/?page_size=100", token=token)
    return [item["section_id"] for item in answer.json()["results"] if item["status"] == "enrolled"]


def integrity_check() -> tuple[int, str]:
    """``manage.py check_integrity`` against the service's own tables and Redis."""
    env = {**os.environ, "DYNAMODB_TABLE_PREFIX": os.environ["DYNAMODB_TABLE_PREFIX"].removesuffix("ceiling_")}
    say("manage.py check_integrity ...")
    result = subprocess.run(
        [sys.executable, "manage.py", "check_integrity"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    findings = sum(1 for line in result.stdout.splitlines() if "FINDING" in line)
    if result.returncode and not findings:
        findings = 1  # it failed without a finding line: count the failure
    return findings, f"check_integrity (exit {result.returncode}): {result.stdout.strip().splitlines()[-1:]}" + (
        f"\n{result.stderr.strip()[-2000:]}" if result.returncode else ""
    )


def ratios(phases: list[Phase]) -> dict[str, float]:
    by_name: dict[str, Phase] = {}
    out = {}
    for phase in phases:
        if phase.ceiling is None:
            by_name[phase.name] = phase  # the latest ceiling of that name: the one next to the phase
            continue
        ceiling = by_name.get(phase.ceiling)
        if ceiling and ceiling.rate:
            out[phase.name] = round(phase.rate / ceiling.rate, 3)
    return out


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": model, "python": sys.version.split()[0], "load": os.getloadavg()}


def redis_persistence() -> dict[str, Any]:
    """How the benchmark's Redis kept its writes: the AOF's fsync policy (redis.conf's, or
    `bin/stack.py bench --redis-appendfsync`), and the writes it had to delay for a slow fsync."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    info = client.info("persistence")
    return {
        "appendonly": client.config_get("appendonly")["appendonly"],
        "appendfsync": client.config_get("appendfsync")["appendfsync"],
        "aof_delayed_fsync": info.get("aof_delayed_fsync"),
    }


def procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    return ""


def print_table(report: dict[str, Any], phases: list[Phase]) -> None:
    ratio = report["ratios"]
    print()
    print(f"registration day: {report['settings']['students']} students x {report['settings']['picks']} sections; ")
    print(
        f"{report['settings']['sections']} sections of {report['settings']['seats']} seats + "
        f"{report['settings']['waitlist']} waitlist; {report['settings']['concurrency']} in flight; "
        f"{report['machine']['cpus']} CPUs ({report['machine']['cpu']}); "
        f"Redis appendfsync {report['redis']['appendfsync']}"
    )
    header = (
        f"{'phase':28} {'requests':>8} {'req/s':>8} {'x ceiling':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'web CPU ms/req':>14} {'RSS MiB':>9}  outcomes"
    )
    print(header)
    print("-" * len(header))
    for phase in phases:
        data = phase.as_dict()
        times = f"{ratio[phase.name]:.2f}" if phase.name in ratio else ""
        cpu = data["web_cpu_ms_per_request"]
        outcomes = ", ".join(f"{name}: {count}" for name, count in data["outcomes"].items())
        print(
            f"{phase.name:28} {data['requests']:8d} {data['per_second']:8.1f} {times:>9} {data['p50_ms']:8.1f} "
            f"{data['p95_ms']:8.1f} {data['p99_ms']:8.1f} {cpu if cpu is not None else '':>14} "
            f"{'/'.join(f'{value:.0f}' for value in phase.workers_rss_mib):>9}  {outcomes}"
        )
    rush = report["rush"]
    print(
        f"rush: {rush['attempts']} attempts: {rush['enrolled']} enrolled, {rush['waitlisted']} waitlisted, "
        f"{rush['attempts'] - rush['enrolled'] - rush['waitlisted']} refused"
    )
    rss = report["web_rss_mib"]
    print(f"web RSS after the run, MiB: workers {rss['workers']} (all processes: {rss['master_and_workers']})")
    for split in rss["workers_breakdown"]:
        print(f"  a worker: {split['rss']} MiB = {split['anonymous']} anonymous + {split['file_backed']} file-backed")


def write_outputs(report: dict[str, Any], phases: list[Phase], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = out / f"registration-day-{stamp}.json"
    latencies = {phase.name: [round(value, 2) for value in phase.latencies_ms] for phase in phases}
    json_path.write_text(json.dumps({**report, "latencies_ms": latencies}, indent=1))
    (out / "latest.json").write_text(json.dumps(report, indent=1))
    say(f"wrote {json_path}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("matplotlib is not installed: no plot")
        return
    figure, axes = plt.subplots(figsize=(9, 4.8), dpi=80)
    for phase in phases:
        ordered = sorted(phase.latencies_ms)
        if not ordered:
            continue
        fractions = [(index + 1) / len(ordered) for index in range(len(ordered))]
        style = "--" if phase.name.startswith(("ceiling", "floor")) else "-"
        axes.plot(ordered, fractions, style, label=f"{phase.name} ({phase.rate:.0f}/s)", linewidth=1.4)
    axes.set_xscale("log")
    axes.set_xlabel("latency, ms (log)")
    axes.set_ylabel("fraction of requests")
    axes.set_title("registration day: latency per phase (dashed: ceilings measured in the same run)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    png = out / f"registration-day-{stamp}.png"
    figure.savefig(png)
    figure.savefig(out / "latest.png")
    plt.close(figure)
    say(f"wrote {png}")


if __name__ == "__main__":
    sys.exit(main())
