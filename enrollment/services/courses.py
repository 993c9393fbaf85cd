"""Writes of the catalog's courses: create, update (with the copy of a new title or new
credits to the course's sections), and delete only when no section is left."""

from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from core.dynamodb import is_condition_failure
from enrollment.data import CourseData
from enrollment.errors import CourseExists, CourseHasSections, CourseNotFound
from enrollment.models import Course, Section
from enrollment.selectors import course_data
from enrollment.services.transactions import _now


def course_create(*, department: str, number: str, title: str, credits: int, description: str = "") -> CourseData:
    """Add a course with id ``"{department}-{number}"``; ``CourseExists`` if it is taken."""
    now = _now()
    course = Course(
        course_id=f"{department}-{number}",
        department=department,
        number=number,
        title=title,
        description=description,
        credits=credits,
        section_count=0,
        created_at=now,
        updated_at=now,
    )
    try:
        course.save(condition=Course.course_id.does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            raise CourseExists() from exc
        raise
    return course_data(course)


def course_update(
    *, course_id: str, title: str | None = None, description: str | None = None, credits: int | None = None
) -> CourseData:
    """Change a course's title, description or credits; ``CourseNotFound`` if it does not exist.

    A new title or new credits are copied to the course's sections (which keep them so
    that lists and the credit limit need no second read); that copy is not atomic with
    the course, and a crash in between leaves the old values until the next change.
    Credits a section had before are replaced whatever they were, so the copy also
    fills in sections written before sections carried credits.
    """
    changes: list[Any] = [Course.updated_at.set(_now())]
    if title is not None:
        changes.append(Course.title.set(title))
    if description is not None:
        changes.append(Course.description.set(description))
    if credits is not None:
        changes.append(Course.credits.set(credits))
    course = Course(course_id=course_id)
    try:
        course.update(actions=changes, condition=Course.course_id.exists())
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise CourseNotFound() from exc
        raise
    copies: list[Any] = []
    if title is not None:
        copies.append(Section.title.set(title))
    if credits is not None:
        copies.append(Section.credits.set(credits))
    if copies:
        for section in Section.by_course.query(course_id, attributes_to_get=["section_id"]):
            try:
                section.update(actions=copies, condition=Section.section_id.exists())
            except UpdateError as exc:
                if not is_condition_failure(exc):  # deleted meanwhile: nothing to copy to
                    raise
    return course_data(course)


def course_delete(*, course_id: str) -> None:
    """Delete a course that has no sections: ``CourseHasSections`` (409) otherwise.

    The condition is on the course's ``section_count``, which section create and delete
    change in their own transactions, so a section created meanwhile cannot be orphaned.
    """
    try:
        Course(course_id=course_id).delete(condition=Course.course_id.exists() & (Course.section_count == 0))
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise
        try:
            Course.get(course_id, consistent_read=True)
        except Course.DoesNotExist as missing:
            raise CourseNotFound() from missing
        raise CourseHasSections() from exc
