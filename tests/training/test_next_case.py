"""What to do next: the home page, the case list's progress marks and the practice flow."""

import pytest

from cases.models import Case
from sinsquiz.training.models import Attempt
from tests.factories import TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db


def test_next_case_takes_an_untried_case_then_the_oldest_mistake(client, trainee):
    easy = published_case(title="A easy", difficulty=1)
    hard = published_case(title="B hard", difficulty=3)

    assert client.get("/practice/next/").url == f"/cases/{easy.slug}/"
    commit(client, easy, pain="none")  # a mistake
    assert client.get("/practice/next/").url == f"/cases/{hard.slug}/"
    commit(client, hard)  # all right
    assert client.get("/practice/next/").url == f"/cases/{easy.slug}/"
    commit(client, easy)  # now right too

    response = client.get("/practice/next/", follow=True)
    assert "You have answered every case" in response.content.decode()


def test_the_list_marks_the_cases_a_trainee_has_done_and_shows_no_result_of_others(client, trainee):
    done = published_case(title="Done one")
    published_case(title="Fresh one")
    commit(client, done)

    html = client.get("/cases/").content.decode()

    cards = html.split('<li class="case-card">')[1:]
    assert "✓ Done" in next(card for card in cards if "Done one" in card)
    assert "✓ Done" not in next(card for card in cards if "Fresh one" in card)


def test_another_trainees_attempts_do_not_count_as_mine(client, trainee):
    case = published_case()
    other = TraineeFactory()
    client.force_login(other)
    commit(client, case)
    client.force_login(trainee)

    assert "✓ Done" not in client.get("/cases/").content.decode()
    assert client.get("/practice/next/").url == f"/cases/{case.slug}/"


def test_home_says_how_many_are_left_and_offers_the_started_drafts(client, trainee):
    first, second, _ = published_case(title="First"), published_case(title="Second"), published_case()
    commit(client, first)
    draft_id = client.get(f"/cases/{second.slug}/").context["attempt_id"]
    client.post(f"/attempts/{draft_id}/save/", {"pain": "none"}, headers={"HX-Request": "true"})

    html = client.get("/").content.decode()

    assert "2 of 3 cases still to try." in html
    assert f'href="/cases/{second.slug}/#scoring">Second</a>' in html
    assert f'href="/attempts/{Attempt.objects.submitted().get().pk}/">First</a>' in html


def test_a_case_only_looked_at_is_not_offered_as_a_draft(client, trainee):
    case = published_case(title="Glanced at")
    client.get(f"/cases/{case.slug}/")

    assert "Continue where you left off" not in client.get("/").content.decode()


def test_a_practice_run_brings_cases_either_side_of_the_mistake_so_which_case_comes_tells_nothing(client, trainee):
    """Over-calling collapse (> 50 % for < 50 %): the run mixes both answers, and none with no collapse."""
    missed = published_case(title="A missed", difficulty=1)  # reference: collapse < 50 %
    commit(client, missed, collapse="gt50")
    by_reference = {"lt50": [], "gt50": [], "none": []}
    for n, collapse in enumerate(["lt50", "none", "gt50", "none", "lt50", "gt50"]):
        case = published_case(title=f"B{n}", difficulty=2)
        case.readings.update(collapse=collapse)
        by_reference[collapse].append(f"/cases/{case.slug}/")

    served = []
    for _ in range(4):
        served.append(client.get("/practice/next/?focus=collapse").url)
        commit(client, next(c for c in Case.objects.all() if c.get_absolute_url() == served[-1]))

    assert sorted(served) == sorted(by_reference["lt50"] + by_reference["gt50"])
