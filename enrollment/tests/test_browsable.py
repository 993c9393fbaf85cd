"""The browsable API (a person logged in at /api-auth/login/) pages through cursor lists
with "Previous" and "Next" buttons."""

import html
import re

import pytest
from django.test import Client

from accounts.models import User
from enrollment.tests.http import unique_term

NEXT = re.compile(r'<a href="([^"]+)" rel="next"')
PREVIOUS = re.compile(r'<a href="([^"]+)" rel="prev"')


@pytest.mark.django_db
def _link(pattern: re.Pattern[str], page: str) -> str:
    found = pattern.search(page)
    assert found is not None, f"no {pattern.pattern} in the page"
    return html.unescape(found.group(1))


def test_cursor_pages_have_next_and_previous_buttons(make_section, student):
    # Given three sections in a term, and a student logged in with a session
    term = unique_term()
    for _ in range(3):
        make_section(term=term)
    browser = Client()
    browser.force_login(User.objects.get(pk=student.id))

    # When they open the first page of one section per page
    first = browser.get(f"/api/v1/sections/?term={term}&page_size=1", HTTP_ACCEPT="text/html")

    # Then there is a Next button (to the page the JSON's "next" names) and no Previous
    assert first.status_code == 200
    page = first.content.decode()
    assert PREVIOUS.search(page) is None
    next_url = _link(NEXT, page)
    assert "cursor=" in next_url and f"term={term}" in next_url

    # And following it leads to a page with both buttons, the same as the JSON links
    second = browser.get(next_url, HTTP_ACCEPT="text/html").content.decode()
    as_json = browser.get(next_url, HTTP_ACCEPT="application/json").json()
    assert _link(NEXT, second) == as_json["next"]
    assert _link(PREVIOUS, second) == as_json["previous"]
