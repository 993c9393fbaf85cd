"""The waitlists are kept: across a restart (the repository's redis.conf), and when the cache is flushed.

A Redis of its own is started with redis.conf (as ``make run`` starts one), waitlists
are written through the services, Redis is shut down without an RDB snapshot, so only
the append-only file can bring them back, and started again from the same directory.
"""

from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from waitlist.api import student_waitlist_places, waitlist_join, waitlist_places


def _waitlist_store(url: str) -> dict:
    return {**settings.CACHES, "waitlist": {**settings.CACHES["waitlist"], "LOCATION": url}}


def test_a_restart_keeps_every_waitlist(durable_redis):
    durable_redis.start()
    start, url, client = durable_redis.start, durable_redis.url, durable_redis.client()
    # The file turns on the append-only file, fsynced every second, and never evicts keys
    assert client.config_get("appendonly")["appendonly"] == "yes"
    assert client.config_get("appendfsync")["appendfsync"] == "everysec"
    assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"

    with override_settings(CACHES=_waitlist_store(url)):
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
        start()

        # Then every place, its order, join time and position are back, and so are the counts
        after = {section_id: waitlist_places(section_id=section_id) for section_id in before}
        assert after == before
        assert [place.student_id for place in after["2026FA-PERS-1-01"]] == ["11", "12", "13"]
        assert [place.section_id for place in student_waitlist_places(student_id="12")] == [
            "2026FA-PERS-1-01",
            "2026FA-PERS-2-01",
        ]


def test_flushing_the_cache_leaves_the_waitlists_alone():
    # Given a place on a waitlist
    waitlist_join(section_id="2026FA-PERS-3-01", student_id="21", capacity=15)

    # When the throttling cache is cleared (django-redis flushes its whole database)
    caches["default"].clear()

    # Then the waitlist is still there: the cache lives in a database of its own
    assert [place.student_id for place in waitlist_places(section_id="2026FA-PERS-3-01")] == ["21"]
    assert settings.CACHES["default"]["LOCATION"] != settings.CACHES["waitlist"]["LOCATION"]
