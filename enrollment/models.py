"""The catalog and the enrollments in DynamoDB: one table each for courses, sections
and enrollments, with an index per access pattern (see docs/data-model.md).

Counters that a rule depends on live on the item the rule guards: a section's
``enrolled`` seats (enroll/drop change it in the same transaction as the enrollment
row) and a course's ``section_count`` (section create/delete change it in the same
transaction as the section), so conditions on them are enforced by DynamoDB.
"""

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex

from core.dynamodb import TableMeta, TableModel, table_name

# The partition key value of the "whole catalog" indexes (see ``CatalogIndex``).
COURSES_PARTITION = "courses"
SECTIONS_PARTITION = "sections"


class _IndexMeta:
    projection = AllProjection()


# --- courses -----------------------------------------------------------------------


class CoursesByDepartment(GlobalSecondaryIndex):
    """``GET /courses/?department=``: a department's courses in course id order."""

    class Meta(_IndexMeta):
        index_name = "by_department"

    department = UnicodeAttribute(hash_key=True)
    course_id = UnicodeAttribute(range_key=True)


class CoursesInCatalog(GlobalSecondaryIndex):
    """``GET /courses/``: every course in id order, under one partition value."""

    class Meta(_IndexMeta):
        index_name = "catalog"

    catalog = UnicodeAttribute(hash_key=True)
    course_id = UnicodeAttribute(range_key=True)


class Course(TableModel):
    """A course of the catalog, e.g. ``CPSC-449``. Access: GetItem on ``course_id``."""

    class Meta(TableMeta):
        table_name = table_name("courses")

    course_id = UnicodeAttribute(hash_key=True)  # "{department}-{number}"
    department = UnicodeAttribute()
    number = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    credits = NumberAttribute()
    # Sections of this course that exist: delete is refused while it is above 0.
    section_count = NumberAttribute(default=0)
    catalog = UnicodeAttribute(default=COURSES_PARTITION)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    by_department = CoursesByDepartment()
    in_catalog = CoursesInCatalog()


# --- sections ----------------------------------------------------------------------
# Every sections index sorts on section_id, "{term}-{department}-{number}-{section}",
# so begins_with on it narrows a term's sections to a department or a course.


class SectionsByTerm(GlobalSecondaryIndex):
    """``GET /sections/?term=`` (with ``department`` or ``course``: begins_with)."""

    class Meta(_IndexMeta):
        index_name = "by_term"

    term = UnicodeAttribute(hash_key=True)
    section_id = UnicodeAttribute(range_key=True)


class SectionsByCourse(GlobalSecondaryIndex):
    """``GET /sections/?course=``: a course's sections, term by term."""

    class Meta(_IndexMeta):
        index_name = "by_course"

    course_id = UnicodeAttribute(hash_key=True)
    section_id = UnicodeAttribute(range_key=True)


class SectionsByInstructor(GlobalSecondaryIndex):
    """``GET /sections/?instructor=``: what an instructor teaches (``term``: begins_with)."""

    class Meta(_IndexMeta):
        index_name = "by_instructor"

    instructor_id = UnicodeAttribute(hash_key=True)
    section_id = UnicodeAttribute(range_key=True)


class OpenSectionsByTerm(GlobalSecondaryIndex):
    """``GET /sections/?term=&open=true``: sparse, only sections with a free seat.

    ``open_term`` is set (to the term) by every write that frees a seat and removed,
    under the condition ``enrolled >= capacity``, once a section fills. A removal may
    lag (the enroll that filled the section crashed before it), never lead, so the
    query also filters on ``enrolled < capacity``.
    """

    class Meta(_IndexMeta):
        index_name = "open_by_term"

    open_term = UnicodeAttribute(hash_key=True)
    section_id = UnicodeAttribute(range_key=True)


class SectionsInCatalog(GlobalSecondaryIndex):
    """``GET /sections/`` without a narrowing filter: every section in id order."""

    class Meta(_IndexMeta):
        index_name = "catalog"

    catalog = UnicodeAttribute(hash_key=True)
    section_id = UnicodeAttribute(range_key=True)


class Section(TableModel):
    """A section of a course in a term. Access: GetItem on ``section_id``; enroll and
    drop change ``enrolled`` in a TransactWrite with the enrollment row."""

    class Meta(TableMeta):
        table_name = table_name("sections")

    section_id = UnicodeAttribute(hash_key=True)  # "{term}-{course_id}-{number}"
    course_id = UnicodeAttribute()
    department = UnicodeAttribute()
    term = UnicodeAttribute()
    number = UnicodeAttribute()
    title = UnicodeAttribute()  # the course's, copied so a list needs no second read
    instructor_id = UnicodeAttribute()
    capacity = NumberAttribute()
    enrolled = NumberAttribute(default=0)  # seats taken: always 0 <= enrolled <= capacity
    waitlist_capacity = NumberAttribute()
    auto_enrollment_frozen = BooleanAttribute(default=False)
    meeting = UnicodeAttribute(null=True)
    open_term = UnicodeAttribute(null=True)  # see OpenSectionsByTerm
    catalog = UnicodeAttribute(default=SECTIONS_PARTITION)
    # Set by a DELETE in progress: enrolls are refused while its rows are removed.
    deleting = BooleanAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    by_term = SectionsByTerm()
    by_course = SectionsByCourse()
    by_instructor = SectionsByInstructor()
    open_by_term = OpenSectionsByTerm()
    in_catalog = SectionsInCatalog()


# --- enrollments -------------------------------------------------------------------


class RosterIndex(LocalSecondaryIndex):
    """A section's roster by status: ``roster_key`` is ``"{status}#{since}#{student_id}"``,
    so begins_with ``"enrolled#"`` lists the enrolled in the order they enrolled, and
    ``"dropped#"`` the dropped in the order they dropped. Local, so reads can be
    strongly consistent (the integrity check counts seats with it)."""

    class Meta(_IndexMeta):
        index_name = "roster"

    section_id = UnicodeAttribute(hash_key=True)
    roster_key = UnicodeAttribute(range_key=True)


class StudentEnrollments(GlobalSecondaryIndex):
    """``GET /students/{id}/enrollments/``: sparse, only rows with status ``enrolled``
    carry ``enrolled_student_id``, so a student's dropped rows cost nothing to skip."""

    class Meta(_IndexMeta):
        index_name = "by_student"

    enrolled_student_id = UnicodeAttribute(hash_key=True)
    section_id = UnicodeAttribute(range_key=True)


class Enrollment(TableModel):
    """One student in one section: ``enrolled``, or ``dropped`` (kept for the
    instructor's dropped list until the student enrolls again). Access: GetItem on
    (``section_id``, ``student_id``); enroll/drop write it in a TransactWrite with the
    section's seat counter."""

    class Meta(TableMeta):
        table_name = table_name("enrollments")

    section_id = UnicodeAttribute(hash_key=True)
    student_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # enrolled | dropped
    roster_key = UnicodeAttribute()
    enrolled_student_id = UnicodeAttribute(null=True)
    term = UnicodeAttribute()
    course_id = UnicodeAttribute()
    enrolled_at = UTCDateTimeAttribute()
    dropped_at = UTCDateTimeAttribute(null=True)
    dropped_by = UnicodeAttribute(null=True)
    administrative = BooleanAttribute(null=True)  # dropped by someone else than the student

    roster = RosterIndex()
    by_student = StudentEnrollments()
