"""The KrakenD gateway's config (krakend.json beside this module), made from what Django serves.

Every operation of the OpenAPI document becomes a KrakenD endpoint with the same method
and path, forwarded unchanged (``no-op`` encoding) to the Django service. Who may call
it comes from the view's own permission classes: ``AllowAny`` is public (no validator),
role permissions become ``auth/validator`` with exactly those roles. So the gateway
and Django refuse the same callers, and a new endpoint reaches the gateway when the file
is regenerated (``manage.py gateway_config --write``; a test fails while it is stale).

KrakenD's flexible config (templates) cannot be rendered without KrakenD, so the file
is plain JSON, committed, and checked against KrakenD's schema in the test suite.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import RequestFactory
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from accounts.api import RolePermission

CONFIG_PATH = Path(__file__).resolve().parent / "krakend.json"
SCHEMA_URL = "https://www.krakend.io/schema/v2.13/krakend.json"

# Where the gateway finds Django: the `web` service of compose.yaml.
DEFAULT_BACKEND = "http://web:8000"
GATEWAY_PORT = 8080

# Claims handed to Django as headers (Django still verifies the token itself and
# never trusts these; they are for logs and for the per-user rate limit below).
USER_ID_HEADER, ROLES_HEADER = "X-User-Id", "X-User-Roles"
PROPAGATED_CLAIMS = [["sub", USER_ID_HEADER], ["roles", ROLES_HEADER]]

# Request headers Django reads. Anything else a client sends stops at the gateway.
REQUEST_HEADERS = ["Accept", "Authorization", "Content-Type", "Idempotency-Key", "If-Modified-Since", "If-None-Match"]

# Requests Django may take long to answer: deleting a section with its enrollments,
# unfreezing (fills every free seat from the waitlists).
SLOW = {("DELETE", "/api/v1/sections/{section_id}/"): "30s", ("PUT", "/api/v1/auto-enrollment/"): "60s"}
DEFAULT_TIMEOUT = "10s"

# Registration day: enroll is where a crowd arrives at once. Per user (the token's
# `sub`): a burst of 5, then 2 a second; over all users, 500 a second per gateway
# node. Logins: 10 a second per client address, against password guessing.
RATE_LIMITS = {
    ("POST", "/api/v1/sections/{section_id}/enrollments/"): {
        "max_rate": 500,
        "capacity": 500,
        "client_max_rate": 2,
        "client_capacity": 5,
        "every": "1s",
        "strategy": "header",
        "key": USER_ID_HEADER,
    },
    ("POST", "/api/v1/auth/token/"): {
        "max_rate": 200,
        "capacity": 200,
        "client_max_rate": 10,
        "client_capacity": 10,
        "every": "1s",
        "strategy": "ip",
    },
}

# Served by Django but outside the OpenAPI document: the document itself, its two
# viewers, and the viewers' files (one folder level each, as KrakenD CE routes
# whole path segments).
DOCUMENT_ROUTES = [
    "/api/schema/",
    "/api/docs/",
    "/api/redoc/",
    "/static/drf_spectacular_sidecar/swagger-ui-dist/{file}",
    "/static/drf_spectacular_sidecar/redoc/bundles/{file}",
]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    roles: frozenset[str] | None  # None: public
    query: tuple[str, ...]


def _permissions(callback, method: str, path: str) -> list:
    """The permission instances Django applies to ``method`` on ``path``'s view."""
    view = callback.cls(**getattr(callback, "initkwargs", {}))
    actions = getattr(callback, "actions", None)
    if actions:
        view.action = actions[method.lower()]
    view.request = Request(RequestFactory().generic(method, path))
    view.format_kwarg = None
    return view.get_permissions()


