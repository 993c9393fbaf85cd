"""The queries of ``/graphql/``: what each answers, and that it answers what the REST
endpoint over the same data answers (same filters, same items, same numbers).

DynamoDB tables and Redis live for the whole run while the Django database is rolled
back after each test, so every test makes its own courses and sections in a department
and a term of its own (``unique_department``, ``unique_term``).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from accounts.roles import Role
from enrollment.meetings import Meeting
from enrollment.tests.http import COURSES, SECTIONS, unique_department, unique_term

pytestmark = pytest.mark.django_db

GRAPHQL = "/graphql/"

SECTION_FIELDS = (
    "id courseId department title term number instructorId capacity enrolled seatsLeft waitlistCapacity "
    "waitlisted status autoEnrollmentFrozen meetings { days start end } credits"
)
COURSE_FIELDS = "id department number title description credits sectionCount"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _as_graphql_section(item: dict) -> dict:
    """A REST section as the GraphQL Section type spells it: camelCase names, and the
    status as a GraphQL enum value (``waitlist_full`` is ``WAITLIST_FULL``)."""
    converted = {_camel(name): value for name, value in item.items()}
    converted["status"] = item["status"].upper()
    return converted


def _errors_at(body: dict, path: list) -> list[dict]:
    return [error for error in body.get("errors", []) if error.get("path") == path]


def _only_error(body: dict) -> dict:
    assert len(body.get("errors", [])) == 1, body
    return body["errors"][0]


def _follow_graphql(graphql, profile, field: str, query: str, variables: dict) -> list[dict]:
    """Every page of a paged root ``field``, following ``nextCursor`` until it is null."""
    pages, cursor = [], None
    while True:
        body = graphql(profile, query, {**variables, "cursor": cursor})
        assert "errors" not in body, body
        pages.append(body["data"][field])
        cursor = pages[-1]["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) < 200, "the cursors never end"


# --- courses -------------------------------------------------------------------------

COURSES_QUERY = f"""
query Courses($department: String, $pageSize: Int, $cursor: String) {{
  courses(department: $department, pageSize: $pageSize, cursor: $cursor) {{
    items {{ {COURSE_FIELDS} }}
    nextCursor
    previousCursor
  }}
}}
"""


def test_courses_of_a_department_in_id_order_with_every_field(graphql, student, make_course, make_section):
    department = unique_department()
    ids = [make_course(department=department, number=n, description=f"About {n}.").id for n in ("300", "100", "200")]
    make_course(department=unique_department(), number="100")  # another department's
    make_section(course_id=f"{department}-100", term=unique_term(), number="01")

    body = graphql(student, COURSES_QUERY, {"department": department})

    assert "errors" not in body, body
    page = body["data"]["courses"]
    assert [item["id"] for item in page["items"]] == sorted(ids)
    assert page["items"][0] == {
        "id": f"{department}-100",
        "department": department,
        "number": "100",
        "title": "Back-End Engineering",
        "description": "About 100.",
        "credits": 3,
        "sectionCount": 1,
    }
    assert page["items"][1]["sectionCount"] == 0
    assert (page["nextCursor"], page["previousCursor"]) == (None, None)


def test_courses_department_is_case_insensitive_like_rest(graphql, client_for, student, make_course):
    department = unique_department()
    make_course(department=department, number="1")

    body = graphql(student, COURSES_QUERY, {"department": department.lower()})
    rest = client_for(student).get(COURSES, {"department": department.lower()}).json()

    assert [item["id"] for item in body["data"]["courses"]["items"]] == [f"{department}-1"]
    assert [item["id"] for item in rest["results"]] == [f"{department}-1"]


def test_courses_page_by_page_following_next_cursor_then_back(graphql, client_for, student, make_course):
    department = unique_department()
    ids = sorted(make_course(department=department, number=f"{n}0").id for n in range(1, 6))

    pages = _follow_graphql(graphql, student, "courses", COURSES_QUERY, {"department": department, "pageSize": 2})

    assert [[item["id"] for item in page["items"]] for page in pages] == [ids[0:2], ids[2:4], ids[4:5]]
    assert pages[0]["previousCursor"] is None
    assert pages[1]["previousCursor"] and pages[2]["previousCursor"]
    # Back from the last page: the page before it.
    back = graphql(
        student, COURSES_QUERY, {"department": department, "pageSize": 2, "cursor": pages[2]["previousCursor"]}
    )
    assert [item["id"] for item in back["data"]["courses"]["items"]] == ids[2:4]
    # The same pages as REST's.
    rest = client_for(student).get(COURSES, {"department": department, "page_size": 2}).json()
    assert [item["id"] for item in rest["results"]] == ids[0:2]


def test_courses_without_department_list_the_whole_catalog_in_id_order(graphql, student, make_course):
    mine = {make_course(department=unique_department(), number="1").id for _ in range(3)}

    pages = _follow_graphql(graphql, student, "courses", COURSES_QUERY, {"pageSize": 100})

    listed = [item["id"] for page in pages for item in page["items"]]
    assert mine <= set(listed)
    assert listed == sorted(listed)
    assert len(listed) == len(set(listed)), "a course listed twice"


def test_a_cursor_of_one_department_is_refused_for_another(graphql, student, make_course):
    department = unique_department()
    for n in range(3):
        make_course(department=department, number=f"{n}1")
    cursor = graphql(student, COURSES_QUERY, {"department": department, "pageSize": 1})["data"]["courses"]["nextCursor"]

    body = graphql(student, COURSES_QUERY, {"department": unique_department(), "pageSize": 1, "cursor": cursor})

    assert body["data"]["courses"] is None
    error = _only_error(body)
    assert error["path"] == ["courses"]
    assert error["extensions"]["code"] == "invalid"
    assert "cursor" in error["extensions"]["errors"]


# --- course ----------------------------------------------------------------------------

COURSE_QUERY = f"query Course($id: ID!) {{ course(id: $id) {{ {COURSE_FIELDS} }} }}"


def test_one_course_by_id(graphql, client_for, student, make_course):
    course = make_course(department=unique_department(), number="449", title="Distributed Systems", credits=4)

    body = graphql(student, COURSE_QUERY, {"id": course.id})

    assert "errors" not in body, body
    rest = client_for(student).get(f"{COURSES}{course.id}/").json()
    assert body["data"]["course"] == {**{_camel(name): value for name, value in rest.items()}, "sectionCount": 0}
    assert body["data"]["course"]["title"] == "Distributed Systems"


def test_an_unknown_course_is_null_with_a_not_found_error(graphql, student):
    body = graphql(student, COURSE_QUERY, {"id": f"{unique_department()}-999"})

    assert body["data"] == {"course": None}
    error = _only_error(body)
    assert error["path"] == ["course"]
    assert error["extensions"]["code"] == "not_found"
    assert error["extensions"]["status"] == 404
    assert error["message"] == "No course with this id."


@pytest.mark.parametrize("field", ["course", "section"])
@pytest.mark.parametrize("bad_id", ["", "X" * 3000])
def test_an_id_that_cannot_exist_is_not_found(graphql, student, field, bad_id):
    body = graphql(student, f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", {"id": bad_id})

    assert body["data"] == {field: None}
    error = _only_error(body)
    assert error["path"] == [field]
    assert error["extensions"]["code"] == "not_found"


def test_a_bad_id_does_not_fail_the_sections_asked_for_beside_it(graphql, student, new_section):
    section = new_section()

    query = "query($a: ID!, $b: ID!) { a: section(id: $a) { id } b: section(id: $b) { id } }"

    body = graphql(student, query, {"a": section.id, "b": ""})

    assert body["data"]["a"] == {"id": section.id}
    assert body["data"]["b"] is None


# --- sections: the REST filters -------------------------------------------------------

SECTIONS_QUERY = f"""
query Sections($term: String, $department: String, $course: String, $instructor: String, $open: Boolean,
               $pageSize: Int, $cursor: String) {{
  sections(term: $term, department: $department, course: $course, instructor: $instructor, open: $open,
           pageSize: $pageSize, cursor: $cursor) {{
    items {{ {SECTION_FIELDS} }}
    nextCursor
    previousCursor
  }}
}}
"""


@dataclass
class Catalog:
    """Sections of one test: in ``term``, three in two departments and one in ``other_term``."""

    term: str
    other_term: str
    department: str
    other_department: str
    course: str
    other_course: str
    lone_course: str
    teacher: object
    colleague: object
    full: str  # teacher's, course, 1 seat taken, 1 waiting: full
    open: str  # colleague's, other_course, 5 seats, 1 taken: open
    waitlist_full: str  # teacher's, lone_course (other_department), 1 seat taken, 1 of 1 waiting
    later: str  # teacher's, course, in other_term: open


FULL_MEETINGS = (Meeting(days="MW", start="10:00", end="11:15"), Meeting(days="F", start="14:00", end="16:45"))


@pytest.fixture
def catalog(make_user, make_course, make_section, enroll) -> Catalog:
    term, other_term = unique_term(), unique_term()
    department, other_department = unique_department(), unique_department()
    teacher = make_user(Role.INSTRUCTOR, first_name="Grace", last_name="Hopper")
    colleague = make_user(Role.INSTRUCTOR, first_name="Alan", last_name="Turing")
    course = make_course(department=department, number="100")
    other_course = make_course(department=department, number="200")
    lone_course = make_course(department=other_department, number="100")

    full = make_section(
        course_id=course.id, term=term, number="01", instructor_id=teacher.id, capacity=1, meetings=FULL_MEETINGS
    )
    open_ = make_section(course_id=other_course.id, term=term, number="01", instructor_id=colleague.id, capacity=5)
    waitlist_full = make_section(
        course_id=lone_course.id, term=term, number="01", instructor_id=teacher.id, capacity=1, waitlist_capacity=1
    )
    later = make_section(course_id=course.id, term=other_term, number="01", instructor_id=teacher.id, capacity=3)

    for section_id, expected in [
        (full.id, ["enrolled", "waitlisted"]),
        (open_.id, ["enrolled"]),
        (waitlist_full.id, ["enrolled", "waitlisted"]),
    ]:
        for status in expected:
            assert enroll(make_user(Role.STUDENT), section_id)["status"] == status
    return Catalog(
        term=term,
        other_term=other_term,
        department=department,
        other_department=other_department,
        course=course.id,
        other_course=other_course.id,
        lone_course=lone_course.id,
        teacher=teacher,
        colleague=colleague,
        full=full.id,
        open=open_.id,
        waitlist_full=waitlist_full.id,
        later=later.id,
    )


# (GraphQL arguments, the REST query, the sections expected); names are Catalog attributes.
FILTER_CASES = {
    "term": ({"term": "term"}, ["full", "open", "waitlist_full"]),
    "term lower case": ({"term": "term:lower"}, ["full", "open", "waitlist_full"]),
    "term and department": ({"term": "term", "department": "department"}, ["full", "open"]),
    "term and other department": ({"term": "term", "department": "other_department"}, ["waitlist_full"]),
    "term and course": ({"term": "term", "course": "course"}, ["full"]),
    "course in any term": ({"course": "course"}, ["full", "later"]),
    "department in any term": ({"department": "department"}, ["full", "open", "later"]),
    "instructor": ({"instructor": "teacher"}, ["full", "waitlist_full", "later"]),
    "instructor and term": ({"instructor": "teacher", "term": "term"}, ["full", "waitlist_full"]),
    "instructor me": ({"instructor": "me"}, ["full", "waitlist_full", "later"]),
    "open in term": ({"term": "term", "open": True}, ["open"]),
    "full in term": ({"term": "term", "open": False}, ["full", "waitlist_full"]),
    "open of an instructor": ({"instructor": "teacher", "open": True}, ["later"]),
    "full of an instructor": ({"instructor": "teacher", "open": False}, ["full", "waitlist_full"]),
    "full of a course in any term": ({"course": "course", "open": False}, ["full"]),
}


def _resolve(catalog: Catalog, arguments: dict) -> dict:
    resolved = {}
    for name, value in arguments.items():
        if isinstance(value, bool) or value == "me":
            resolved[name] = value
        elif value in ("teacher", "colleague"):
            resolved[name] = getattr(catalog, value).id
        else:
            attribute, _, case = value.partition(":")
            resolved[name] = getattr(catalog, attribute).lower() if case == "lower" else getattr(catalog, attribute)
    return resolved


def _rest_params(arguments: dict) -> dict:
    return {name: str(value).lower() if isinstance(value, bool) else value for name, value in arguments.items()}


@pytest.mark.parametrize(("arguments", "expected"), FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_sections_filters_answer_what_rest_answers(graphql, client_for, student, catalog, arguments, expected):
    # "me" means the caller: the teacher asks; otherwise a student does.
    caller = catalog.teacher if arguments.get("instructor") == "me" else student
    arguments = _resolve(catalog, arguments)

    body = graphql(caller, SECTIONS_QUERY, {**arguments, "pageSize": 100})
    rest = client_for(caller).get(SECTIONS, {**_rest_params(arguments), "page_size": 100})

    assert "errors" not in body, body
    assert rest.status_code == 200, rest.content
    page = body["data"]["sections"]
    ids = [item["id"] for item in page["items"]]
    # Filters across terms see every test's sections: only this test's are compared.
    mine = {getattr(catalog, name) for name in ("full", "open", "waitlist_full", "later")}
    assert [id_ for id_ in ids if id_ in mine] == [getattr(catalog, name) for name in expected]
    assert page["items"] == [_as_graphql_section(item) for item in rest.json()["results"]]
    assert ids == sorted(ids)


def test_section_numbers_match_the_seats_and_the_line(graphql, student, catalog):
    body = graphql(student, SECTIONS_QUERY, {"term": catalog.term, "pageSize": 100})

    by_id = {item["id"]: item for item in body["data"]["sections"]["items"]}
    numbers = ("capacity", "enrolled", "seatsLeft", "waitlistCapacity", "waitlisted", "status")
    assert {key: by_id[catalog.full][key] for key in numbers} == {
        "capacity": 1,
        "enrolled": 1,
        "seatsLeft": 0,
        "waitlistCapacity": 15,
        "waitlisted": 1,
        "status": "FULL",
    }
    assert [by_id[catalog.open][key] for key in numbers] == [5, 1, 4, 15, 0, "OPEN"]
    assert [by_id[catalog.waitlist_full][key] for key in numbers] == [1, 1, 0, 1, 1, "WAITLIST_FULL"]
    assert by_id[catalog.full]["instructorId"] == catalog.teacher.id
    assert by_id[catalog.open]["courseId"] == catalog.other_course


def test_sections_of_a_student_as_instructor_me_are_none(graphql, student, catalog):
    body = graphql(student, SECTIONS_QUERY, {"instructor": "me"})

    assert body == {"data": {"sections": {"items": [], "nextCursor": None, "previousCursor": None}}}


def test_sections_page_by_page_like_rest(graphql, client_for, student, make_course, make_section):
    term, department = unique_term(), unique_department()
    ids = sorted(
        make_section(course_id=make_course(department=department, number=f"{n}").id, term=term, number="01").id
        for n in range(1, 6)
    )

    pages = _follow_graphql(graphql, student, "sections", SECTIONS_QUERY, {"term": term, "pageSize": 2})

    assert [[item["id"] for item in page["items"]] for page in pages] == [ids[0:2], ids[2:4], ids[4:]]
    # A GraphQL cursor is the REST list's cursor too: the same list, the same filters.
    rest = client_for(student).get(SECTIONS, {"term": term, "page_size": 2, "cursor": pages[0]["nextCursor"]})
    assert [item["id"] for item in rest.json()["results"]] == ids[2:4]


# --- section -------------------------------------------------------------------------------

SECTION_QUERY = f"""
query Section($id: ID!) {{
  section(id: $id) {{
    {SECTION_FIELDS}
    course {{ {COURSE_FIELDS} }}
    instructor {{ id firstName lastName }}
  }}
}}
"""


def test_one_section_with_its_course_and_instructor(graphql, client_for, student, catalog):
    body = graphql(student, SECTION_QUERY, {"id": catalog.full})

    assert "errors" not in body, body
    section = body["data"]["section"]
    rest = client_for(student).get(f"{SECTIONS}{catalog.full}/").json()
    assert {key: value for key, value in section.items() if key not in ("course", "instructor")} == (
        _as_graphql_section(rest)
    )
    assert section["course"] == {
        "id": catalog.course,
        "department": catalog.department,
        "number": "100",
        "title": "Back-End Engineering",
        "description": "",
        "credits": 3,
        "sectionCount": 2,
    }
    assert section["instructor"] == {"id": catalog.teacher.id, "firstName": "Grace", "lastName": "Hopper"}
    assert section["meetings"] == [
        {"days": "MW", "start": "10:00", "end": "11:15"},
        {"days": "F", "start": "14:00", "end": "16:45"},
    ]
    assert section["credits"] == 3


def test_an_unknown_section_is_null_with_a_not_found_error(graphql, student):
    body = graphql(student, SECTION_QUERY, {"id": f"{unique_term()}-{unique_department()}-1-01"})

    assert body["data"] == {"section": None}
    error = _only_error(body)
    assert (error["path"], error["extensions"]["code"], error["extensions"]["status"]) == (
        ["section"],
        "not_found",
        404,
    )


def test_a_person_has_no_email_to_ask_for(graphql, student, make_user, new_section):
    teacher = make_user(Role.INSTRUCTOR, email="hopper@example.edu", first_name="Grace", last_name="Hopper")
    section = new_section(instructor_id=teacher.id)

    body = graphql(student, "query($id: ID!) { section(id: $id) { instructor { email } } }", {"id": section.id})

    assert body["data"] is None
    error = _only_error(body)
    assert error["extensions"]["code"] == "invalid_query"
    assert "email" in error["message"] and "Person" in error["message"]
    assert "hopper@example.edu" not in str(body)


# --- me ------------------------------------------------------------------------------------

ME_QUERY = """
{
  me {
    id username firstName lastName email roles
    enrollments(pageSize: 100) {
      items {
        sectionId studentId courseId term status enrolledAt position joinedAt
        section { id title course { title } }
      }
      nextCursor
    }
    waitlists { sectionId studentId position joinedAt section { id title } }
  }
}
"""


def test_me_gives_the_profile_seats_and_waitlist_places(graphql, client_for, make_user, new_section, enroll):
    me = make_user(Role.STUDENT, first_name="Ada", last_name="Lovelace", email="ada@example.edu")
    seat = new_section(capacity=5)
    line = new_section(capacity=0)
    ahead = make_user(Role.STUDENT)
    enroll(ahead, line.id)
    assert enroll(me, seat.id)["status"] == "enrolled"
    assert enroll(me, line.id)["position"] == 2

    body = graphql(me, ME_QUERY)

    assert "errors" not in body, body
    data = body["data"]["me"]
    assert {key: data[key] for key in ("id", "username", "firstName", "lastName", "email", "roles")} == {
        "id": me.id,
        "username": me.username,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.edu",
        "roles": ["student"],
    }
    # The places lead, then the seats, as REST lists them.
    place, held = data["enrollments"]["items"]
    assert (place["sectionId"], place["status"], place["position"], place["enrolledAt"]) == (
        line.id,
        "WAITLISTED",
        2,
        None,
    )
    assert place["joinedAt"] is not None
    assert (held["sectionId"], held["status"], held["position"], held["joinedAt"]) == (seat.id, "ENROLLED", None, None)
    assert datetime.fromisoformat(held["enrolledAt"]).utcoffset() == timedelta(0)
    for item, section in ((place, line), (held, seat)):
        assert (item["studentId"], item["courseId"], item["term"]) == (me.id, section.course_id, section.term)
        assert item["section"] == {
            "id": section.id,
            "title": section.title,
            "course": {"title": "Back-End Engineering"},
        }
    rest = client_for(me).get("/api/v1/students/me/enrollments/", {"page_size": 100}).json()
    assert [(item["section_id"], item["status"].upper()) for item in rest["results"]] == [
        (item["sectionId"], item["status"]) for item in data["enrollments"]["items"]
    ]
    # Instants are written exactly as REST writes them (UTC with "Z").
    assert (held["enrolledAt"], place["joinedAt"]) == (
        rest["results"][1]["enrolled_at"],
        rest["results"][0]["joined_at"],
    )
    assert held["enrolledAt"].endswith("Z")
    # The waitlist places with their positions.
    assert data["waitlists"] == [
        {
            "sectionId": line.id,
            "studentId": me.id,
            "position": 2,
            "joinedAt": place["joinedAt"],
            "section": {"id": line.id, "title": line.title},
        }
    ]


def test_me_positions_move_up_when_the_student_ahead_leaves(graphql, client_for, make_user, new_section, enroll):
    me, ahead = make_user(Role.STUDENT), make_user(Role.STUDENT)
    line = new_section(capacity=0)
    enroll(ahead, line.id)
    enroll(me, line.id)
    query = "{ me { waitlists { sectionId position } enrollments { items { sectionId position } } } }"
    assert graphql(me, query)["data"]["me"]["waitlists"] == [{"sectionId": line.id, "position": 2}]

    left = client_for(ahead).delete(f"{SECTIONS}{line.id}/waitlist/me/")
    assert left.status_code == 204, left.content

    assert graphql(me, query)["data"]["me"] == {
        "waitlists": [{"sectionId": line.id, "position": 1}],
        "enrollments": {"items": [{"sectionId": line.id, "position": 1}]},
    }


def test_me_of_an_instructor_and_of_the_registrar(graphql, instructor, registrar):
    assert graphql(instructor, "{ me { id roles } }") == {
        "data": {"me": {"id": instructor.id, "roles": ["instructor"]}}
    }
    # The registrar may read a schedule: theirs is empty.
    body = graphql(registrar, "{ me { roles enrollments { items { sectionId } } waitlists { sectionId } } }")
    assert body == {"data": {"me": {"roles": ["registrar"], "enrollments": {"items": []}, "waitlists": []}}}


def test_me_with_several_roles(graphql, make_user):
    both = make_user(Role.INSTRUCTOR, Role.REGISTRAR)

    assert graphql(both, "{ me { roles } }")["data"]["me"]["roles"] == ["instructor", "registrar"]


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ('term: "nope"', "term"),
        ('department: "C5"', "department"),
        ('course: "CPSC"', "course"),
        ('instructor: "%s"' % ("9" * 65), "instructor"),
        ("pageSize: 0", "pageSize"),
        ("pageSize: -3", "pageSize"),
        ('cursor: "not-a-cursor"', "cursor"),
    ],
)
def test_bad_section_arguments_are_invalid_and_named(graphql, student, dynamodb_calls, arguments, argument):
    dynamodb_calls.clear()

    body = graphql(student, f"{{ sections({arguments}) {{ items {{ id }} }} }}")

    assert body["data"] == {"sections": None}
    error = _only_error(body)
    assert error["path"] == ["sections"]
    assert error["extensions"]["code"] == "invalid"
    assert error["extensions"]["status"] == 400
    assert list(error["extensions"]["errors"]) == [argument]
    assert error["extensions"]["errors"][argument], "no message for the argument"
    assert dynamodb_calls.count() == 0


def test_bad_page_size_of_courses_is_invalid(graphql, student):
    body = graphql(student, "{ courses(pageSize: 0) { items { id } } }")

    error = _only_error(body)
    assert body["data"] == {"courses": None}
    assert (error["path"], error["extensions"]["code"]) == (["courses"], "invalid")
    assert "pageSize" in error["extensions"]["errors"]


def test_bad_department_of_courses_is_invalid(graphql, student):
    body = graphql(student, '{ courses(department: "no such") { items { id } } }')

    error = _only_error(body)
    assert (error["extensions"]["code"], list(error["extensions"]["errors"])) == ("invalid", ["department"])


def test_a_page_size_over_the_maximum_is_refused_like_rest(graphql, student, make_course):
    department = unique_department()
    for n in range(3):
        make_course(department=department, number=f"{n}")

    assert (
        len(graphql(student, COURSES_QUERY, {"department": department, "pageSize": 100})["data"]["courses"]["items"])
        == 3
    )
    body = graphql(student, COURSES_QUERY, {"department": department, "pageSize": 101})

    assert body["data"]["courses"] is None
    assert body["errors"][0]["extensions"]["errors"] == {
        "pageSize": ["Ensure this value is less than or equal to 100."]
    }


def test_a_bad_field_fails_alone_and_the_rest_of_the_answer_stays(graphql, student):
    body = graphql(student, '{ me { id } sections(term: "nope") { items { id } } }')

    assert body["data"] == {"me": {"id": student.id}, "sections": None}
    assert [error["path"] for error in body["errors"]] == [["sections"]]


# --- GET ---------------------------------------------------------------------------------------


def test_a_query_by_get_with_a_token(client_for, student, new_section):
    section = new_section()
    client = client_for(student)

    response = client.get(
        GRAPHQL,
        {
            "query": "query($id: ID!) { section(id: $id) { id title } me { id } }",
            "variables": f'{{"id": "{section.id}"}}',
        },
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "data": {"section": {"id": section.id, "title": section.title}, "me": {"id": student.id}}
    }
    # The same answer as by POST.
    posted = client.post(
        GRAPHQL,
        {"query": "query($id: ID!) { section(id: $id) { id title } me { id } }", "variables": {"id": section.id}},
        format="json",
    )
    assert posted.json() == response.json()


def test_get_with_html_accepted_and_a_query_runs_the_query(client_for, student):
    response = client_for(student).get(GRAPHQL, {"query": "{ me { id } }"}, HTTP_ACCEPT="text/html")

    assert response.status_code == 200, response.content
    assert response.json() == {"data": {"me": {"id": student.id}}}


# --- a store down ---------------------------------------------------------------------------------


def test_dynamodb_down_fails_the_fields_that_read_it_with_service_unavailable(graphql, student, dynamodb_down):
    body = graphql(student, "{ me { id } courses { items { id } } sections { items { id } } }")

    # The profile is Django's: still there. The catalog fields fail alone, retryably.
    assert body["data"] == {"me": {"id": student.id}, "courses": None, "sections": None}
    assert sorted(error["path"][0] for error in body["errors"]) == ["courses", "sections"]
    for error in body["errors"]:
        assert (error["extensions"]["code"], error["extensions"]["status"]) == ("service_unavailable", 503)
        assert "dynamodb" in error["message"].lower()
        assert "127.0.0.1" not in error["message"]


SECTION_MEETINGS_QUERY = """
query Sections($term: String!) {
  sections(term: $term) { items { id credits meetings { days start end } } }
}
"""


def test_listed_sections_carry_their_meetings_and_credits(graphql, student, catalog):
    body = graphql(student, SECTION_MEETINGS_QUERY, {"term": catalog.term})

    assert "errors" not in body, body
    listed = {item["id"]: item for item in body["data"]["sections"]["items"]}
    assert listed[catalog.full]["meetings"] == [
        {"days": meeting.days, "start": meeting.start, "end": meeting.end} for meeting in FULL_MEETINGS
    ]
    assert listed[catalog.open]["meetings"] == []  # none written: an empty list, never null
    assert {item["credits"] for item in listed.values()} == {3}
