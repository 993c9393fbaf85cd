"""The OpenAPI document names the enrollment enums after the domain's own enums, and
documents the shapes clients build (a section's meetings)."""

import re
from typing import cast

from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from enrollment.data import EnrollmentStatus, EnrollOutcome, SectionStatus


def test_enum_name_overrides_match_the_domain_enums():
    overrides = cast(dict[str, list[str]], settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"])

    assert overrides["SectionStatusEnum"] == [status.value for status in SectionStatus]
    assert overrides["EnrollmentStatusEnum"] == [status.value for status in EnrollmentStatus]
    assert overrides["EnrollOutcomeEnum"] == [outcome.value for outcome in EnrollOutcome]


def test_the_meeting_object_is_documented_with_its_patterns_and_limit():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    for name in ("Meeting", "MeetingRequest"):
        meeting = schemas[name]
        assert sorted(meeting["required"]) == ["days", "end", "start"]
        days, start, end = (re.compile(meeting["properties"][key]["pattern"]) for key in ("days", "start", "end"))
        assert days.match("MWF") and days.match("MTWRFSU")
        assert not any(days.match(value) for value in ("", "mw", "MM", "MX"))
        assert start.pattern == end.pattern and start.match("00:00") and start.match("23:59")
        assert not any(start.match(value) for value in ("24:00", "9:00", "12:60"))
    for name in ("SectionCreateInputRequest", "PatchedSectionUpdateInputRequest"):
        meetings = schemas[name]["properties"]["meetings"]
        assert (meetings["items"], meetings["maxItems"]) == ({"$ref": "#/components/schemas/MeetingRequest"}, 10)
    section = schemas["SectionOutput"]
    assert section["properties"]["meetings"]["items"] == {"$ref": "#/components/schemas/Meeting"}
    assert section["properties"]["credits"]["type"] == "integer"
    assert {"meetings", "credits"} <= set(section["required"])
    assert "meeting" not in section["properties"]
