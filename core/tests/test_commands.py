"""``create_tables`` and ``seed_demo``: safe to run again, and they say what they did."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from core.dynamodb import registered_models


def test_create_tables_finds_existing_tables(capsys):
    call_command("create_tables")

    out = capsys.readouterr().out
    for model in registered_models():
        assert f"found    {model.Meta.table_name}" in out


def test_create_tables_recreate_empties_a_table(capsys):
    from core.models import IdempotencyRecord

    IdempotencyRecord(
        key="k", fingerprint="f", state="completed", owner="o", lease_until=0, expires_at=timedelta(hours=1)
    ).save()

    call_command("create_tables", "--recreate")

    assert f"created  {IdempotencyRecord.Meta.table_name}" in capsys.readouterr().out
    with pytest.raises(IdempotencyRecord.DoesNotExist):
        IdempotencyRecord.get("k")


@pytest.mark.django_db
def test_seed_demo_twice_creates_each_account_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "registrar" in out and "exists" in out
    assert User.objects.get(username="registrar").roles == {"registrar"}
    assert User.objects.filter(username__in=["ada", "prof.hopper", "registrar"]).count() == 3


@pytest.mark.django_db
def test_seed_demo_is_refused_outside_development(settings):
    settings.ALLOW_DEMO_DATA = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.filter(username="registrar").exists()
