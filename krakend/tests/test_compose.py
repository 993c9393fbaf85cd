"""compose.yaml: valid for the Compose specification, and in agreement with the
settings the service reads, the gateway's config and the Procfile."""

import importlib
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

from krakend.gateway import CONFIG_PATH

ROOT = Path(settings.BASE_DIR)
COMPOSE = ROOT / "compose.yaml"
APP_SERVICES = ("setup", "web", "worker", "beat")
# Read by a library rather than by config/settings: botocore and Django's own entry points.
READ_ELSEWHERE = {"AWS_SECRET_ACCESS_KEY", "DJANGO_SETTINGS_MODULE"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def gateway_config() -> dict:
    import json

    return json.loads(CONFIG_PATH.read_text())


def settings_variables() -> set[str]:
    """Every environment variable config/ reads (through ``config.env.env``)."""
    names = set()
    for module in (ROOT / "config").rglob("*.py"):
        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', module.read_text()))
    return names


def option(command: list[str], name: str) -> str:
    """The value of ``--name=value``, ``--name value`` or ``-name value`` in a command line."""
    words = " ".join(command).split()
    for index, word in enumerate(words):
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
        if word == name:
            return words[index + 1]
    raise AssertionError(f"{name} not in {command}")


def test_compose_yaml_is_valid_for_the_compose_specification():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_the_whole_stack_with_the_gateway_as_the_only_published_port(compose, gateway_config):
    services = compose["services"]
    assert set(services) == {"gateway", *APP_SERVICES, "dynamodb", "redis", "rabbitmq"}
    assert services["gateway"]["image"] == "krakend:2.13"
    assert services["dynamodb"]["image"].startswith("amazon/dynamodb-local:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["rabbitmq"]["image"].startswith("rabbitmq:")
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"gateway"}
    (mapping,) = services["gateway"]["ports"]
    assert mapping.split(":")[-1] == str(gateway_config["port"])


def test_the_gateway_runs_the_committed_config(compose):
    gateway = compose["services"]["gateway"]
    mounted = dict(volume.split(":")[:2] for volume in gateway["volumes"])
    assert mounted["./krakend/krakend.json"] == option(gateway["command"], "--config")
    assert (ROOT / "krakend" / "krakend.json").is_file()


def test_the_gateway_forwards_to_the_web_service(compose, gateway_config):
    web_port = option(compose["services"]["web"]["command"], "--bind").rsplit(":", 1)[1]
    expected = f"http://web:{web_port}"
    backends = [backend for endpoint in gateway_config["endpoints"] for backend in endpoint["backend"]]
    hosts = {host for backend in backends for host in backend["host"]}
    assert hosts == {expected}
    jwk_urls = {
        endpoint["extra_config"]["auth/validator"]["jwk_url"]
        for endpoint in gateway_config["endpoints"]
        if "auth/validator" in endpoint.get("extra_config", {})
    }
    assert jwk_urls == {f"{expected}/.well-known/jwks.json"}
    # Django answers the gateway's Host header, and counts it as the one proxy in front.
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert "web" in environment["ALLOWED_HOSTS"].split(",")
        assert environment["NUM_PROXIES"] == "1"


def test_the_environment_is_what_the_settings_read(compose):
    read = settings_variables() | READ_ELSEWHERE
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= read, f"{name}: not read by the settings: {set(environment) - read}"
        importlib.import_module(environment["DJANGO_SETTINGS_MODULE"])


def test_the_store_urls_name_the_store_services_and_their_ports(compose):
    services = compose["services"]
    environment = services["web"]["environment"]

    dynamodb = urlsplit(environment["DYNAMODB_ENDPOINT"])
    assert (dynamodb.hostname, str(dynamodb.port)) == ("dynamodb", option(services["dynamodb"]["command"], "-port"))

    redis = urlsplit(environment["REDIS_URL"])
    assert (redis.hostname, str(redis.port)) == ("redis", option(services["redis"]["command"], "--port"))
    # The waitlists run on the repository's durable redis.conf.
    mounted = dict(volume.split(":")[:2] for volume in services["redis"]["volumes"])
    assert mounted["./redis.conf"] in " ".join(services["redis"]["command"])

    broker = urlsplit(environment["CELERY_BROKER_URL"])
    rabbitmq = services["rabbitmq"]["environment"]
    assert (broker.hostname, broker.port) == ("rabbitmq", 5672)
    assert (broker.username, broker.password) == (rabbitmq["RABBITMQ_DEFAULT_USER"], rabbitmq["RABBITMQ_DEFAULT_PASS"])
    # Every process of the service sees the same stores.
    for name in APP_SERVICES:
        assert services[name]["environment"] == environment


def test_web_worker_and_beat_run_the_procfiles_processes(compose):
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    for process in ("web", "worker", "beat"):
        program = procfile[process].split(" --")[0].split()  # e.g. celery -A config worker
        assert compose["services"][process]["command"][: len(program)] == program, process
    assert compose["services"]["setup"]["command"][-2:] == ["bin/stack.py", "prepare"]
    # Every long-running process waits for setup (tables, keys) to finish.
    for process in ("web", "worker", "beat"):
        assert compose["services"][process]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
