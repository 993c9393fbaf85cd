"""``seed_demo``: a catalog with accounts, progress shown, safe to run twice."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from enrollment.management.commands.seed_demo import COURSES, ENROLLMENTS, SECTIONS
from enrollment.models import Course, Enrollment, Section
from waitlist.api import waitlist_places


@pytest.mark.django_db
def test_seed_demo_twice_creates_everything_once(capsys):
    # When seed_demo runs twice
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    # Then the first run created and showed its progress, the second found everything
    assert f"[{len(SECTIONS)}/{len(SECTIONS)}]" in first and "created" in first
    assert "created" not in second and "enrolled\n" not in second and "waitlisted" not in second
    assert User.objects.get(username="registrar").roles == {"registrar"}
    assert User.objects.get(username="prof.hopper").roles == {"instructor"}
    for department, number, *_ in COURSES:
        assert int(Course.get(f"{department}-{number}").section_count) >= 1
    # And the catalog has full sections, with counters equal to their rows, and a waitlist
    full = 0
    for section_id, students in ENROLLMENTS:
        section = Section.get(section_id, consistent_read=True)
        rows = [row for row in Enrollment.query(section_id, consistent_read=True) if row.status == "enrolled"]
        seated = min(len(students), int(section.capacity))
        assert int(section.enrolled) == len(rows) == seated
        waiting = [place.student_id for place in waitlist_places(section_id=section_id)]
        usernames = User.objects.in_bulk([int(student_id) for student_id in waiting])
        assert [usernames[int(student_id)].username for student_id in waiting] == students[seated:]
        full += section.enrolled == section.capacity
    assert full >= 2
    assert "waitlisted (position 2)" in first


@pytest.mark.django_db
def test_seed_demo_is_refused_outside_development(settings):
    settings.ALLOW_DEMO_DATA = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.filter(username="registrar").exists()
