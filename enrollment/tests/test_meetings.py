"""``enrollment.meetings``: when two sections' meeting times overlap."""

import pytest

from enrollment.meetings import Meeting, meeting_conflicts, meetings_from_dicts, meetings_overlap, meetings_to_dicts


def _meeting(text: str) -> Meeting:
    """``"MW 10:00-11:15"`` as a Meeting."""
    days, _, times = text.partition(" ")
    start, _, end = times.partition("-")
    return Meeting(days=days, start=start, end=end)


OVERLAPS = [
    # (a, b, overlap?)
    ("MWF 09:00-09:50", "MWF 09:50-10:40", False),  # one ends as the other starts
    ("MWF 09:50-10:40", "MWF 09:00-09:50", False),
    ("MW 10:00-11:15", "TR 10:00-11:15", False),  # the same hours on other days
    ("MW 10:00-11:15", "MW 10:00-11:15", True),  # the same meeting
    ("MW 10:00-11:15", "W 11:00-12:00", True),  # b starts before a ends, one day shared
    ("W 11:00-12:00", "MW 10:00-11:15", True),
    ("TR 08:00-12:00", "R 09:00-09:30", True),  # one inside the other
    ("R 09:00-09:30", "TR 08:00-12:00", True),
    ("MTWRFSU 00:00-00:01", "U 00:00-00:01", True),
    ("M 08:00-09:00", "M 09:01-10:00", False),
    ("S 23:00-23:59", "S 23:58-23:59", True),
    ("M 9:59-10:30", "M 10:00-10:10", True),  # compared as minutes, not as strings
]


@pytest.mark.parametrize(("a", "b", "overlap"), OVERLAPS)
def test_two_meetings_overlap_when_they_share_a_day_and_one_starts_before_the_other_ends(a, b, overlap):
    assert meetings_overlap([_meeting(a)], [_meeting(b)]) is overlap
    assert meetings_overlap([_meeting(b)], [_meeting(a)]) is overlap


def test_lists_overlap_when_any_meeting_of_one_overlaps_any_of_the_other():
    lecture_and_lab = [_meeting("MW 10:00-11:15"), _meeting("F 14:00-16:45")]

    assert meetings_overlap(lecture_and_lab, [_meeting("TR 10:00-11:15"), _meeting("F 16:00-17:00")])
    assert not meetings_overlap(lecture_and_lab, [_meeting("TR 10:00-11:15"), _meeting("F 16:45-17:30")])
    assert not meetings_overlap(lecture_and_lab, [])
    assert not meetings_overlap([], lecture_and_lab)


def test_conflicts_are_the_enrolled_sections_that_overlap_sorted():
    enrolled = {
        "2026FA-PHYS-225-01": [_meeting("MWF 10:00-10:50")],
        "2026FA-ENGL-101-01": [_meeting("MW 10:00-11:15")],
        "2026FA-CPSC-121-01": [_meeting("MW 08:00-09:15"), _meeting("F 11:15-12:00")],
        "2026FA-ONLINE-1-01": [],
        "2026FA-MATH-150A-01": [_meeting("TR 10:00-11:15")],
    }

    assert meeting_conflicts([_meeting("MW 11:00-12:00"), _meeting("F 11:30-12:30")], enrolled) == [
        "2026FA-CPSC-121-01",
        "2026FA-ENGL-101-01",
    ]
    assert meeting_conflicts([_meeting("MWF 10:00-11:15")], enrolled) == ["2026FA-ENGL-101-01", "2026FA-PHYS-225-01"]
    assert meeting_conflicts([], enrolled) == []
    assert meeting_conflicts([_meeting("SU 10:00-11:15")], enrolled) == []


def test_meetings_convert_to_plain_dicts_and_back_unchanged():
    meetings = (_meeting("RT 13:05-23:59"), _meeting("U 00:00-00:01"))

    plain = meetings_to_dicts(meetings)

    assert plain == [{"days": "RT", "start": "13:05", "end": "23:59"}, {"days": "U", "start": "00:00", "end": "00:01"}]
    assert meetings_from_dicts(plain) == meetings
    assert meetings_from_dicts([]) == ()
