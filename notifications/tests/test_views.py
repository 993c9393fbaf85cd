"""Subscriptions over HTTP: subscribe (and the webhook targets refused), list, read one,
unsubscribe, and a subscription's deliveries, as API.md describes them.

DynamoDB tables live for the whole run while the Django database is rolled back after
each test, so every test makes its own sections (in its own department and term); each
test's users get ids of their own (see ``make_user``), so their subscriptions are theirs.
"""

import base64
import uuid

import pytest

from accounts.api import Role
from enrollment.tests.http import assert_problem, follow, is_utc_timestamp

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "/api/v1/subscriptions/"
SUBSCRIPTION_MEMBERS = {"id", "section_id", "student_id", "email", "webhook_url", "created_at"}
PUBLIC_HOOK = "https://93.184.216.34/hook"

REFUSED_TARGETS = [
    "https://127.0.0.1/x",
    "https://10.0.0.5/x",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/",
    "https://localhost/",
    "https://metadata.google.internal/",
    "https://100.64.0.1/",
]


def subscription_url(subscription_id: str) -> str:
    return f"{SUBSCRIPTIONS}{subscription_id}/"


def deliveries_url(subscription_id: str) -> str:
    return f"{SUBSCRIPTIONS}{subscription_id}/deliveries/"


def subscribe(client, section_id: str, **fields) -> dict:
    """Subscribe over HTTP and insist it was accepted; the 201 body."""
    response = client.post(SUBSCRIPTIONS, {"section_id": section_id, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def own_ids(client) -> list[str]:
    """The ids of the caller's subscriptions, every page read."""
    pages = follow(client, f"{SUBSCRIPTIONS}?page_size=100", "next")
    return [item["id"] for page in pages for item in page["results"]]


def secret_bytes(secret: str) -> bytes:
    assert secret.startswith("whsec_"), secret
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


# --- subscribe -----------------------------------------------------------------------


def test_a_student_subscribes_with_an_email_and_a_webhook(client_for, student, new_section):
    section = new_section()
    client = client_for(student)

    response = client.post(
        SUBSCRIPTIONS,
        {"section_id": section.id, "email": "ada@example.com", "webhook_url": PUBLIC_HOOK},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == SUBSCRIPTION_MEMBERS | {"webhook_secret"}
    assert body["id"].startswith("sub_")
    assert (body["section_id"], body["student_id"], body["email"], body["webhook_url"]) == (
        section.id,
        student.id,
        "ada@example.com",
        PUBLIC_HOOK,
    )
    assert is_utc_timestamp(body["created_at"])
    assert len(secret_bytes(body["webhook_secret"])) >= 24
    assert response["Location"].endswith(subscription_url(body["id"]))
    assert client.get(response["Location"]).json()["id"] == body["id"]


def test_a_subscription_may_have_only_an_email(client_for, student, new_section):
    section = new_section()

    body = subscribe(client_for(student), section.id, email="ada@example.com")

    assert (body["email"], body["webhook_url"]) == ("ada@example.com", None)


def test_a_subscription_may_have_only_a_webhook(client_for, student, new_section):
    section = new_section()

    body = subscribe(client_for(student), section.id, webhook_url=PUBLIC_HOOK)

    assert (body["email"], body["webhook_url"]) == (None, PUBLIC_HOOK)
    assert len(secret_bytes(body["webhook_secret"])) >= 24


def test_the_webhook_secret_is_shown_only_when_subscribing(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    created = subscribe(client, section.id, webhook_url=PUBLIC_HOOK)
    secret = created["webhook_secret"]

    retrieved = client.get(subscription_url(created["id"]))
    listed = client.get(SUBSCRIPTIONS)

    for response in (retrieved, listed):
        assert response.status_code == 200, response.content
        assert b"webhook_secret" not in response.content
        assert secret.encode() not in response.content
    assert set(retrieved.json()) == SUBSCRIPTION_MEMBERS
    assert [set(item) for item in listed.json()["results"]] == [SUBSCRIPTION_MEMBERS]


def test_each_subscription_gets_its_own_secret(client_for, student, make_user, new_section):
    first, second = new_section(), new_section()
    other = make_user(Role.STUDENT)

    secrets = [
        subscribe(client_for(student), first.id, webhook_url=PUBLIC_HOOK)["webhook_secret"],
        subscribe(client_for(student), second.id, webhook_url=PUBLIC_HOOK)["webhook_secret"],
        subscribe(client_for(other), first.id, webhook_url=PUBLIC_HOOK)["webhook_secret"],
    ]

    assert len(set(secrets)) == 3


# --- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "non_field_errors"),
        ({"email": "", "webhook_url": ""}, "non_field_errors"),
        ({"email": None, "webhook_url": None}, "non_field_errors"),
        ({"email": "not-an-email"}, "email"),
        ({"webhook_url": "not a url"}, "webhook_url"),
        ({"webhook_url": "ftp://hooks.example.com/enroll"}, "webhook_url"),
        ({"email": "ada@example.com", "channel": "sms"}, "channel"),
    ],
    ids=["neither", "both blank", "both null", "bad email", "not a url", "ftp", "unknown field"],
)
def test_an_invalid_subscription_is_refused(client_for, student, new_section, fields, field):
    section = new_section()
    client = client_for(student)

    response = client.post(SUBSCRIPTIONS, {"section_id": section.id, **fields}, format="json")

    assert_problem(response, 400, "invalid", field=field)
    assert own_ids(client) == []


@pytest.mark.parametrize("section_id", ["not-a-section", "2026FA-CPSC-449", "", "2026FA-CPSC-449-01/../x"])
def test_a_malformed_section_id_is_refused(client_for, student, section_id):
    client = client_for(student)

    response = client.post(SUBSCRIPTIONS, {"section_id": section_id, "email": "ada@example.com"}, format="json")

    assert_problem(response, 400, "invalid", field="section_id")
    assert own_ids(client) == []


def test_a_section_that_does_not_exist_is_refused(client_for, student, new_section):
    section = new_section()
    missing = section.id[: -len("01")] + "99"
    client = client_for(student)

    response = client.post(SUBSCRIPTIONS, {"section_id": missing, "email": "ada@example.com"}, format="json")

    body = assert_problem(response, 400, "invalid", field="section_id")
    assert missing in body["errors"]["section_id"][0]
    assert own_ids(client) == []


def test_a_section_id_is_case_insensitive(client_for, student, new_section):
    section = new_section()

    body = subscribe(client_for(student), section.id.lower(), email="ada@example.com")

    assert body["section_id"] == section.id


# --- webhook targets -----------------------------------------------------------------


@pytest.fixture
def public_webhooks_only(settings):
    """As in production: webhooks to private addresses, and plain http, are refused."""
    settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = False


@pytest.mark.usefixtures("public_webhooks_only")
def test_plain_http_is_refused_when_private_targets_are_off(client_for, student, new_section):
    section = new_section()
    client = client_for(student)

    response = client.post(
        SUBSCRIPTIONS, {"section_id": section.id, "webhook_url": "http://93.184.216.34/hook"}, format="json"
    )

    body = assert_problem(response, 400, "invalid", field="webhook_url")
    assert "https" in body["errors"]["webhook_url"][0]
    assert own_ids(client) == []


@pytest.mark.usefixtures("public_webhooks_only")
@pytest.mark.parametrize("url", REFUSED_TARGETS)
def test_a_webhook_to_a_private_target_is_refused(client_for, student, new_section, url):
    section = new_section()
    client = client_for(student)

    response = client.post(
        SUBSCRIPTIONS, {"section_id": section.id, "email": "ada@example.com", "webhook_url": url}, format="json"
    )

    body = assert_problem(response, 400, "invalid", field="webhook_url")
    assert "not a public" in body["errors"]["webhook_url"][0]
    assert own_ids(client) == []


@pytest.mark.usefixtures("public_webhooks_only")
@pytest.mark.parametrize(
    "url",
    [PUBLIC_HOOK, "https://hooks.example.com/enroll"],
    ids=["public address", "name that does not resolve now (checked again at send time)"],
)
def test_a_webhook_to_a_public_target_is_accepted(client_for, student, new_section, url):
    section = new_section()

    body = subscribe(client_for(student), section.id, webhook_url=url)

    assert body["webhook_url"] == url


def test_private_targets_are_accepted_where_they_are_allowed(client_for, student, new_section, settings):
    assert settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS is True
    section = new_section()

    body = subscribe(client_for(student), section.id, webhook_url="http://127.0.0.1:9/hook")

    assert body["webhook_url"] == "http://127.0.0.1:9/hook"


# --- one per student and section -----------------------------------------------------


def test_a_second_subscription_to_the_same_section_is_a_conflict(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    first = subscribe(client, section.id, email="ada@example.com")

    response = client.post(SUBSCRIPTIONS, {"section_id": section.id, "webhook_url": PUBLIC_HOOK}, format="json")

    assert_problem(response, 409, "duplicate")
    assert own_ids(client) == [first["id"]]
    assert client.get(subscription_url(first["id"])).json()["webhook_url"] is None


def test_other_students_and_other_sections_are_not_duplicates(client_for, student, make_user, new_section):
    section, another_section = new_section(), new_section()
    other = make_user(Role.STUDENT)
    first = subscribe(client_for(student), section.id, email="ada@example.com")

    theirs = subscribe(client_for(other), section.id, email="grace@example.com")
    second = subscribe(client_for(student), another_section.id, email="ada@example.com")

    assert (theirs["student_id"], theirs["section_id"]) == (other.id, section.id)
    assert (second["student_id"], second["section_id"]) == (student.id, another_section.id)
    assert len({first["id"], theirs["id"], second["id"]}) == 3
    assert sorted(own_ids(client_for(student))) == sorted([first["id"], second["id"]])
    assert own_ids(client_for(other)) == [theirs["id"]]


# --- who may -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.REGISTRAR])
def test_staff_may_not_subscribe_or_list(client_for, make_user, new_section, role):
    section = new_section()
    client = client_for(make_user(role))

    created = client.post(SUBSCRIPTIONS, {"section_id": section.id, "email": "ada@example.com"}, format="json")
    listed = client.get(SUBSCRIPTIONS)

    assert_problem(created, 403, "permission_denied")
    assert_problem(listed, 403, "permission_denied")


def test_anonymous_callers_must_authenticate(api_client, client_for, student, new_section):
    section = new_section()
    subscription = subscribe(client_for(student), section.id, email="ada@example.com")

    responses = [
        api_client.post(SUBSCRIPTIONS, {"section_id": section.id, "email": "eve@example.com"}, format="json"),
        api_client.get(SUBSCRIPTIONS),
        api_client.get(subscription_url(subscription["id"])),
        api_client.delete(subscription_url(subscription["id"])),
        api_client.get(deliveries_url(subscription["id"])),
    ]

    for response in responses:
        assert_problem(response, 401, "not_authenticated")
    assert own_ids(client_for(student)) == [subscription["id"]]


# --- list ----------------------------------------------------------------------------


def test_a_student_lists_only_their_own_subscriptions_page_by_page(client_for, student, make_user, new_section):
    sections = [new_section() for _ in range(3)]
    client = client_for(student)
    mine = {subscribe(client, section.id, email="ada@example.com")["id"] for section in sections}
    subscribe(client_for(make_user(Role.STUDENT)), sections[0].id, email="grace@example.com")

    pages = follow(client, f"{SUBSCRIPTIONS}?page_size=2", "next")

    assert [len(page["results"]) for page in pages] == [2, 1]
    assert pages[0]["previous"] is None
    listed = [item for page in pages for item in page["results"]]
    assert {item["id"] for item in listed} == mine
    assert {item["student_id"] for item in listed} == {student.id}
    assert {item["section_id"] for item in listed} == {section.id for section in sections}
    back = follow(client, pages[-1]["previous"], "previous")
    assert [item["id"] for item in back[0]["results"]] == [item["id"] for item in pages[0]["results"]]


def test_a_student_without_subscriptions_lists_none(client_for, student):
    response = client_for(student).get(SUBSCRIPTIONS)

    assert response.status_code == 200, response.content
    assert response.json() == {"next": None, "previous": None, "results": []}


# --- read one ------------------------------------------------------------------------


def test_the_owner_reads_their_subscription(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    created = subscribe(client, section.id, email="ada@example.com", webhook_url=PUBLIC_HOOK)

    response = client.get(subscription_url(created["id"]))

    assert response.status_code == 200, response.content
    assert response.json() == {name: value for name, value in created.items() if name != "webhook_secret"}


def test_another_student_may_not_read_a_subscription(client_for, student, make_user, new_section):
    section = new_section()
    created = subscribe(client_for(student), section.id, email="ada@example.com")

    response = client_for(make_user(Role.STUDENT)).get(subscription_url(created["id"]))

    body = assert_problem(response, 403, "permission_denied")
    assert "ada@example.com" not in str(body)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "subscription_id",
    ["nonsense", "sub_xyz", "sub_.x", "sub_!!.x", f"sub_{_b64('no-slash-here')}.abc", f"sub_{_b64('1/')}.abc"],
)
def test_a_malformed_subscription_id_is_not_found(client_for, student, subscription_id):
    response = client_for(student).get(subscription_url(subscription_id))

    assert_problem(response, 404, "not_found")


def test_an_id_with_the_right_key_but_another_nonce_is_not_found(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    created = subscribe(client, section.id, email="ada@example.com")
    forged = created["id"].rpartition(".")[0] + ".AAAAAAAAAAAA"

    response = client.get(subscription_url(forged))

    assert_problem(response, 404, "not_found")


def test_reading_a_subscription_is_one_get_item(client_for, student, new_section, dynamodb_calls):
    section = new_section()
    client = client_for(student)
    created = subscribe(client, section.id, email="ada@example.com")
    dynamodb_calls.clear()

    response = client.get(subscription_url(created["id"]))

    assert response.status_code == 200, response.content
    assert dynamodb_calls.count("GetItem") == 1
    assert dynamodb_calls.count("Query") == 0
    assert dynamodb_calls.count("Scan") == 0


# --- unsubscribe ---------------------------------------------------------------------


def test_the_owner_unsubscribes(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    created = subscribe(client, section.id, email="ada@example.com")

    response = client.delete(subscription_url(created["id"]))

    assert response.status_code == 204, response.content
    assert response.content == b""
    assert_problem(client.get(subscription_url(created["id"])), 404, "not_found")
    assert_problem(client.delete(subscription_url(created["id"])), 404, "not_found")
    assert_problem(client.get(deliveries_url(created["id"])), 404, "not_found")
    assert own_ids(client) == []


def test_another_student_may_not_unsubscribe_someone(client_for, student, make_user, new_section):
    section = new_section()
    owner = client_for(student)
    created = subscribe(owner, section.id, email="ada@example.com")

    response = client_for(make_user(Role.STUDENT)).delete(subscription_url(created["id"]))

    assert_problem(response, 403, "permission_denied")
    assert owner.get(subscription_url(created["id"])).status_code == 200
    assert own_ids(owner) == [created["id"]]


def test_after_unsubscribing_a_student_may_subscribe_again_under_a_new_id(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    old = subscribe(client, section.id, email="ada@example.com")
    assert client.delete(subscription_url(old["id"])).status_code == 204

    new = subscribe(client, section.id, webhook_url=PUBLIC_HOOK)

    assert new["id"] != old["id"]
    assert new["webhook_secret"] != old["webhook_secret"]
    assert_problem(client.get(subscription_url(old["id"])), 404, "not_found")
    assert_problem(client.delete(subscription_url(old["id"])), 404, "not_found")
    assert client.get(subscription_url(new["id"])).json()["webhook_url"] == PUBLIC_HOOK
    assert own_ids(client) == [new["id"]]


# --- deliveries ----------------------------------------------------------------------


def test_a_new_subscription_has_no_deliveries(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    created = subscribe(client, section.id, email="ada@example.com")

    response = client.get(deliveries_url(created["id"]))

    assert response.status_code == 200, response.content
    assert response.json() == {"next": None, "previous": None, "results": []}


def test_another_student_may_not_read_the_deliveries(client_for, student, make_user, new_section):
    section = new_section()
    created = subscribe(client_for(student), section.id, email="ada@example.com")

    response = client_for(make_user(Role.STUDENT)).get(deliveries_url(created["id"]))

    assert_problem(response, 403, "permission_denied")


@pytest.mark.parametrize("subscription_id", ["nonsense", "sub_{own}.abc"])
def test_the_deliveries_of_an_unknown_subscription_are_not_found(client_for, student, subscription_id):
    # (An id of the caller's own: another student's is a 403 whether or not it exists.)
    subscription_id = subscription_id.format(own=_b64(f"{student.id}/2026FA-NONE-1-01"))

    response = client_for(student).get(deliveries_url(subscription_id))

    assert_problem(response, 404, "not_found")


# --- Idempotency-Key -----------------------------------------------------------------


def test_a_retried_subscribe_with_the_same_idempotency_key_creates_one(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    payload = {"section_id": section.id, "webhook_url": PUBLIC_HOOK}
    key = str(uuid.uuid4())

    first = client.post(SUBSCRIPTIONS, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    retry = client.post(SUBSCRIPTIONS, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, retry.status_code) == (201, 201), (first.content, retry.content)
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert own_ids(client) == [first.json()["id"]]


def test_the_same_subscribe_under_another_idempotency_key_is_a_duplicate(client_for, student, new_section):
    section = new_section()
    client = client_for(student)
    payload = {"section_id": section.id, "email": "ada@example.com"}
    first = client.post(SUBSCRIPTIONS, payload, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert first.status_code == 201, first.content

    retry = client.post(SUBSCRIPTIONS, payload, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))

    assert_problem(retry, 409, "duplicate")
    assert own_ids(client) == [first.json()["id"]]


def test_the_same_idempotency_key_with_another_body_is_refused(client_for, student, new_section):
    first_section, second_section = new_section(), new_section()
    client = client_for(student)
    key = str(uuid.uuid4())
    first = client.post(
        SUBSCRIPTIONS,
        {"section_id": first_section.id, "email": "ada@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert first.status_code == 201, first.content

    reused = client.post(
        SUBSCRIPTIONS,
        {"section_id": second_section.id, "email": "ada@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert_problem(reused, 422, "idempotency_key_reused")
    assert own_ids(client) == [first.json()["id"]]
