"""The top bar every page draws: the links a user may follow, and the page they are on."""

import re

import pytest

from tests.factories import EducatorFactory, published_case

pytestmark = pytest.mark.django_db


def top_bar(client, path: str) -> tuple[list[str], list[str]]:
    """The main navigation's link labels, and those marked as the current page."""
    nav = re.search(r'<nav class="nav".*?</nav>', client.get(path).content.decode(), re.S).group(0)
    links = re.findall(r'<a href="[^"]+"( aria-current="page")?>([^<]+)</a>', nav)
    return [label for _, label in links], [label for current, label in links if current]


def test_a_trainee_has_their_pages_and_the_calculator_with_the_page_they_are_on_marked(client, trainee):
    assert top_bar(client, "/progress/") == (["Home", "Progress", "Cases", "Calculator"], ["Progress"])


def test_a_case_page_marks_the_cases_link(client, trainee):
    case = published_case()

    assert top_bar(client, f"/cases/{case.slug}/")[1] == ["Cases"]


def test_an_educator_also_has_cohorts_and_authoring(client):
    client.force_login(EducatorFactory())

    links, current = top_bar(client, "/cohorts/")

    assert links == ["Home", "Progress", "Cases", "Calculator", "Cohorts", "Authoring"]
    assert current == ["Cohorts"]


def test_a_visitor_has_the_calculator_and_a_way_to_log_in(client):
    html = client.get("/calculator/").content.decode()

    assert top_bar(client, "/calculator/") == (["Calculator"], ["Calculator"])
    assert '<a class="button small" href="/login/">Log in</a>' in html
