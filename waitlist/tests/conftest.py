"""The catalog fixtures of the enrollment tests (a course in a department of its own,
sections made through the services), for the waitlist tests too."""

from enrollment.tests.conftest import course, make_course, make_section, section  # noqa: F401
