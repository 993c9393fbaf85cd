"""Registration-day load against a running service (`make run`, then `make bench`).

Many students arrive in the same minutes: each registers, obtains a token and reads its
account. Every phase runs its students concurrently over real HTTP and reports
throughput and latency percentiles; the run ends with the web processes' memory.
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


@dataclass
class PhaseResult:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def record(self, started: float, response: requests.Response | None, expected: int, error: str = "") -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response is None or response.status_code != expected:
            reason = error or f"HTTP {response.status_code}"
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


def call(result: PhaseResult, expected: int, send: Callable[[], requests.Response]) -> requests.Response | None:
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
    args = parser.parse_args()
    if urlparse(args.base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the benchmark only targets a service on this machine (loopback)")
    base = args.base_url.rstrip("/")
    try:
        requests.get(f"{base}/readyz", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        print(f"The service at {base} is not ready ({exc}). Start it with `make run`.", file=sys.stderr)
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

    print(f"{args.students} students, {args.concurrency} at a time, against {base}")
    results = [
        run_phase("register", students, register, args.concurrency),
        run_phase("token", students, token, args.concurrency),
        run_phase("me", students * 5, me, args.concurrency),
    ]
    for result in results:
        print(result.line())
        for reason, count in sorted(result.failures.items()):
            print(f"{'':10} {count} x {reason}")
    memory = web_memory_mib()
    print(f"web memory (gunicorn RSS, all processes): {memory:.0f} MiB" if memory else "web memory: not found")
    return 1 if any(result.failures for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
