"""A practice run from the dashboard: a few cases chosen for one SINS component, with where the trainee is in it."""

import re

import pytest

from sinsquiz.training.next_case import RUN_LENGTH
from tests.factories import commit, published_case

pytestmark = pytest.mark.django_db

RUN = "Practice run on collapse: case {} of 5"


@pytest.fixture
def cases():
    """More cases than a run, each with points for collapse in its reference (so each exercises it)."""
    return [published_case(title=f"Case {n}", series=1, slices=1) for n in range(RUN_LENGTH + 2)]


def _status(client, url) -> str:
    """The practice-run line of a page, as text ("" when there is none)."""
    found = re.search(r'<p class="practice-run" role="status">(.*?)</p>', client.get(url).content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else ""


def test_a_practice_run_says_on_every_page_which_case_of_how_many_is_under_way(client, trainee, cases):
    first = client.get("/practice/next/?focus=collapse").url

    assert _status(client, first) == RUN.format(1)
    assert client.get("/practice/next/?focus=collapse").url == first  # asked again before committing: same case
    assert _status(client, "/progress/") == RUN.format(1) + " Carry on →"

    attempt = commit(client, next(c for c in cases if c.get_absolute_url() == first), collapse="gt50")
    assert _status(client, attempt.get_absolute_url()).startswith(RUN.format(1))
    second = client.get("/practice/next/?focus=collapse").url

    assert second != first
    assert _status(client, second) == RUN.format(2)


def test_a_finished_run_says_how_it_went_and_leaves_the_pages(client, trainee, cases):
    by_url = {case.get_absolute_url(): case for case in cases}
    for number in range(RUN_LENGTH):
        url = client.get("/practice/next/?focus=collapse").url
        last = commit(client, by_url[url], collapse="gt50" if number < 2 else "lt50")  # the first two wrong
    feedback = client.get(last.get_absolute_url()).content.decode()
    assert _status(client, last.get_absolute_url()) == RUN.format(5) + " How the run went →"  # no "Carry on"
    assert '<a class="button primary" href="/practice/next/?focus=collapse">How the run went →</a>' in feedback

    response = client.get("/practice/next/?focus=collapse", follow=True)

    assert response.redirect_chain[-1][0] == "/progress/"
    assert "Practice run on collapse done: 3 of 5 right. It counts in your learning curve" in response.content.decode()
    assert _status(client, "/progress/") == ""


def test_a_plain_next_case_ends_the_run(client, trainee, cases):
    client.get("/practice/next/?focus=collapse")

    client.get("/practice/next/")

    assert _status(client, "/progress/") == ""


def test_a_run_that_runs_out_of_cases_ends_with_what_it_served_never_the_same_case_twice(client, trainee):
    only = published_case(title="The only case", series=1, slices=1)
    assert client.get("/practice/next/?focus=collapse").url == only.get_absolute_url()
    commit(client, only, collapse="gt50")  # wrong: the case is due again, but not in this run

    response = client.get("/practice/next/?focus=collapse", follow=True)

    assert response.redirect_chain[-1][0] == "/progress/"
    assert "Practice run on collapse done: 0 of 1 right." in response.content.decode()
