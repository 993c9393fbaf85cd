"""Waitlists on a real Redis Cluster, behind two web processes.

The module starts a 3-node Redis Cluster on loopback (``redis-server`` in cluster mode
with the repository's ``redis.conf``, formed by ``redis-cli --cluster create``) and two
gunicorn servers started as the Procfile's ``web`` line starts one, each configured for
the cluster (``REDIS_CLUSTER=true``) and for this run's DynamoDB Local. The races then
go over real HTTP, alternating between the two servers: a section's keys live on the
node that owns its hash tag, each student's count on the node that owns theirs, and
the rules still hold. ``check_integrity`` runs as an operator runs it, a ``manage.py``
process configured for the cluster: clean after each race, and finding (and repairing)
what is wrong on every node. Unfreezing walks the untagged index of waitlists.
"""

import itertools
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.test import override_settings
from honcho.environ import parse_procfile
from redis.cluster import RedisCluster
from redis.crc import key_slot

from accounts.roles import Role
from conftest import DEAD, free_port
from enrollment.tests.http import SECTIONS, assert_problem, at_once, enrollments_url
from waitlist import keys
from waitlist.tests.http import join, line_of, sender

pytestmark = pytest.mark.django_db(transaction=True)

NODES = 3
START_TIMEOUT = 60.0
REDIS_CONF = Path(settings.BASE_DIR) / "redis.conf"
CLUSTER_FACTORY = "waitlist.cluster.ClusterConnectionFactory"


@dataclass
class _Process:
    name: str
    process: subprocess.Popen
    log: Path

    def tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines()[-20:] if self.log.exists() else []
        return f"{self.name} ({self.log}):\n" + "\n".join(lines)