def roles_of(permissions: Iterable) -> frozenset[str] | None:
    """The roles that pass all of ``permissions`` (DRF requires each); None if public."""
    role_sets = []
    for permission in permissions:
        if isinstance(permission, AllowAny):
            continue
        if not isinstance(permission, RolePermission):
            raise ValueError(f"{type(permission).__name__} cannot be expressed as gateway roles")
        role_sets.append(frozenset(permission.roles))
    return reduce(frozenset.intersection, role_sets) if role_sets else None


def operations() -> Iterator[Operation]:
    """Every operation of the OpenAPI document, with its roles and query parameters."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue  # not in the document (excluded from the schema)
        query = tuple(sorted(p["name"] for p in operation.get("parameters", []) if p["in"] == "query"))
        yield Operation(method, path, roles_of(_permissions(callback, method, path)), query)


def _validator(roles: frozenset[str], jwk_url: str) -> dict[str, Any]:
    return {
        "alg": "RS256",
        "jwk_url": jwk_url,
        # The JWKS is fetched over the private network, in plain HTTP.
        "disable_jwk_security": jwk_url.startswith("http://"),
        "cache": True,
        "cache_duration": 300,  # the JWKS's own Cache-Control max-age
        "issuer": settings.JWT_ISSUER,
        "audience": [settings.JWT_AUDIENCE],
        "roles_key": "roles",
        "roles": sorted(roles),
        "propagate_claims": PROPAGATED_CLAIMS,
    }


def _endpoint(
    method: str, path: str, backend: str, *, roles: frozenset[str] | None, query: Iterable[str], jwk_url: str
) -> dict[str, Any]:
    headers = list(REQUEST_HEADERS)
    extra: dict[str, Any] = {}
    if roles is not None:
        headers += [USER_ID_HEADER, ROLES_HEADER]
        extra["auth/validator"] = _validator(roles, jwk_url)
    if (method, path) in RATE_LIMITS:
        extra["qos/ratelimit/router"] = RATE_LIMITS[(method, path)]
    endpoint: dict[str, Any] = {
        "endpoint": path,
        "method": method,
        "output_encoding": "no-op",
        "timeout": SLOW.get((method, path), DEFAULT_TIMEOUT),
        "input_headers": sorted(headers),
        "input_query_strings": sorted(query),
        "backend": [{"host": [backend], "url_pattern": path, "method": method, "encoding": "no-op"}],
    }
    if extra:
        endpoint["extra_config"] = extra
    return endpoint


def krakend_config(backend: str = DEFAULT_BACKEND) -> dict[str, Any]:
    """The whole gateway config, for Django at ``backend``."""
    jwk_url = f"{backend}/.well-known/jwks.json"
    endpoints = [
        _endpoint(op.method, op.path, backend, roles=op.roles, query=op.query, jwk_url=jwk_url) for op in operations()
    ]
    endpoints += [
        _endpoint(
            "GET", path, backend, roles=None, query=("format",) if path == "/api/schema/" else (), jwk_url=jwk_url
        )
        for path in DOCUMENT_ROUTES
    ]
    endpoints.sort(key=lambda endpoint: (endpoint["endpoint"], endpoint["method"]))
    return {
        "$schema": SCHEMA_URL,
        "version": 3,
        "name": "Course enrollment API gateway",
        "port": GATEWAY_PORT,
        "timeout": DEFAULT_TIMEOUT,
        "read_header_timeout": "5s",
        "idle_timeout": "60s",
        "cache_ttl": "0s",
        "output_encoding": "no-op",
        "extra_config": {
            "router": {
                # Django's paths end in "/" and a path without it is a 404 problem
                # document: no redirects to guess the client's meaning.
                "disable_redirect_trailing_slash": True,
                "disable_redirect_fixed_path": True,
                "return_error_msg": False,
                "hide_version_header": True,
            },
            "telemetry/logging": {"level": "INFO", "prefix": "[KRAKEND]", "stdout": True},
        },
        "endpoints": endpoints,
    }


def rendered(config: dict[str, Any]) -> str:
    return json.dumps(config, indent=2) + "\n"
