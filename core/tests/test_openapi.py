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
