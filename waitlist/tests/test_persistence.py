"""The waitlists are kept: across a restart and a SIGKILL (the repository's redis.conf),
and when the cache is flushed.

A Redis of the test's own is started with redis.conf (as ``make run`` starts one),
waitlists are written, Redis is shut down without an RDB snapshot or killed, so only the
append-only file can bring them back, and started again from the same directory.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.core.cache import caches

from accounts.roles import Role
from enrollment.tests.http import enrollments_url
from waitlist.api import student_waitlist_places, waitlist_join, waitlist_places
from waitlist.tests.http import sender


def test_a_restart_keeps_every_waitlist(durable_redis):
    durable_redis.start()
    client = durable_redis.client()
    # The file turns on the append-only file, fsynced before each answer, and never evicts keys
    assert client.config_get("appendonly")["appendonly"] == "yes"
    assert client.config_get("appendfsync")["appendfsync"] == "always"
    assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"

    with durable_redis.serving():
        # Given two waitlists written through the services
        for student_id in ("11", "12", "13"):
            waitlist_join(section_id="2026FA-PERS-1-01", student_id=student_id, capacity=15)
        waitlist_join(section_id="2026FA-PERS-2-01", student_id="12", capacity=15)
        before = {
            section_id: waitlist_places(section_id=section_id)
            for section_id in ("2026FA-PERS-1-01", "2026FA-PERS-2-01")
        }

        # When Redis stops without writing a snapshot, and starts again on the same directory
        client.shutdown(nosave=True)
        durable_redis.process.wait(timeout=20)
        durable_redis.start()

        # Then every place, its order, join time and position are back, and so are the counts
        after = {section_id: waitlist_places(section_id=section_id) for section_id in before}
        assert after == before
        assert [place.student_id for place in after["2026FA-PERS-1-01"]] == ["11", "12", "13"]
        assert [place.section_id for place in student_waitlist_places(student_id="12")] == [
            "2026FA-PERS-1-01",
            "2026FA-PERS-2-01",
        ]


STUDENTS = 30
KILL_AFTER = 20  # acknowledged joins


@pytest.mark.django_db(transaction=True)
def test_every_place_acknowledged_with_201_survives_a_sigkill(durable_redis, http_server, make_user, new_section):
    # Given a Redis started from redis.conf, and two full sections whose lines have room for all
    durable_redis.start()
    with durable_redis.serving():
        sections = [new_section(capacity=0, waitlist_capacity=15) for _ in range(2)]
        joins = [(sender(http_server.url, make_user(Role.STUDENT)), sections[n % 2].id) for n in range(STUDENTS)]
        acknowledged: list[dict] = []
        answers: list[int] = []
        lock = threading.Lock()

        def join(item) -> None:
            send, section_id = item
            try:
                response = send("POST", enrollments_url(section_id), json={})
            except requests.ConnectionError:
                status = 0
            else:
                status = response.status_code
            with lock:
                answers.append(status)
                if status != 201:
                    return
                acknowledged.append(response.json())
                # When Redis is killed the moment the 20th place is acknowledged, joins still in flight
                if len(acknowledged) == KILL_AFTER:
                    durable_redis.kill()

        # (students joining from 8 threads at once over HTTP)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(join, joins))

        # Then every join was either acknowledged or refused with a 503, never a 500
        assert len(acknowledged) >= KILL_AFTER
        assert set(answers) <= {201, 503}, answers
        # And after a restart from the same files, every acknowledged place is there, at the
        # position its 201 gave, in line order
        durable_redis.start()
        lines = {section.id: waitlist_places(section_id=section.id) for section in sections}
        for section_id, line in lines.items():
            assert [place.position for place in line] == list(range(1, len(line) + 1))
            told = sorted(
                (body["position"], body["student_id"]) for body in acknowledged if body["section_id"] == section_id
            )
            kept = {place.student_id: place.position for place in line}
            assert [(kept.get(student_id), student_id) for _, student_id in told] == told
        # (what was written but never acknowledged, if anything, may be there too: at most the 503s)
        extra = sum(len(line) for line in lines.values()) - len(acknowledged)
        assert 0 <= extra <= answers.count(503)


def test_flushing_the_cache_leaves_the_waitlists_alone():
    # Given a place on a waitlist
    waitlist_join(section_id="2026FA-PERS-3-01", student_id="21", capacity=15)

    # When the throttling cache is cleared (django-redis flushes its whole database)
    caches["default"].clear()

    # Then the waitlist is still there: the cache lives in a database of its own
    assert [place.student_id for place in waitlist_places(section_id="2026FA-PERS-3-01")] == ["21"]
    assert settings.CACHES["default"]["LOCATION"] != settings.CACHES["waitlist"]["LOCATION"]