def _spawn(name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> _Process:
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    return _Process(name, process, log)


def _wait_until(ready, started: list[_Process], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        exited = [child for child in started if child.process.poll() is not None]
        if exited or time.monotonic() > deadline:
            logs = "\n".join(child.tail() for child in exited or started)
            why = "a process exited" if exited else f"not within {START_TIMEOUT:.0f} s"
            raise AssertionError(f"waiting until {what}: {why}\n{logs}")
        time.sleep(0.1)


def _stop(children: list[_Process]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    for child in children:
        try:
            child.process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def _answers(check) -> bool:
    try:
        return bool(check())
    except (redis.RedisError, requests.RequestException):
        return False


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory) -> Iterator[str]:
    """A 3-node Redis Cluster on loopback (no replicas); the URL of its first node."""
    server = os.environ.get("REDIS_SERVER_BIN") or shutil.which("redis-server")
    cli = os.environ.get("REDIS_CLI_BIN") or shutil.which("redis-cli")
    if not server or not cli:
        pytest.skip("redis-server and redis-cli are not installed here (make test installs them)")
    base = tmp_path_factory.mktemp("redis-cluster")
    (Path(settings.BASE_DIR) / "var" / "redis").mkdir(parents=True, exist_ok=True)  # redis.conf's `dir`
    ports = [free_port() for _ in range(NODES)]
    nodes = []
    try:
        for port in ports:
            data = base / str(port)
            data.mkdir()
            # The cluster bus gets a free port of its own (by default it is port + 10000).
            options = ["--port", str(port), "--cluster-port", str(free_port()), "--dir", str(data)]
            options += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--daemonize", "no"]
            nodes.append(_spawn(f"redis {port}", [server, str(REDIS_CONF), *options], data / "redis.log"))
        for port in ports:
            _wait_until(
                lambda port=port: _answers(redis.Redis(port=port).ping), nodes, f"redis-server answers on {port}"
            )
        addresses = [f"127.0.0.1:{port}" for port in ports]
        created = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, f"redis-cli --cluster create failed:\n{created.stdout}{created.stderr}"
        for port in ports:
            client = redis.Redis(port=port)
            _wait_until(
                lambda client=client: _answers(lambda: client.cluster("info")["cluster_state"] == "ok"),
                nodes,
                f"the cluster seen from {port} is ok",
            )
        yield f"redis://127.0.0.1:{ports[0]}/0"
    finally:
        _stop(nodes)


def _cluster_env(redis_url: str) -> dict[str, str]:
    """The environment of a process of this run, with its waitlists on the cluster."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
        "REDIS_CLUSTER": "true",
        "REDIS_URL": redis_url,
        # The throttling cache stays on the run's plain Redis, shared by both servers.
        "CACHE_REDIS_URL": settings.CACHES["default"]["LOCATION"],
    }


@pytest.fixture(scope="module")
def web_servers(redis_cluster, tmp_path_factory, dynamodb_tables) -> Iterator[list[str]]:
    """Two gunicorn servers, each started like the Procfile's ``web`` line on a port of
    its own, both on the cluster: their base URLs."""
    web = parse_procfile((Path(settings.BASE_DIR) / "Procfile").read_text()).processes["web"]
    logs = tmp_path_factory.mktemp("web")
    ports = [free_port() for _ in range(2)]
    servers = []
    try:
        for port in ports:
            env = {**_cluster_env(redis_cluster), "PORT": str(port)}
            # As honcho runs it, through the shell (which expands $PORT); `exec` makes the
            # process we stop gunicorn itself.
            argv = ["/bin/sh", "-c", f"exec {web}"]
            servers.append(_spawn(f"web on {port}", argv, logs / f"web-{port}.log", env))
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            _wait_until(
                lambda url=url: _answers(lambda: requests.get(f"{url}/readyz", timeout=5).status_code == 200),
                servers,
                f"{url}/readyz answers 200 (DynamoDB, the Redis Cluster and RabbitMQ reachable)",
            )
        yield urls
    finally:
        _stop(servers)


@pytest.fixture
def check_integrity(redis_cluster):
    """``check_integrity(*terms, repair=False)``: run ``manage.py check_integrity --term TERM ...``
    as an operator would, against the cluster; the finished process."""

    def run(*terms: str, repair: bool = False) -> subprocess.CompletedProcess:
        scope = [argument for term in sorted(set(terms)) for argument in ("--term", term)]
        return subprocess.run(
            [sys.executable, "manage.py", "check_integrity", *scope, *(["--repair"] if repair else [])],
            cwd=settings.BASE_DIR,
            env=_cluster_env(redis_cluster),
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def assert_consistent(check_integrity):
    """Insist that ``check_integrity`` finds nothing in the sections of ``terms``."""

    def check(*terms: str) -> None:
        result = check_integrity(*terms)
        assert result.returncode == 0, f"check_integrity has findings:\n{result.stdout}\n{result.stderr}"

    return check


@pytest.fixture
def cluster(redis_cluster) -> Iterator[RedisCluster]:
    client = RedisCluster.from_url(redis_cluster)
    yield client
    client.close()


def _nodes_holding(cluster: RedisCluster, pattern: str) -> set[str]:
    return {node.name for node in cluster.get_primaries() if node.redis_connection.scan(match=pattern, count=1000)[1]}


def test_each_script_and_transaction_keeps_to_one_hash_slot():
    # The section's four keys, used together by its scripts and its MULTI reads
    for section_id in ("2026FA-CPSC-449-01", "7001FA-VAAAAB-1-01"):
        assert len({key_slot(key.encode()) for key in keys.section_keys(section_id).all}) == 1
    # And a student's key stands alone (the `reserve` script touches nothing else)
    assert keys.student_key("42").startswith("waitlist-student:{42}")


def test_eighty_students_race_for_thirty_seats_and_fifteen_places(
    web_servers, make_user, instructor, new_section, cluster, assert_consistent
):
    # Given a 30-seat section with a 15-place waitlist, and 80 students, each sent to one
    # of the two servers in turn
    section = new_section(capacity=30, waitlist_capacity=15)
    senders = [sender(web_servers[i % 2], make_user(Role.STUDENT)) for i in range(80)]

    # When they all enroll at the same moment
    results = at_once(senders, lambda send: send("POST", enrollments_url(section.id), json={}))

    # Then exactly 30 hold a seat, 15 a place at positions 1 to 15, and 35 were told the
    # waitlist is full
    bodies = [response.json() for response in results]
    outcomes = Counter(
        (response.status_code, body.get("status") if response.ok else body["code"])
        for response, body in zip(results, bodies, strict=True)
    )
    assert outcomes == {(201, "enrolled"): 30, (201, "waitlisted"): 15, (409, "waitlist_full"): 35}, outcomes
    waitlisted = [body for body in bodies if body.get("status") == "waitlisted"]
    assert sorted(body["position"] for body in waitlisted) == list(range(1, 16))
    # And both servers read the same line: each student at the position they were told
    told = sorted((body["student_id"], body["position"]) for body in waitlisted)
    for url in web_servers:
        assert sorted(line_of(sender(url, instructor), section.id)) == told
    body = sender(web_servers[1], instructor)("GET", f"{SECTIONS}{section.id}/").json()
    assert (body["enrolled"], body["seats_left"], body["waitlisted"]) == (30, 0, 15)
    # And the keys really are spread: the waiting students' counts sit on more than one node
    assert len(_nodes_holding(cluster, keys.STUDENT_KEYS_PATTERN)) > 1
    assert_consistent(section.term)


def test_simultaneous_drops_on_both_servers_promote_the_line_in_order(
    web_servers, make_user, registrar, new_section, assert_consistent
):
    # Given a full five-seat section with eight students waiting, who joined one after another
    section = new_section(capacity=5)
    seated = [make_user(Role.STUDENT) for _ in range(5)]
    waiting = [make_user(Role.STUDENT) for _ in range(8)]
    for i, student in enumerate(seated):
        assert join(sender(web_servers[i % 2], student), section.id)["status"] == "enrolled"
    for position, student in enumerate(waiting, start=1):
        assert join(sender(web_servers[position % 2], student), section.id)["position"] == position
    droppers = [sender(web_servers[i % 2], student) for i, student in enumerate(seated)]

    # When all five drop at the same moment, through both servers
    results = at_once(droppers, lambda send: send("DELETE", f"{enrollments_url(section.id)}me/"))

    # Then the first five in line hold the seats, enrolled in line order, and the other
    # three wait at positions 1 to 3
    assert [response.status_code for response in results] == [204] * 5
    staff = sender(web_servers[0], registrar)
    roster = staff("GET", enrollments_url(section.id), params={"page_size": 100}).json()["results"]
    assert [item["student_id"] for item in roster] == [student.id for student in waiting[:5]]
    assert line_of(staff, section.id) == [(student.id, position) for position, student in enumerate(waiting[5:], 1)]
    body = staff("GET", f"{SECTIONS}{section.id}/").json()
    assert (body["enrolled"], body["seats_left"], body["waitlisted"]) == (5, 0, 3)
    assert_consistent(section.term)


def test_one_student_racing_into_five_full_sections_gets_three_places(
    web_servers, make_user, new_section, assert_consistent
):
    # Given five full sections, on whichever nodes their hash tags fall, and a student on
    # no waitlist yet
    sections = [new_section(capacity=1) for _ in range(5)]
    for i, section in enumerate(sections):
        assert join(sender(web_servers[i % 2], make_user(Role.STUDENT)), section.id)["status"] == "enrolled"
    student = make_user(Role.STUDENT)
    senders = [(section, sender(web_servers[i % 2], student)) for i, section in enumerate(sections)]

    # When the student enrolls in all five at the same moment, through both servers
    results = at_once(senders, lambda pair: (pair[0].id, pair[1]("POST", enrollments_url(pair[0].id), json={})))

    # Then exactly three joined (each first in line) and two were refused for the limit
    joined = sorted(section_id for section_id, response in results if response.status_code == 201)
    refused = [response.json() for _, response in results if response.status_code != 201]
    assert len(joined) == 3, [(response.status_code, response.content) for _, response in results]
    assert all(response.json()["position"] == 1 for _, response in results if response.status_code == 201)
    assert [(body["status"], body["code"]) for body in refused] == [(409, "waitlist_limit_reached")] * 2
    # And their schedule, read from either server, lists exactly those three places
    for url in web_servers:
        response = sender(url, student)("GET", "/api/v1/students/me/enrollments/", params={"page_size": 100})
        assert response.status_code == 200
        listed = sorted(
            (item["section_id"], item["status"])
            for item in response.json()["results"]
            if item["section_id"] in {section.id for section in sections}
        )
        assert listed == [(section_id, "waitlisted") for section_id in joined]
    assert_consistent(*(section.term for section in sections))


def test_check_integrity_scans_every_node_and_repairs_there(new_section, cluster, check_integrity):
    # Given a section nobody waits for, and students counted on its waitlist without a
    # place there, whose keys sit on each of the three nodes
    section = new_section(capacity=1)
    strays: dict[str, str] = {}  # node -> student id
    for number in itertools.count(990_001):
        node = cluster.get_node_from_key(keys.student_key(str(number))).name
        strays.setdefault(node, str(number))
        if len(strays) == NODES:
            break
    for student_id in strays.values():
        cluster.sadd(keys.student_key(student_id), section.id)

    # When the operator checks the section's term
    found = check_integrity(section.term)

    # Then each of the three is found, whichever node holds their key
    assert found.returncode == 1, found.stdout + found.stderr
    for student_id in strays.values():
        assert f"count_without_place: student {student_id}: counted on the waitlist of {section.id}" in found.stdout
    # And --repair removes the counts on their own nodes, after which the check is clean
    repaired = check_integrity(section.term, repair=True)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert [cluster.exists(keys.student_key(student_id)) for student_id in strays.values()] == [0] * NODES


def test_unfreezing_through_the_other_server_fills_every_free_seat_in_line_order(
    web_servers, make_user, registrar, new_section, cluster, assert_consistent
):
    # Given three full one-seat sections, two students waiting for each, and automatic
    # enrollment frozen (the untagged flag) through one server
    sections = [new_section(capacity=1) for _ in range(3)]
    seated = [make_user(Role.STUDENT) for _ in sections]
    waiting = {section.id: [make_user(Role.STUDENT) for _ in range(2)] for section in sections}
    for i, section in enumerate(sections):
        assert join(sender(web_servers[i % 2], seated[i]), section.id)["status"] == "enrolled"
        for position, student in enumerate(waiting[section.id], start=1):
            assert join(sender(web_servers[position % 2], student), section.id)["position"] == position
    staff = [sender(url, registrar) for url in web_servers]
    try:
        assert staff[0]("PUT", "/api/v1/auto-enrollment/", json={"frozen": True}).json() == {"frozen": True}
        # And the seated students drop at once: nobody is promoted
        droppers = [
            (sender(web_servers[i % 2], student), section)
            for i, (student, section) in enumerate(zip(seated, sections, strict=True))
        ]
        drops = at_once(droppers, lambda pair: pair[0]("DELETE", f"{enrollments_url(pair[1].id)}me/"))
        assert [response.status_code for response in drops] == [204] * 3
        for section in sections:
            body = staff[1]("GET", f"{SECTIONS}{section.id}/").json()
            assert (body["enrolled"], body["waitlisted"]) == (0, 2)

        # When the registrar unfreezes through the other server
        assert staff[1]("PUT", "/api/v1/auto-enrollment/", json={"frozen": False}).json() == {"frozen": False}
    finally:
        cluster.delete(keys.FROZEN)

    # Then the head of each line holds the seat and the second waits first in line: the
    # untagged index of waitlists and the lengths of the lines, wherever their keys sit,
    # were read through the cluster
    for section in sections:
        first, second = waiting[section.id]
        roster = staff[0]("GET", enrollments_url(section.id), params={"page_size": 100}).json()["results"]
        assert [item["student_id"] for item in roster] == [first.id]
        assert line_of(staff[1], section.id) == [(second.id, 1)]
    assert_consistent(*(section.term for section in sections))


def test_a_cluster_no_node_of_which_answers_is_a_store_outage(client_for, make_user, new_section):
    # Given the waitlist store configured for a cluster whose nodes refuse connections
    section = new_section(capacity=0)
    cluster_store = {
        **settings.CACHES["waitlist"],
        "LOCATION": f"redis://{DEAD}/0",
        "OPTIONS": {**settings.CACHES["waitlist"]["OPTIONS"], "CONNECTION_FACTORY": CLUSTER_FACTORY},
    }

    # When a student enrolls in a full section, which needs the waitlist
    with override_settings(CACHES={**settings.CACHES, "waitlist": cluster_store}):
        response = client_for(make_user(Role.STUDENT)).post(enrollments_url(section.id), {}, format="json")

    # Then the answer is a 503 naming Redis, as for a single server that is down
    body = assert_problem(response, 503, "service_unavailable")
    assert "redis" in body["detail"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:7000/0"}, "CACHE_REDIS_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:7000/3", "CACHE_REDIS_URL": "redis://127.0.0.1:6379/1"}, "database 0"),
    ],
)
def test_the_cluster_settings_refuse_what_a_cluster_cannot_do(env, message):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("REDIS_", "CACHE_REDIS_"))}
    result = subprocess.run(
        [sys.executable, "-c", f"import {settings.SETTINGS_MODULE}"],
        cwd=settings.BASE_DIR,
        env={**environment, "REDIS_CLUSTER": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
