"""The OpenAPI document validates; Swagger UI, ReDoc and the browsable API work offline."""

import re

import pytest
from django.core.management import call_command

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert "/api/v1/auth/token/" in out.read_text()


def test_swagger_ui_does_not_call_the_online_validator(api_client):
    assert '"validatorUrl": null' in api_client.get("/api/docs/").content.decode()


def test_schema_is_served(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_load_nothing_from_other_hosts(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assets = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html)
    assert assets
    for asset in assets:
        assert api_client.get(asset).status_code == 200, asset


@pytest.mark.django_db
def test_browsable_api_renders_for_a_logged_in_user(client, make_user):
    from conftest import PASSWORD

    user = make_user("student")
    assert client.login(username=user.username, password=PASSWORD)

    response = client.get("/api/v1/auth/me/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert user.username in response.content.decode()


# --- the inventory (OWASP API9): nothing is served that the document does not list ---------

# Routes that are not operations of the API, each for a reason.
OUTSIDE_THE_DOCUMENT = {
    "": "the API root, a map of links for people",
    "api/": "the API root",
    "api/v1/": "the API root",
    "api/schema/": "the document itself",
    "api/docs/": "Swagger UI",
    "api/redoc/": "ReDoc",
    "api-auth/login/": "the browsable API's login form",
    "api-auth/logout/": "the browsable API's logout",
    "admin/": "Django's admin (staff only, not routed by the gateway)",
    "admin/login/": "the admin's login form, throttled",
    "<catch-all>": "any other path: a 404 problem document",
}


def _leaf_patterns(patterns, prefix=""):
    from django.urls import URLResolver

    for pattern in patterns:
        regex = pattern.pattern.regex.pattern.lstrip("^").removesuffix("\\Z").removesuffix("$")
        if isinstance(pattern, URLResolver):
            if prefix + regex == "admin/":
                yield "admin/", "admin/"  # the admin's own pages, one entry
                continue
            yield from _leaf_patterns(pattern.url_patterns, prefix + regex)
        else:
            yield str(pattern.pattern), prefix + regex


def test_every_route_is_an_operation_of_the_document_or_listed_as_outside_it():
    from django.urls import get_resolver
    from drf_spectacular.generators import SchemaGenerator

    from core.tests.test_function_level import _concrete

    document = SchemaGenerator().get_schema(request=None, public=True)
    concrete = [_concrete(path).lstrip("/") for path in document["paths"]]
    unlisted = []
    for shown, regex in _leaf_patterns(get_resolver().url_patterns):
        if regex == "":
            continue  # the root and the catch-all
        if any(re.fullmatch(regex, path) for path in concrete):
            continue
        plain = regex.replace("\\", "")
        if plain not in OUTSIDE_THE_DOCUMENT:
            unlisted.append(f"{shown} ({regex})")
    assert not unlisted, f"routes served but not in the OpenAPI document: {unlisted}"
