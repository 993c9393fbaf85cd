"""krakend/krakend.json against KrakenD's schema and against what Django serves.

The drift test does not trust the generator (krakend.gateway): it finds each
operation's view through Django's URL resolver and asks the view's permission
classes, with a caller of each role and an anonymous one, whom they admit.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request

from accounts.api import Role
from krakend.gateway import CONFIG_PATH, DOCUMENT_ROUTES

SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "krakend-schema" / "v2.13" / "krakend.json"
NEEDED_HEADERS = {"Authorization", "Content-Type", "If-None-Match", "If-Modified-Since", "Idempotency-Key"}
ENROLL = ("POST", "/api/v1/sections/{section_id}/enrollments/")
# Values for path parameters, so that Django's resolver picks the view it would serve.
SAMPLES = {
    "course_id": "CPSC-449",
    "section_id": "2026FA-CPSC-449-01",
    "student_id": "me",
    "subscription_id": "sub_MTIzLzIwMjZGQS1DUFNDLTQ0OS0wMQ.abc",
    "term": "2026FA",
    "hold_id": "hold_3kT9xQ2bVw0aLm7p",
}


@pytest.fixture(scope="module")
def config() -> dict:
    return json.loads(CONFIG_PATH.read_text())


@pytest.fixture(scope="module")
def endpoints(config) -> dict[tuple[str, str], dict]:
    return {(endpoint["method"], endpoint["endpoint"]): endpoint for endpoint in config["endpoints"]}


@pytest.fixture(scope="module")
def operations() -> dict[tuple[str, str], dict]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


class _Caller:
    def __init__(self, roles):
        self.roles = frozenset(roles)
        self.is_authenticated = True
        self.pk = "1"


def admitted(method: str, path: str) -> set[str] | None:
    """Whom Django's permission classes let call ``method path``: a set of roles, or
    None when an anonymous caller passes (a public endpoint)."""
    concrete = re.sub(r"\{(\w+)\}", lambda match: SAMPLES[match.group(1)], path)
    callback: Any = resolve(concrete).func  # a DRF view function: .cls, .initkwargs, .actions
    view = callback.cls(**getattr(callback, "initkwargs", {}))
    if getattr(callback, "actions", None):
        view.action = callback.actions[method.lower()]

    def passes(user) -> bool:
        request = Request(RequestFactory().generic(method, concrete))
        request.user = user
        view.request = request
        return all(permission.has_permission(request, view) for permission in view.get_permissions())

    if passes(AnonymousUser()):
        return None
    return {str(role) for role in Role if passes(_Caller([role]))}


def test_the_config_is_valid_against_krakends_schema():
    if not SCHEMA.is_file():
        pytest.skip(f"KrakenD's schema is not at {SCHEMA} (it ships in ../shared beside a clone of this repository)")
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--regex-variant",
            "python",
            "--schemafile",
            str(SCHEMA),
            str(CONFIG_PATH),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_config_is_current():
    from django.core.management import call_command

    call_command("gateway_config", "--check")


def test_every_operation_is_routed_with_its_method_and_path(endpoints, operations):
    missing = sorted(set(operations) - set(endpoints))
    assert not missing, f"not routed by the gateway: {missing}"


def test_nothing_is_routed_that_the_service_does_not_serve(endpoints, operations, client):
    extra = set(endpoints) - set(operations)
    assert {path for _, path in extra} == set(DOCUMENT_ROUTES)
    assert all(method == "GET" for method, _ in extra)
    # The document and its viewers answer, and every file the viewers load is under a routed folder.
    folders = [path.removesuffix("{file}") for path in DOCUMENT_ROUTES if path.endswith("{file}")]
    for page in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        response = client.get(page)
        assert response.status_code == 200, page
        if page == "/api/schema/":
            continue
        loaded = re.findall(r'(?:src|href)="(/static/[^"]+)"', response.content.decode())
        assert loaded, page
        for url in loaded:
            assert any(url.startswith(folder) and "/" not in url[len(folder) :] for folder in folders), url
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("method", ["GET"])
def test_operations_outside_the_document_are_public(endpoints, method):
    for path in DOCUMENT_ROUTES:
        assert "auth/validator" not in endpoints[(method, path)].get("extra_config", {})


def test_each_protected_operation_admits_exactly_the_roles_django_admits(endpoints, operations):
    checked_public, checked_protected = 0, 0
    for key in sorted(operations):
        method, path = key
        roles = admitted(method, path)
        validator = endpoints[key].get("extra_config", {}).get("auth/validator")
        if roles is None:
            assert validator is None, f"{method} {path} is public in Django but the gateway validates tokens"
            checked_public += 1
            continue
        assert validator is not None, f"{method} {path} needs a token in Django but not at the gateway"
        assert set(validator["roles"]) == roles, f"{method} {path}: gateway {validator['roles']}, Django {roles}"
        checked_protected += 1
    # register, token, refresh, JWKS, healthz, readyz: everything else needs a role.
    assert checked_public == 6
    assert checked_protected == len(operations) - 6


def test_the_validator_checks_tokens_as_django_issues_them(endpoints, config):
    backends = {backend["host"][0] for endpoint in endpoints.values() for backend in endpoint["backend"]}
    assert len(backends) == 1
    (backend,) = backends
    for (method, path), endpoint in endpoints.items():
        validator = endpoint.get("extra_config", {}).get("auth/validator")
        if validator is None:
            continue
        assert validator["alg"] == "RS256"
        assert validator["jwk_url"] == f"{backend}/.well-known/jwks.json"
        assert validator["cache"] is True and 0 < validator["cache_duration"] <= 900
        assert validator["issuer"] == settings.JWT_ISSUER
        assert validator["audience"] == [settings.JWT_AUDIENCE]
        assert validator["roles_key"] == "roles"
        claims = dict(map(tuple, validator["propagate_claims"]))
        assert set(claims) == {"sub", "roles"}, (method, path)
        # KrakenD forwards a propagated claim only if its header is an input header.
        assert set(claims.values()) <= set(endpoint["input_headers"]), (method, path)


def test_requests_and_answers_pass_through_unchanged(endpoints, operations, config):
    assert config["output_encoding"] == "no-op"
    for (method, path), endpoint in endpoints.items():
        assert endpoint["output_encoding"] == "no-op"
        assert NEEDED_HEADERS <= set(endpoint["input_headers"]), (method, path)
        (backend,) = endpoint["backend"]
        assert backend["encoding"] == "no-op"
        assert backend["url_pattern"] == path and backend["method"] == method
        if (method, path) in operations:
            query = {p["name"] for p in operations[(method, path)].get("parameters", []) if p["in"] == "query"}
            assert set(endpoint["input_query_strings"]) == query, (method, path)


def test_enroll_is_rate_limited_per_user(endpoints):
    limit = endpoints[ENROLL]["extra_config"]["qos/ratelimit/router"]
    assert limit["max_rate"] > 0 and limit["client_max_rate"] > 0
    # Per user: the header the validator fills from the token's `sub`, never one a client chooses.
    assert limit["strategy"] == "header"
    propagated = dict(map(tuple, endpoints[ENROLL]["extra_config"]["auth/validator"]["propagate_claims"]))
    assert limit["key"] == propagated["sub"]


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)", duration)
    assert match, f"not a KrakenD duration: {duration!r}"
    number, unit = match.groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60}[unit]


def test_timeouts_are_set_and_sensible(config, endpoints):
    assert 1 <= _seconds(config["timeout"]) <= 30
    for key, endpoint in endpoints.items():
        assert 1 <= _seconds(endpoint["timeout"]) <= 60, key
    # The requests Django may take long to answer get more time than the default.
    assert _seconds(endpoints[("DELETE", "/api/v1/sections/{section_id}/")]["timeout"]) > _seconds(config["timeout"])


def test_a_path_without_its_slash_is_not_redirected(config):
    router = config["extra_config"]["router"]
    assert router["disable_redirect_trailing_slash"] is True
    assert router["disable_redirect_fixed_path"] is True


def test_path_parameters_have_one_name_per_position(endpoints):
    # KrakenD's router refuses to start when two routes name the same wildcard segment differently
    # (/sections/{id}/ beside /sections/{section_id}/enrollments/).
    names: dict[tuple[str, ...], set[str]] = {}
    for _, path in endpoints:
        segments = path.strip("/").split("/")
        for index, segment in enumerate(segments):
            if segment.startswith("{"):
                names.setdefault(tuple(segments[:index]), set()).add(segment)
    conflicts = {"/".join(prefix): found for prefix, found in names.items() if len(found) > 1}
    assert not conflicts
    assert names[("api", "v1", "sections")] == {"{section_id}"}


def test_graphql_is_routed_for_every_signed_in_role(endpoints):
    for method in ("GET", "POST"):
        endpoint = endpoints[(method, "/graphql/")]
        assert set(endpoint["extra_config"]["auth/validator"]["roles"]) == {str(role) for role in Role}
    assert set(endpoints[("GET", "/graphql/")]["input_query_strings"]) == {"query", "variables", "operationName"}
