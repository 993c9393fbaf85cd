"""``create_tables``: safe to run again, and it says what it did."""

from datetime import timedelta

import pytest
from django.core.management import call_command

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
