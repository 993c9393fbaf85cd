"""Cursor pagination over the catalog's indexes, and the section filters."""

import pytest

from accounts.roles import Role
from core.errors import InvalidCursor
from core.pagination import PageRequest
from enrollment import selectors


def walk_forward(department: str, size: int) -> tuple[list[list[str]], list]:
    pages, page = [], selectors.course_list(page=PageRequest(size=size), department=department)
    visited = [page]
    pages.append([course.id for course in page.items])
    while page.next_cursor:
        page = selectors.course_list(page=PageRequest(cursor=page.next_cursor, size=size), department=department)
        visited.append(page)
        pages.append([course.id for course in page.items])
    return pages, visited


@pytest.mark.django_db
def test_pages_forward_and_back_cover_every_item_once(make_course):
    # Given 7 courses of one department
    ids = sorted(make_course(department="PAGE", number=f"{n}00").id for n in range(1, 8))

    # When walking forward 3 at a time
    pages, visited = walk_forward("PAGE", 3)

    # Then the pages are 3, 3, 1, in id order, with no next link after the last
    assert pages == [ids[0:3], ids[3:6], ids[6:7]]
    assert visited[0].previous_cursor is None

    # When walking back from the last page
    back = selectors.course_list(page=PageRequest(cursor=visited[-1].previous_cursor, size=3), department="PAGE")
    assert [course.id for course in back.items] == ids[3:6]
    first = selectors.course_list(page=PageRequest(cursor=back.previous_cursor, size=3), department="PAGE")
    assert [course.id for course in first.items] == ids[0:3]
    # Then the first page reached backwards has no previous link, but a next one
    assert first.previous_cursor is None and first.next_cursor


@pytest.mark.django_db
def test_a_cursor_is_bound_to_its_list_and_cannot_be_altered(make_course):
    for n in range(1, 4):
        make_course(department="CURS", number=f"{n}0")
    cursor = selectors.course_list(page=PageRequest(size=1), department="CURS").next_cursor
    assert cursor is not None

    # Another list's filters
    with pytest.raises(InvalidCursor):
        selectors.course_list(page=PageRequest(cursor=cursor, size=1), department="PAGE")
    # A flipped character
    tampered = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    with pytest.raises(InvalidCursor):
        selectors.course_list(page=PageRequest(cursor=tampered, size=1), department="CURS")
    # Garbage
    with pytest.raises(InvalidCursor):
        selectors.course_list(page=PageRequest(cursor="not-a-cursor", size=1), department="CURS")


@pytest.mark.django_db
def test_section_filters_combine_on_one_query(make_course, make_section, make_user, dynamodb_calls):
    # Given sections of two courses in two terms, taught by two instructors
    other = make_user(Role.INSTRUCTOR)
    algebra = make_course(department="FILT", number="1")
    poetry = make_course(department="FILX", number="1")
    a1 = make_section(course_id=algebra.id, term="2040FA", number="01")
    a2 = make_section(course_id=algebra.id, term="2040FA", number="02", instructor_id=other.id)
    make_section(course_id=algebra.id, term="2041SP", number="01")
    p1 = make_section(course_id=poetry.id, term="2040FA", number="01", capacity=0)

    def ids(**filters) -> list[str]:
        page = selectors.section_list(page=PageRequest(size=100), filters=selectors.SectionFilters(**filters))
        return [section.id for section in page.items]

    dynamodb_calls.clear()
    assert ids(term="2040FA", department="FILT") == [a1.id, a2.id]
    assert ids(term="2040FA", course_id=poetry.id) == [p1.id]
    assert ids(term="2040FA", department="FILX", open=True) == []
    assert ids(term="2040FA", department="FILX", open=False) == [p1.id]
    assert ids(term="2040FA", instructor_id=other.id) == [a2.id]
    assert ids(course_id=algebra.id, department="FILX") == []
    assert ids(course_id=algebra.id) == [a1.id, a2.id, f"2041SP-{algebra.id}-01"]
    # Each list was one Query, no scan
    assert dynamodb_calls.count("Query") == 7 and dynamodb_calls.count() == 7
