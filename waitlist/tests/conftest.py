"""The catalog fixtures of the enrollment tests (a course in a department of its own,
sections made through the services, enroll over HTTP), for the waitlist tests too."""

from enrollment.tests.conftest import (  # noqa: F401
    assert_consistent,
    course,
    enroll,
    make_course,
    make_section,
    new_section,
    section,
)
