"""The safe fixes ``check_integrity --repair`` applies to the catalog's counters: each is
conditional on the value it saw, so it never overwrites a concurrent enroll or drop."""

from typing import Any

from pynamodb.exceptions import UpdateError

from core.dynamodb import is_condition_failure
from enrollment.models import Course, Section
from enrollment.selectors import section_record
from enrollment.services.seats import _open_marker_sync


def _set_if_unchanged(item: Course | Section, attribute: Any, *, seen: int, value: int) -> bool:
    """Set a counter of an existing item to ``value`` if it still reads ``seen``."""
    assert item._hash_keyname is not None  # every table has a hash key
    key = getattr(type(item), item._hash_keyname)
    try:
        item.update(actions=[attribute.set(value)], condition=key.exists() & (attribute == seen))
    except UpdateError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def section_counter_repair(*, section_id: str, seen: int, enrolled_rows: int) -> bool:
    """Set a section's seat counter to its count of enrolled rows, if it still reads
    ``seen`` (so an enroll or drop meanwhile is never overwritten). True if it was set."""
    if not _set_if_unchanged(Section(section_id=section_id), Section.enrolled, seen=seen, value=enrolled_rows):
        return False
    _open_marker_sync(section_record(section_id=section_id, consistent=True))
    return True


def open_marker_repair(*, section_id: str) -> None:
    """Put a section with free seats back in the open-sections index."""
    _open_marker_sync(section_record(section_id=section_id, consistent=True))


def course_section_count_repair(*, course_id: str, seen: int, sections: int) -> bool:
    """Set a course's count of sections to the sections it has, if it still reads ``seen``."""
    return _set_if_unchanged(Course(course_id=course_id), Course.section_count, seen=seen, value=sections)
