"""What the fuzz tests share: their bounds, where Hypothesis keeps its examples, and a
world with real data behind every role's token."""

import itertools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests
from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

from accounts.roles import Role
from conftest import PASSWORD
from enrollment.tests.http import unique_department, unique_term

# Seconds each role's run may take, for each kind of fuzzing (past it, fewer cases).
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "10"))
# A fixed seed keeps `make test` reproducible; FUZZ_SEED=<n> explores elsewhere.
SEED = int(os.environ.get("FUZZ_SEED", "18"))
# Hypothesis's own files (the constants it collects, Unicode tables) and the failing
# examples it replays first: outside the work tree, never a .hypothesis/ in it.
HYPOTHESIS_HOME = Path(tempfile.gettempdir()) / "course-enrollment-fuzz"
set_hypothesis_home_dir(str(HYPOTHESIS_HOME))
DATABASE = HYPOTHESIS_HOME / "examples"


def bounded(examples: int) -> settings:
    """Hypothesis settings for ``examples`` cases against a live server: no deadline (the
    server shares the CPU), no shrinking (every failure is recorded, not minimised)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=DirectoryBasedExampleDatabase(DATABASE),
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@dataclass
class Known:
    """Ids of real objects, by path parameter name, that cases use part of the time."""

    values: dict[str, list[str]]

    def combinations(self, names: list[str], limit: int = 4) -> list[dict[str, str]]:
        if not names or any(name not in self.values for name in names):
            return []
        combos = itertools.product(*(self.values[name] for name in names))
        return [dict(zip(names, combo, strict=True)) for combo in itertools.islice(combos, limit)]


@dataclass
class World:
    users: dict[Role, object]
    known: Known

    def token(self, base_url: str, role: Role) -> str:
        response = requests.post(
            f"{base_url}/api/v1/auth/token/",
            json={"username": self.users[role].username, "password": PASSWORD},  # type: ignore[attr-defined]
            timeout=10,
        )
        assert response.status_code == 200, response.content
        return response.json()["access"]


def world_make(client_for, make_user) -> World:
    """A term open for registration, two courses, three sections (one full), and users
    with an enrollment, a waitlist place, a subscription and a hold: made through the API."""
    instructor, registrar = make_user(Role.INSTRUCTOR), make_user(Role.REGISTRAR)
    student, rival, other = make_user(Role.STUDENT), make_user(Role.STUDENT), make_user(Role.STUDENT)
    term, department = unique_term(), unique_department()

    def post(user, url: str, body: dict, method: str = "post") -> dict:
        response = getattr(client_for(user), method)(url, body, format="json")
        assert response.status_code in (200, 201), response.content
        return response.json()

    window = {"registration_opens_at": "2020-01-01T00:00:00Z", "registration_closes_at": "2099-01-01T00:00:00Z"}
    post(registrar, f"/api/v1/terms/{term}/", window, method="put")
    courses = [
        post(registrar, "/api/v1/courses/", {"department": department, "number": number, "title": title, "credits": 3})
        for number, title in (("101", "Fuzzing"), ("102", "Spare"))
    ]
    sections = [
        post(
            registrar,
            "/api/v1/sections/",
            {"course_id": courses[0]["id"], "term": term, "number": number, "instructor_id": instructor.id}
            | {"capacity": capacity},
        )["id"]
        for number, capacity in (("01", 30), ("02", 1), ("03", 30))
    ]
    open_section, full_section, spare_section = sections
    post(student, f"/api/v1/sections/{open_section}/enrollments/", {})
    post(rival, f"/api/v1/sections/{full_section}/enrollments/", {})
    assert post(student, f"/api/v1/sections/{full_section}/enrollments/", {})["status"] == "waitlisted"
    subscription = post(student, "/api/v1/subscriptions/", {"section_id": open_section, "email": "fuzz@example.edu"})
    hold = post(registrar, f"/api/v1/students/{other.id}/holds/", {"kind": "advising", "reason": "fuzzing"})
    known = Known(
        {
            "course_id": [course["id"] for course in courses],
            "section_id": [open_section, full_section, spare_section],
            "student_id": ["me", str(student.id), str(other.id)],
            "term": [term],
            "subscription_id": [subscription["id"]],
            "hold_id": [hold["id"]],
        }
    )
    return World({Role.STUDENT: student, Role.INSTRUCTOR: instructor, Role.REGISTRAR: registrar}, known)
