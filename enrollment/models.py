"""The catalog and the enrollments in DynamoDB: one table each for courses, sections
and enrollments, with an index per access pattern (see docs/data-model.md).

Counters that a rule depends on live on the item the rule guards: a section's
``enrolled`` seats (enroll/drop change it in the same transaction as the enrollment
row) and a course's ``section_count`` (section create/delete change it in the same
transaction as the section), so conditions on them are enforced by DynamoDB.
"""

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex

from core.dynamodb import TableMeta, TableModel, table_name

# The partition key value of the "whole catalog" indexes (see ``CatalogIndex``).
COURSES_PARTITION = "courses"
SECTIONS_PARTITION = "sections"
TERMS_PARTITION = "terms"


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


class MeetingAttribute(MapAttribute[str, str]):
    """One weekly meeting of a section: ``{"days": "MWF", "start": "09:00", "end": "09:50"}``
    (local wall-clock times, ``HH:MM``)."""

    days = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()


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
    # The weekly meetings, in the order written: what time conflicts are computed from.
    meetings = ListAttribute(of=MeetingAttribute, default=list)
    # The course's credits, copied like ``title`` (course PATCH re-copies them), so the
    # credit limit needs no read of the course.
    credits = NumberAttribute(null=True)
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


# --- registration rules ------------------------------------------------------------
# Everything an enroll, a swap or a promotion decides on is one item per table, keyed by
# what the request already knows (the section id starts with the term), so one
# BatchGetItem reads the section, the term, the student's term record, their time
# ticket and their holds together (see ``enrollment.selectors.registration_state``).


class TermsInCatalog(GlobalSecondaryIndex):
    """``GET /terms/``: every term with settings, in term order."""

    class Meta(_IndexMeta):
        index_name = "catalog"

    catalog = UnicodeAttribute(hash_key=True)
    term = UnicodeAttribute(range_key=True)


class Term(TableModel):
    """A term's registration settings, e.g. ``2026FA``. Access: GetItem on ``term``."""

    class Meta(TableMeta):
        table_name = table_name("terms")

    term = UnicodeAttribute(hash_key=True)
    registration_opens_at = UTCDateTimeAttribute()
    registration_closes_at = UTCDateTimeAttribute()
    max_credits = NumberAttribute()
    catalog = UnicodeAttribute(default=TERMS_PARTITION)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    in_catalog = TermsInCatalog()


class TimeTicket(TableModel):
    """A student's own registration opening in a term: replaces the term's
    ``registration_opens_at`` for them. Access: GetItem on (``term``, ``student_id``);
    a term's tickets are one Query; bulk writes are BatchWriteItem puts."""

    class Meta(TableMeta):
        table_name = table_name("time_tickets")

    term = UnicodeAttribute(hash_key=True)
    student_id = UnicodeAttribute(range_key=True)
    opens_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()


class StudentHolds(TableModel):
    """A student's holds, one item per student (a student has a handful at most): the map
    ``holds`` is hold id -> ``{kind, reason, created_at, created_by}``. Access: GetItem;
    placing a hold sets one key, lifting one removes it (condition: it exists)."""

    class Meta(TableMeta):
        table_name = table_name("holds")

    student_id = UnicodeAttribute(hash_key=True)
    holds = MapAttribute[str, object](default=dict)
    updated_at = UTCDateTimeAttribute(null=True)


class TermStudents(GlobalSecondaryIndex):
    """The students with a record in a term: what ``check_integrity --term`` walks."""

    class Meta:
        index_name = "by_term"
        projection = KeysOnlyProjection()

    term = UnicodeAttribute(hash_key=True)
    student_id = UnicodeAttribute(range_key=True)


class StudentTerm(TableModel):
    """One student in one term: what the rules of the next enroll depend on.

    ``sections`` maps each section the student holds a seat in to ``{credits, meetings}``
    as they were when the seat was taken: the credits enrolled are their sum, conflicts are
    computed against their meetings. Every write that takes or frees a seat of the student
    changes this item in the same TransactWrite as the seat; those that add a seat carry
    the condition ``version = <the version the rules were checked against>`` and add 1 to
    it, so two concurrent requests of one student can never both pass the rules on the same
    state. Access: GetItem on (``student_id``, ``term``).
    """

    class Meta(TableMeta):
        table_name = table_name("student_terms")

    student_id = UnicodeAttribute(hash_key=True)
    term = UnicodeAttribute(range_key=True)
    sections = MapAttribute[str, object](default=dict)
    version = NumberAttribute(default=0)
    # The registrar's per-student credit limit; absent: the term's.
    max_credits = NumberAttribute(null=True)
    # Waitlist places with a swap attached: section waited for -> section to drop then.
    swaps = MapAttribute[str, object](default=dict)
    # Promotions skipped: section -> "{reason}:{what caused it}", so each is told once.
    skipped = MapAttribute[str, object](default=dict)

    by_term = TermStudents()
