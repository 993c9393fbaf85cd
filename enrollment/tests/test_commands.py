"""``seed_demo``: a catalog with accounts, progress shown, safe to run twice."""

import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from enrollment.management.commands.seed_demo import COURSES, DEMO_PASSWORD, ENROLLMENTS, SECTIONS
from enrollment.models import Course, Enrollment, Section
from enrollment.selectors import registration_state, term_get
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
    # And a registration calendar: 2026FA open now, a time ticket, a hold on dennis
    now = datetime.now(UTC)
    fall = term_get(term="2026FA")
    assert fall.registration_opens_at < now < fall.registration_closes_at
    assert term_get(term="2027SP").registration_opens_at > now
    ada, dennis = (str(User.objects.get(username=name).pk) for name in ("ada", "dennis"))
    spring = registration_state(student_id=ada, term="2027SP")
    assert spring.opens_at is not None and spring.opens_at < now and spring.can_register_now(now)
    assert [hold.kind for hold in registration_state(student_id=dennis, term="2026FA").holds] == ["financial"]
    assert "Registration calendar:" in first and "hold on dennis" in second and "exists" in second


@pytest.mark.django_db
def test_seed_demo_is_refused_outside_development(settings):
    settings.ALLOW_DEMO_DATA = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.filter(username="registrar").exists()


@pytest.mark.django_db
def test_seed_demos_tables_line_up_say_what_is_true_and_its_registrar_can_use_the_admin(capsys, client):
    # (The catalog may be seeded already by an earlier test, with other user ids: positions vary.)
    call_command("seed_demo")
    capsys.readouterr()

    # When it runs again
    call_command("seed_demo")
    lines = capsys.readouterr().out.splitlines()

    # Then the states of each table start in one column, past the longest label (no title cut)
    tables: list[list[str]] = []
    for line in lines:
        if not line.startswith("  ["):
            tables.append([])
        else:
            tables[-1].append(line)
    assert len(tables) == 5
    for table in tables:
        starts = {[*re.finditer(r" {2,}(?=\S)", line)][-1].end() for line in table if "  id " not in line}
        assert len(starts) <= 1, table
    assert any("PHYS-226 Fundamental Physics: Electricity and Magnetism  " in line for line in lines)
    assert any(line.startswith("  [ 1/13] ") for line in lines) and any(line.startswith("  [10/13] ") for line in lines)
    # And a waiting student is reported waiting, with their place
    waiting = [
        line
        for line in lines
        if re.search(r" katherine in 2026FA-CPSC-449-01 +waiting, position \d+ \(exists\)$", line)
    ]
    assert len(waiting) == 1, lines

    # And the demo registrar logs in to the admin, and sees the users
    login = client.post("/admin/login/", {"username": "registrar", "password": DEMO_PASSWORD, "next": "/admin/"})
    assert login.status_code == 302
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200 and b"prof.hopper" in page.content
