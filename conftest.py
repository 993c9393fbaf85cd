"""Fixtures for the whole suite. Tests talk to the real stores that `make test` started:
DynamoDB Local (tables carry this run's prefix), Redis and RabbitMQ."""

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import token_pair_issue, user_create
from core.dynamodb import registered_models, table_ensure

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(scope="session", autouse=True)
def dynamodb_tables(django_db_setup, django_db_blocker):
    """This run's tables, created once and deleted at the end."""
    models = registered_models()
    for model in models:
        table_ensure(model=model, recreate=True)
    yield models
    for model in models:
        model.delete_table()


@pytest.fixture(autouse=True)
def _clean_throttle_cache():
    """Throttle counters from one test must not throttle the next."""
    caches["default"].clear()


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 1_000_000))

    def make(*roles: Role, username: str | None = None, **fields):
        return user_create(
            username=username or f"user{next(counter)}_{'_'.join(roles) or 'none'}",
            password=PASSWORD,
            roles=roles or [Role.STUDENT],
            **fields,
        )

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client that sends the access token of ``profile``."""

    def make(profile) -> APIClient:
        client = APIClient()
        access = token_pair_issue(username=profile.username, password=PASSWORD).access
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return make


@pytest.fixture
def student(make_user):
    return make_user(Role.STUDENT)


@pytest.fixture
def instructor(make_user):
    return make_user(Role.INSTRUCTOR)


@pytest.fixture
def registrar(make_user):
    return make_user(Role.REGISTRAR)
