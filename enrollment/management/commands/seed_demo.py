"""``.venv/bin/python manage.py seed_demo``: accounts for each role and a believable catalog, for
trying the service out. Safe to run again: what exists is left as it is."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.management.base import CommandError

from accounts.api import Actor, Role, UsernameTaken, user_create, user_profile_by_username, user_staff_grant
from core.management.stores import StoreCommand
from enrollment.data import EnrollOutcome
from enrollment.errors import AlreadyEnrolled, CourseExists, SectionExists, TermNotFound
from enrollment.meetings import Meeting
from enrollment.rules import HoldKind
from enrollment.selectors import registration_state, student_holds, term_get
from enrollment.services import (
    TicketInput,
    course_create,
    enrollment_create,
    hold_create,
    section_create,
    term_settings_put,
    time_tickets_put,
)
from waitlist.api import AlreadyWaitlisted, WaitlistFull, WaitlistLimitReached, waitlist_place

# Public demo credentials: printed on purpose, refused outside development.
DEMO_PASSWORD = "demo-pass-2026"
REGISTRAR = "registrar"
DEMO_ACCOUNTS = [
    (REGISTRAR, "Rita", "Registrar", [Role.REGISTRAR]),
    ("prof.hopper", "Grace", "Hopper", [Role.INSTRUCTOR]),
    ("prof.turing", "Alan", "Turing", [Role.INSTRUCTOR]),
    ("prof.noether", "Emmy", "Noether", [Role.INSTRUCTOR]),
    ("prof.curie", "Marie", "Curie", [Role.INSTRUCTOR]),
    ("prof.morrison", "Toni", "Morrison", [Role.INSTRUCTOR]),
    ("ada", "Ada", "Lovelace", [Role.STUDENT]),
    ("linus", "Linus", "Torvalds", [Role.STUDENT]),
    ("margaret", "Margaret", "Hamilton", [Role.STUDENT]),
    ("barbara", "Barbara", "Liskov", [Role.STUDENT]),
    ("dennis", "Dennis", "Ritchie", [Role.STUDENT]),
    ("katherine", "Katherine", "Johnson", [Role.STUDENT]),
    ("edsger", "Edsger", "Dijkstra", [Role.STUDENT]),
]

# department, number, title, credits
COURSES = [
    ("CPSC", "121", "Object-Oriented Programming", 3),
    ("CPSC", "131", "Data Structures", 3),
    ("CPSC", "332", "File Structures and Databases", 3),
    ("CPSC", "449", "Web Back-End Engineering", 3),
    ("CPSC", "474", "Parallel and Distributed Computing", 3),
    ("MATH", "150A", "Calculus I", 4),
    ("MATH", "150B", "Calculus II", 4),
    ("MATH", "270A", "Mathematical Structures I", 3),
    ("MATH", "338", "Statistics Applied to Natural Sciences", 4),
    ("PHYS", "225", "Fundamental Physics: Mechanics", 3),
    ("PHYS", "226", "Fundamental Physics: Electricity and Magnetism", 3),
    ("ENGL", "101", "Beginning College Writing", 3),
    ("ENGL", "360", "Shakespeare", 3),
]

# term, course id, section, instructor, capacity, meetings (days, start, end). Some
# sections of a term overlap, to show a time conflict: CPSC-131-01 and ENGL-101-01 both
# meet MW 10:00-11:15, PHYS-225-01's lecture overlaps both, MATH-150A-01 and ENGL-101-02
# both meet at 09:00 on TR. No two sections a demo student is enrolled in overlap.
SECTIONS = [
    ("2026FA", "CPSC-121", "01", "prof.hopper", 40, [("MW", "08:00", "09:15")]),
    ("2026FA", "CPSC-121", "02", "prof.hopper", 40, [("TR", "13:00", "14:15")]),
    ("2026FA", "CPSC-131", "01", "prof.turing", 35, [("MW", "10:00", "11:15")]),
    ("2026FA", "CPSC-332", "01", "prof.hopper", 30, [("TR", "10:00", "11:15")]),
    ("2026FA", "CPSC-449", "01", "prof.turing", 3, [("MW", "16:00", "17:15")]),
    ("2026FA", "CPSC-449", "02", "prof.hopper", 30, [("TR", "19:00", "21:45")]),
    ("2026FA", "CPSC-474", "01", "prof.turing", 25, [("F", "13:00", "15:45")]),
    ("2026FA", "MATH-150A", "01", "prof.noether", 45, [("MTWR", "09:00", "09:50")]),
    ("2026FA", "MATH-150A", "02", "prof.noether", 45, [("MTWR", "12:00", "12:50")]),
    ("2026FA", "MATH-150B", "01", "prof.noether", 40, [("MTWR", "11:00", "11:50")]),
    ("2026FA", "MATH-270A", "01", "prof.turing", 2, [("TR", "08:30", "09:45")]),
    ("2026FA", "MATH-338", "01", "prof.noether", 35, [("MW", "14:30", "15:45")]),
    ("2026FA", "PHYS-225", "01", "prof.curie", 48, [("MWF", "10:00", "10:50"), ("R", "14:00", "16:45")]),
    ("2026FA", "PHYS-225", "02", "prof.curie", 4, [("TR", "16:00", "17:15")]),
    ("2026FA", "PHYS-226", "01", "prof.curie", 40, [("MWF", "11:00", "11:50")]),
    ("2026FA", "ENGL-101", "01", "prof.morrison", 25, [("MW", "10:00", "11:15")]),
    ("2026FA", "ENGL-101", "02", "prof.morrison", 25, [("TR", "09:00", "10:15")]),
    ("2026FA", "ENGL-360", "01", "prof.morrison", 30, [("TR", "14:30", "15:45")]),
    ("2027SP", "CPSC-131", "01", "prof.turing", 35, [("MW", "10:00", "11:15")]),
    ("2027SP", "CPSC-449", "01", "prof.hopper", 30, [("MW", "16:00", "17:15")]),
    ("2027SP", "MATH-150B", "01", "prof.noether", 40, [("MTWR", "09:00", "09:50")]),
]

# Who is enrolled where, in order: CPSC-449-01, MATH-270A-01 and PHYS-225-02 end up
# full, and barbara and katherine wait for CPSC-449-01 (positions 1 and 2).
ENROLLMENTS = [
    ("2026FA-CPSC-449-01", ["ada", "linus", "margaret", "barbara", "katherine"]),
    ("2026FA-MATH-270A-01", ["barbara", "edsger"]),
    ("2026FA-PHYS-225-02", ["dennis", "katherine", "edsger", "linus"]),
    ("2026FA-CPSC-131-01", ["ada", "barbara", "dennis"]),
    ("2026FA-MATH-150A-01", ["ada", "katherine", "margaret"]),
    ("2026FA-ENGL-360-01", ["linus", "barbara"]),
]


# The registration calendar, relative to the day the demo is seeded (UTC midnight):
# term, opens (days from then), closes (days from then), max credits. 2026FA is open
# now; 2027SP opens in two weeks, and a few students hold earlier or later time tickets.
TERMS = [
    ("2026FA", -7, 60, 18),
    ("2027SP", 14, 90, 18),
]
# term, student, opens (days from the seeding day)
TIME_TICKETS = [
    ("2027SP", "ada", -1),  # an early ticket: ada may register for spring already
    ("2027SP", "margaret", 3),
    ("2027SP", "linus", 21),  # later than the term's opening
]
# student, kind, reason: dennis cannot add a section until the registrar lifts it.
HOLDS = [("dennis", HoldKind.FINANCIAL, "Tuition balance due for 2026FA")]


class Command(StoreCommand):
    help = "Create demo accounts and a demo catalog with enrollments. Safe to run twice."
    # Checked before the first account is written: never a half-seeded demo.
    stores = ("tables", "redis")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even where ALLOW_DEMO_DATA is off.")

    def handle(self, *args, force: bool, **options) -> None:
        if not settings.ALLOW_DEMO_DATA and not force:
            raise CommandError("seed_demo creates accounts with a published password; use --force to seed anyway.")
        user_ids = self._accounts()
        self._courses()
        self._sections(user_ids)
        self._enrollments(user_ids)
        self._registration(user_ids)

    def _step(self, index: int, total: int, label: str, state: str, *, width: int) -> None:
        """One line of a table: the counter right-aligned and the label padded to ``width``
        (the longest label of the table), so the states line up."""
        counter = f"[{index:>{len(str(total))}}/{total}]"
        self.stdout.write(f"  {counter} {label:{width}}  {state}".rstrip())

    def _accounts(self) -> dict[str, str]:
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        user_ids = {}
        labels = [
            f"{username} ({', '.join([*(str(role) for role in roles), *(['admin'] if username == REGISTRAR else [])])})"
            for username, _, _, roles in DEMO_ACCOUNTS
        ]
        width = max(map(len, labels))
        for index, (username, first_name, last_name, roles) in enumerate(DEMO_ACCOUNTS, start=1):
            try:
                profile = user_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    roles=roles,
                    email=f"{username}@example.edu",
                    first_name=first_name,
                    last_name=last_name,
                    staff=username == REGISTRAR,
                )
                state = "created"
            except UsernameTaken:
                profile = user_profile_by_username(username=username)
                state = "exists"
                if username == REGISTRAR:
                    user_staff_grant(username=username)  # a demo seeded before the registrar was staff
            user_ids[username] = profile.id
            self._step(index, len(DEMO_ACCOUNTS), labels[index - 1], f"{state:7}  id {profile.id}", width=width)
        return user_ids

    def _courses(self) -> None:
        self.stdout.write("Courses:")
        labels = [f"{department}-{number} {title}" for department, number, title, _ in COURSES]
        width = max(map(len, labels))
        for index, (department, number, title, credits) in enumerate(COURSES, start=1):
            try:
                course_create(department=department, number=number, title=title, credits=credits)
                state = "created"
            except CourseExists:
                state = "exists"
            self._step(index, len(COURSES), labels[index - 1], state, width=width)

    def _sections(self, user_ids: dict[str, str]) -> None:
        self.stdout.write("Sections:")
        times = ["; ".join(f"{days} {start}-{end}" for days, start, end in meetings) for *_, meetings in SECTIONS]
        times_width = max(map(len, times))
        ids = [f"{term}-{course_id}-{number}" for term, course_id, number, *_ in SECTIONS]
        id_width = max(map(len, ids))
        labels = [
            f"{ids[index]:{id_width}}  {times[index]:{times_width}}  {capacity:>2} seats, {instructor}"
            for index, (_, _, _, instructor, capacity, _) in enumerate(SECTIONS)
        ]
        width = max(map(len, labels))
        for index, (term, course_id, number, instructor, capacity, meetings) in enumerate(SECTIONS, start=1):
            try:
                section_create(
                    course_id=course_id,
                    term=term,
                    number=number,
                    instructor_id=user_ids[instructor],
                    capacity=capacity,
                    waitlist_capacity=15,
                    meetings=[Meeting(days=days, start=start, end=end) for days, start, end in meetings],
                )
                state = "created"
            except SectionExists:
                state = "exists"
            self._step(index, len(SECTIONS), labels[index - 1], state, width=width)

    def _enrollments(self, user_ids: dict[str, str]) -> None:
        self.stdout.write("Enrollments:")
        registrar = Actor(id=user_ids[REGISTRAR], roles=frozenset({Role.REGISTRAR}))
        pairs = [(section_id, student) for section_id, students in ENROLLMENTS for student in students]
        width = max(len(f"{student} in {section_id}") for section_id, student in pairs)
        for index, (section_id, student) in enumerate(pairs, start=1):
            try:
                registration = enrollment_create(actor=registrar, section_id=section_id, student_id=user_ids[student])
            except AlreadyEnrolled:
                state = "enrolled (exists)"
            except AlreadyWaitlisted:
                place = waitlist_place(section_id=section_id, student_id=user_ids[student])
                state = f"waiting, position {place.position} (exists)"
            except (WaitlistFull, WaitlistLimitReached) as exc:
                state = f"skipped: {exc.code}"
            else:
                state = str(registration.status)
                if registration.status == EnrollOutcome.WAITLISTED:
                    state += f" (position {registration.position})"
            self._step(index, len(pairs), f"{student} in {section_id}", state, width=width)

    def _registration(self, user_ids: dict[str, str]) -> None:
        """Terms with their windows, a few time tickets and a hold (after the enrollments,
        which the registrar makes: windows and holds do not bind them anyway)."""
        self.stdout.write("Registration calendar:")
        registrar = Actor(id=user_ids[REGISTRAR], roles=frozenset({Role.REGISTRAR}))
        day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        steps: list[tuple[str, Callable[[], str]]] = []
        for term, opens, closes, max_credits in TERMS:
            label = f"{term} opens {_day(day + timedelta(days=opens))}, closes {_day(day + timedelta(days=closes))}"
            steps.append(
                (
                    label,
                    partial(_term_seed, term, day + timedelta(days=opens), day + timedelta(days=closes), max_credits),
                )
            )
        for term, student, opens in TIME_TICKETS:
            label = f"{term} time ticket: {student} from {_day(day + timedelta(days=opens))}"
            steps.append(
                (label, partial(_ticket_seed, registrar, term, user_ids[student], day + timedelta(days=opens)))
            )
        for student, kind, reason in HOLDS:
            steps.append(
                (
                    f"hold on {student}: {kind}, {reason}",
                    partial(_hold_seed, registrar, user_ids[student], kind, reason),
                )
            )
        width = max(len(label) for label, _ in steps)
        for index, (label, seed) in enumerate(steps, start=1):
            self._step(index, len(steps), label, seed(), width=width)


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _term_seed(term: str, opens: datetime, closes: datetime, max_credits: int) -> str:
    try:
        term_get(term=term)
    except TermNotFound:
        term_settings_put(
            term=term, registration_opens_at=opens, registration_closes_at=closes, max_credits=max_credits
        )
        return "created"
    return "exists"


def _ticket_seed(registrar: Actor, term: str, student_id: str, opens: datetime) -> str:
    if registration_state(student_id=student_id, term=term).ticket_opens_at is not None:
        return "exists"
    time_tickets_put(actor=registrar, term=term, tickets=[TicketInput(student_id=student_id, opens_at=opens)])
    return "created"


def _hold_seed(registrar: Actor, student_id: str, kind: HoldKind, reason: str) -> str:
    if student_holds(actor=registrar, student_id=student_id):
        return "exists"
    hold_create(actor=registrar, student_id=student_id, kind=kind, reason=reason)
    return "created"
