"""The suite's guard: a Scan anywhere in a test fails it (see ``dynamodb_calls``)."""

import pytest

from core.models import IdempotencyRecord


def test_a_scan_raises_where_it_happens(dynamodb_calls):
    with pytest.raises(AssertionError, match=r"Scan of .*idempotency"):
        list(IdempotencyRecord.scan(limit=1))

    # The recorded Scan would also fail this test at teardown; here it was the point.
    assert dynamodb_calls.count("Scan") == 1
    dynamodb_calls.clear()


@pytest.mark.allow_scan
def test_a_test_marked_allow_scan_may_scan():
    assert isinstance(list(IdempotencyRecord.scan(limit=1)), list)
