"""The OpenAPI document names the enrollment enums after the domain's own enums."""

from typing import cast

from django.conf import settings

from enrollment.data import EnrollmentStatus, EnrollOutcome, SectionStatus


def test_enum_name_overrides_match_the_domain_enums():
    overrides = cast(dict[str, list[str]], settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"])

    assert overrides["SectionStatusEnum"] == [status.value for status in SectionStatus]
    assert overrides["EnrollmentStatusEnum"] == [status.value for status in EnrollmentStatus]
    assert overrides["EnrollOutcomeEnum"] == [outcome.value for outcome in EnrollOutcome]
