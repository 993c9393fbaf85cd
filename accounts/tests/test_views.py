"""Register, tokens, me and user creation, through HTTP."""

import jwt
import pytest

from accounts.roles import Role
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/auth/me/"
USERS = "/api/v1/users/"


def _register(api_client, username="newstudent", **fields):
    body = {
        "username": username,
        "password": PASSWORD,
        "email": f"{username}@example.edu",
        "first_name": "New",
        "last_name": "Student",
        **fields,
    }
    return api_client.post(REGISTER, body, format="json")


def test_register_creates_a_student(api_client):
    response = _register(api_client)

    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "newstudent"
    assert body["roles"] == ["student"]
    assert body["email"] == "newstudent@example.edu"
    assert isinstance(body["id"], str) and body["id"]
    assert "password" not in body


def test_register_ignores_requested_roles(api_client):
    response = _register(api_client, roles=["registrar"])

    assert response.status_code == 201
    assert response.json()["roles"] == ["student"]


def test_register_rejects_a_weak_password_with_field_errors(api_client):
    response = _register(api_client, password="12345")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["errors"]


def test_register_rejects_a_taken_username(api_client):
    _register(api_client, username="taken")

    response = _register(api_client, username="taken")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"


def test_register_rejects_missing_fields_and_bad_email(api_client):
    response = api_client.post(REGISTER, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password", "email"}


def test_token_then_me(api_client, student):
    tokens = api_client.post(TOKEN, {"username": student.username, "password": PASSWORD}, format="json").json()

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get(ME)

    assert me.status_code == 200
    assert me.json() == {
        "id": student.id,
        "username": student.username,
        "first_name": student.first_name,
        "last_name": student.last_name,
        "email": student.email,
        "roles": ["student"],
    }


def test_access_token_claims(api_client, make_user):
    user = make_user(Role.INSTRUCTOR, Role.REGISTRAR, first_name="Grace", last_name="Hopper")

    access = api_client.post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json").json()["access"]

    header = jwt.get_unverified_header(access)
    claims = jwt.decode(access, options={"verify_signature": False})
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["sub"] == user.id
    assert claims["roles"] == ["instructor", "registrar"]
    assert claims["name"] == "Grace Hopper"
    assert claims["iss"] == "enrollment-service"
    assert claims["aud"] == "enrollment-api"
    assert {"exp", "jti", "iat"} <= set(claims)


def test_token_rejects_wrong_password(api_client, student):
    response = api_client.post(TOKEN, {"username": student.username, "password": "wrong-password"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_refresh_issues_an_access_token_with_current_roles(api_client, student):
    refresh = api_client.post(TOKEN, {"username": student.username, "password": PASSWORD}, format="json").json()[
        "refresh"
    ]

    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 200
    access = response.json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get(ME).json()["username"] == student.username
    assert jwt.decode(access, options={"verify_signature": False})["roles"] == ["student"]


@pytest.mark.parametrize("refresh", ["garbage", ""])
def test_refresh_rejects_a_bad_token(api_client, refresh):
    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code in (400, 401)
    assert response["Content-Type"] == "application/problem+json"


def test_refresh_rejects_an_access_token(api_client, student):
    access = api_client.post(TOKEN, {"username": student.username, "password": PASSWORD}, format="json").json()[
        "access"
    ]

    response = api_client.post(REFRESH, {"refresh": access}, format="json")

    assert response.status_code == 401


def test_refresh_rejects_a_deactivated_user(api_client, student):
    from accounts.models import User

    refresh = api_client.post(TOKEN, {"username": student.username, "password": PASSWORD}, format="json").json()[
        "refresh"
    ]
    User.objects.filter(pk=student.id).update(is_active=False)

    assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401


def test_me_needs_a_token(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_rejects_a_forged_token(api_client, student):
    claims = {"sub": student.id, "roles": ["registrar"]}
    forged = jwt.encode(claims, "a-shared-secret-someone-guessed-32b", algorithm="HS256")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert api_client.get(ME).status_code == 401


def test_identity_headers_from_the_client_are_ignored(api_client, student):
    response = api_client.get(ME, HTTP_X_USER_ID=student.id, HTTP_X_USER_ROLES="registrar")

    assert response.status_code == 401


def test_registrar_creates_a_user_with_roles(client_for, registrar):
    body = {"username": "prof", "password": PASSWORD, "email": "prof@example.edu", "roles": ["instructor", "registrar"]}

    response = client_for(registrar).post(USERS, body, format="json")

    assert response.status_code == 201
    assert response.json()["roles"] == ["instructor", "registrar"]


@pytest.mark.parametrize(("roles", "field"), [([], "roles"), (["student", "dean"], "roles[1]")])
def test_user_creation_validates_roles(client_for, registrar, roles, field):
    response = client_for(registrar).post(USERS, {"username": "x", "password": PASSWORD, "roles": roles}, format="json")

    assert response.status_code == 400
    # API.md: errors map a field to a list of messages; a list's item is named by its index
    errors = response.json()["errors"]
    assert list(errors) == [field] and all(isinstance(message, str) for message in errors[field])


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_the_registrar_creates_users(client_for, make_user, role):
    body = {"username": "sneaky", "password": PASSWORD, "roles": ["registrar"]}

    response = client_for(make_user(role)).post(USERS, body, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_user_creation_needs_a_token(api_client):
    response = api_client.post(USERS, {"username": "x", "password": PASSWORD, "roles": ["student"]}, format="json")

    assert response.status_code == 401


# --- password guessing is throttled per address and per username (OWASP API2, API4) ------


def _login_rates(settings, login: str, login_username: str) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": login, "login_username": login_username}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_logins_from_one_address_are_throttled_whatever_the_username(api_client, student, settings):
    _login_rates(settings, login="3/min", login_username="1000/min")
    guesses = [{"username": f"someone{n}", "password": "guess"} for n in range(3)]

    statuses = [api_client.post(TOKEN, body, format="json").status_code for body in guesses]
    response = api_client.post(TOKEN, {"username": student.username, "password": PASSWORD}, format="json")

    assert statuses == [401, 401, 401]
    _assert_throttled(response)
    # Another address is not held back by this one.
    other = api_client.post(
        TOKEN, {"username": student.username, "password": PASSWORD}, format="json", REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 200


def test_logins_to_one_username_are_throttled_from_every_address(api_client, student, make_user, settings):
    _login_rates(settings, login="1000/min", login_username="2/min")
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    # The username is matched whatever its case: Django's usernames are not, a guesser's might be.
    names = [student.username, student.username.upper(), student.username]

    answers = [
        api_client.post(TOKEN, {"username": name, "password": "guess"}, format="json", REMOTE_ADDR=address)
        for name, address in zip(names, addresses, strict=True)
    ]

    assert [answer.status_code for answer in answers[:2]] == [401, 401]
    _assert_throttled(answers[2])
    # Even the right password now waits, and is not tried ...
    right = api_client.post(TOKEN, {"username": student.username, "password": PASSWORD}, format="json")
    _assert_throttled(right)
    # ... while another account logs in from the same address.
    other = make_user()
    assert api_client.post(TOKEN, {"username": other.username, "password": PASSWORD}, format="json").status_code == 200


@pytest.mark.parametrize("form", ["/api-auth/login/", "/admin/login/"])
def test_the_login_forms_are_throttled_like_the_token_endpoint(client, student, settings, form):
    _login_rates(settings, login="1000/min", login_username="2/min")
    guess = {"username": student.username, "password": "guess"}

    first, second = client.post(form, guess, REMOTE_ADDR="198.51.100.1"), client.post(form, guess)
    third = client.post(form, {**guess, "password": PASSWORD}, REMOTE_ADDR="198.51.100.2")

    assert first.status_code == second.status_code == 200  # the form again, with its error
    _assert_throttled(third)
    assert "_auth_user_id" not in client.session  # the right password was not tried


def test_the_token_endpoint_shares_its_count_with_the_login_forms(api_client, client, student, settings):
    _login_rates(settings, login="1000/min", login_username="2/min")
    guess = {"username": student.username, "password": "guess"}

    client.post("/api-auth/login/", guess)
    client.post("/admin/login/", guess)

    _assert_throttled(api_client.post(TOKEN, guess, format="json"))
