"""Object-level authorization (OWASP API1): a student cannot read, drop, swap, leave or
watch another student's seat, waitlist place, schedule, holds, term summary, swaps,
subscription or its deliveries, and the answer does not tell whether the thing exists.

Each attack is sent three times: at the victim's real object, at the same kind of
object of a student who has none (a bystander), and at a student who does not exist.
The three answers must be the same status and the same body (but for ``instance``, the
path), so that refusals cannot be used to learn who is enrolled, waiting, held or
subscribed. Afterwards everything the victim had is still there.
"""

import json
from dataclasses import dataclass

import pytest

from accounts.api import UserProfile
from enrollment.tests.http import assert_problem, enrollment_url, enrollments_url, place_url, student_url
from notifications.tests.test_views import deliveries_url, subscribe, subscription_url

pytestmark = pytest.mark.django_db

GHOST = "987654321"  # no such user


@dataclass
class World:
    victim: UserProfile
    bystander: UserProfile
    seat_section: str
    full_section: str
    other_section: str
    term: str
    subscription_id: str
    hold_id: str
    etag: str


@pytest.fixture
def world(client_for, make_user, registrar, new_section, make_section, enroll) -> World:
    victim, bystander, filler = make_user(), make_user(), make_user()
    seat = new_section(capacity=1)
    full = make_section(course_id=seat.course_id, term=seat.term, number="02", capacity=1)
    other = make_section(course_id=seat.course_id, term=seat.term, number="03", capacity=5)
    enroll(victim, seat.id)
    enroll(filler, full.id)
    assert enroll(victim, full.id)["status"] == "waitlisted"
    subscription = subscribe(client_for(victim), full.id, email="victim@example.edu")
    hold = client_for(registrar).post(
        f"/api/v1/students/{victim.id}/holds/", {"kind": "advising", "reason": "See your advisor"}, format="json"
    )
    assert hold.status_code == 201, hold.content
    place = client_for(victim).get(place_url(full.id, "me"))
    return World(
        victim=victim,
        bystander=bystander,
        seat_section=seat.id,
        full_section=full.id,
        other_section=other.id,
        term=seat.term,
        subscription_id=subscription["id"],
        hold_id=hold.json()["id"],
        etag=place["ETag"],
    )


# Each attack: (method, path for a student id, body, extra headers), built from the world.
def _attacks(w: World):
    return {
        "read a seat": lambda sid: ("GET", enrollment_url(w.seat_section, sid), None, {}),
        "drop a seat": lambda sid: ("DELETE", enrollment_url(w.seat_section, sid), None, {}),
        "read a waitlist place": lambda sid: ("GET", place_url(w.full_section, sid), None, {}),
        "watch a place with its ETag": lambda sid: (
            "GET",
            place_url(w.full_section, sid),
            None,
            {"HTTP_IF_NONE_MATCH": w.etag},
        ),
        "leave a waitlist for them": lambda sid: ("DELETE", place_url(w.full_section, sid), None, {}),
        "read a schedule": lambda sid: ("GET", student_url(sid), None, {}),
        "read holds": lambda sid: ("GET", f"/api/v1/students/{sid}/holds/", None, {}),
        "read a term summary": lambda sid: ("GET", f"/api/v1/students/{sid}/terms/{w.term}/", None, {}),
        "read swaps": lambda sid: ("GET", f"/api/v1/students/{sid}/swaps/", None, {}),
        "swap for them": lambda sid: (
            "POST",
            f"/api/v1/students/{sid}/swaps/",
            {"drop_section_id": w.seat_section, "enroll_section_id": w.other_section},
            {},
        ),
        "enroll them": lambda sid: ("POST", enrollments_url(w.other_section), {"student_id": sid}, {}),
    }


def _send(client, method, path, body, headers):
    data = "" if body is None else json.dumps(body)
    return client.generic(method, path, data=data, content_type="application/json", **headers)


def _answer(response) -> tuple[int, dict]:
    body = response.json()
    body.pop("instance", None)
    return response.status_code, body


def test_another_students_things_are_refused_alike_whether_or_not_they_exist(client_for, make_user, registrar, world):
    attacker = client_for(make_user())
    # The attack names ...: the victim, a student without any of it, a student who does not exist
    targets = [world.victim.id, world.bystander.id, GHOST]
    wrong = []
    for name, attack in _attacks(world).items():
        answers = [_answer(_send(attacker, *attack(target))) for target in targets]
        status, body = answers[0]
        if status not in (403, 404) or body.get("code") not in ("permission_denied", "not_found"):
            wrong.append(f"{name}: {status} {body}")
        elif any(answer != answers[0] for answer in answers[1:]):
            wrong.append(f"{name}: the answers differ: {answers}")
    assert not wrong, "\n".join(wrong)

    _assert_the_victim_lost_nothing(client_for, registrar, world)


def _subscription_ids(world: World) -> list[str]:
    """The victim's subscription, an id of the victim's for the same section that does not
    exist (another nonce), and one of a student who does not exist."""
    real = world.subscription_id
    other_nonce = real.rpartition(".")[0] + ".AAAAAAAAAAAA"
    from notifications.data import SubscriptionKey

    ghost = SubscriptionKey(student_id=GHOST, section_id=world.full_section).new_id()
    return [real, other_nonce, ghost]


@pytest.mark.parametrize(
    "method, url", [("GET", subscription_url), ("DELETE", subscription_url), ("GET", deliveries_url)]
)
def test_another_students_subscription_is_refused_alike_whether_or_not_it_exists(
    client_for, make_user, registrar, world, method, url
):
    attacker = client_for(make_user())

    answers = [_answer(attacker.generic(method, url(subscription_id))) for subscription_id in _subscription_ids(world)]

    assert answers[0][0] in (403, 404)
    assert answers[1:] == [answers[0], answers[0]]
    _assert_the_victim_lost_nothing(client_for, registrar, world)


def test_a_student_cannot_subscribe_someone_else(client_for, make_user, world):
    attacker = client_for(make_user())
    body = {"section_id": world.seat_section, "email": "attacker@example.edu", "student_id": world.victim.id}

    response = attacker.post("/api/v1/subscriptions/", body, format="json")

    assert_problem(response, 400, "invalid", field="student_id")
    assert attacker.get("/api/v1/subscriptions/").json()["results"] == []
    victims = client_for(world.victim).get("/api/v1/subscriptions/?page_size=100").json()["results"]
    assert [item["id"] for item in victims] == [world.subscription_id]


def _assert_the_victim_lost_nothing(client_for, registrar, world: World) -> None:
    staff = client_for(registrar)
    seat = staff.get(enrollment_url(world.seat_section, world.victim.id))
    assert seat.status_code == 200 and seat.json()["status"] == "enrolled"
    place = staff.get(place_url(world.full_section, world.victim.id))
    assert place.status_code == 200 and place.json()["position"] == 1
    assert staff.get(enrollment_url(world.other_section, world.victim.id)).status_code == 404
    holds = staff.get(f"/api/v1/students/{world.victim.id}/holds/").json()["results"]
    assert [hold["id"] for hold in holds] == [world.hold_id]
    assert client_for(world.victim).get(subscription_url(world.subscription_id)).status_code == 200


def test_the_victim_and_the_registrar_still_see_it_all(client_for, registrar, world):
    # The control: the same requests succeed for the owner, so the refusals above are about who asks.
    own = client_for(world.victim)

    assert own.get(enrollment_url(world.seat_section, "me")).status_code == 200
    assert own.get(place_url(world.full_section, "me"), HTTP_IF_NONE_MATCH=world.etag).status_code == 304
    assert own.get(f"/api/v1/students/me/terms/{world.term}/").status_code == 200
    assert own.get(deliveries_url(world.subscription_id)).status_code == 200
    assert_problem(own.get(f"/api/v1/students/{registrar.id}/holds/"), 403, "permission_denied")
