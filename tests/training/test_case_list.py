"""The library as trainees see it: the case list, the case page, and the images behind them."""

import re

import pytest

from cases.models import Case, Series
from sinsquiz.training.models import Attempt
from tests.factories import CaseFactory, EducatorFactory, commit, published_case

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [card.case.title for card in response.context["page"].object_list]


def test_the_list_shows_published_cases_only(trainee_client):
    published_case(title="Published")
    CaseFactory(title="Draft", status=Case.Status.DRAFT)

    response = trainee_client.get("/cases/")

    assert titles(response) == ["Published"]
    assert "Draft" not in response.content.decode()


def test_educators_see_drafts_marked_as_such(client):
    client.force_login(EducatorFactory())
    CaseFactory(title="Draft", status=Case.Status.DRAFT)

    html = client.get("/cases/").content.decode()

    assert "Draft" in html and '<span class="tag draft">Draft</span>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=kidney", ["Renal"]),
        ("q=BREAST", ["Thoracic breast"]),
        ("region=lumbar", ["Renal"]),
        ("region=thoracic", ["Thoracic breast"]),
        ("modality=ct", ["Renal"]),
        ("difficulty=3", ["Renal"]),
        ("difficulty=9", ["Renal", "Thoracic breast"]),  # an invalid filter is ignored, not an error
        ("region=nowhere&page=99", ["Renal", "Thoracic breast"]),
        ("region=lumbar&difficulty=zzz", ["Renal"]),  # only the bad filter is ignored, not the others
        ("q=kidney&progress=nonsense", ["Renal"]),
    ],
)
def test_the_list_filters_and_searches(trainee_client, query, expected):
    published_case(title="Thoracic breast", index_level="T7")
    renal = published_case(title="Renal", index_level="L3", region="lumbar", primary_tumour="Kidney carcinoma",
                           difficulty=3)  # fmt: skip
    Series.objects.filter(case=renal).update(modality="ct")

    response = trainee_client.get(f"/cases/?{query}")

    assert response.status_code == 200
    assert titles(response) == expected


def test_an_htmx_request_returns_only_the_results(trainee_client):
    published_case(title="Only")

    response = trainee_client.get("/cases/?q=only", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"') and "<html" not in html
    assert "Only" in html


def test_typing_replaces_the_address_while_a_filter_adds_a_history_entry_and_a_screen_reader_hears_the_count(
    trainee_client,
):
    published_case(title="Lung one", primary_tumour="Lung")
    typing = {"HX-Request": "true", "HX-Current-URL": "http://testserver/cases/?region=thoracic&q=lun"}

    typed = trainee_client.get("/cases/?region=thoracic&q=lung", headers=typing)
    filtered = trainee_client.get("/cases/?region=lumbar&q=lun", headers=typing)

    assert typed["HX-Replace-Url"] == "/cases/?region=thoracic&q=lung"  # one entry for the search, not one per pause
    assert not filtered.has_header("HX-Replace-Url")  # the form pushes a new entry, as it says
    said = 'id="results-said" class="visually-hidden" aria-live="polite" hx-swap-oob="innerHTML">'
    assert f"{said}1 case matches.</p>" in typed.content.decode()
    assert f"{said}0 cases match.</p>" in filtered.content.decode()
    # Back draws the whole page: the line is in place for the next change, not sent out of band to nowhere.
    restore = trainee_client.get("/cases/?q=lung", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert '<p id="results-said" class="visually-hidden" aria-live="polite"></p>' in restore.content.decode()


def test_going_back_draws_the_whole_page_with_the_filters_of_its_address(trainee_client):
    published_case(title="Only")
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    response = trainee_client.get("/cases/?q=only&progress=todo", headers=restore)

    html = response.content.decode()
    assert "<html" in html and "Only" in html
    assert 'value="only"' in html and '<option value="todo" selected>' in html


def test_the_list_is_paginated(trainee_client):
    for n in range(14):
        CaseFactory(title=f"Case {n:02}")

    first, second = trainee_client.get("/cases/"), trainee_client.get("/cases/?page=2")
    filtered = trainee_client.get("/cases/?q=case&page=2&region=").content.decode()

    assert len(titles(first)) == 12 and len(titles(second)) == 2
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode() and 'href="?page=1"' in second.content.decode()
    assert 'href="?q=case&amp;page=1&amp;region="' in filtered  # the filters travel with the page


def test_the_search_box_is_a_search_field_that_htmx_listens_to_as_the_trainee_types(trainee_client):
    html = trainee_client.get("/cases/").content.decode()

    assert re.search(r'<input type="search" name="q"[^>]*id="id_q"', html)
    assert "input changed delay:300ms from:#id_q" in html
    assert '<form class="filters" method="get" action="/cases/"' in html  # and a plain GET form without JavaScript


def test_a_case_with_a_draft_in_progress_wears_a_badge(trainee_client):
    started, opened = published_case(title="Started"), published_case(title="Only opened")
    draft = trainee_client.get(started.get_absolute_url()).context["attempt_id"]
    trainee_client.post(f"/attempts/{draft}/save/", {"pain": "mechanical"}, headers=HX)
    trainee_client.get(opened.get_absolute_url())  # a draft without an answer is not work in progress

    cards = card_texts(trainee_client.get("/cases/"))

    assert "In progress" in cards["Started"] and "In progress" not in cards["Only opened"]


def test_a_done_case_shows_the_trainees_latest_result(trainee_client):
    case = published_case(title="Done twice")
    commit(trainee_client, case, pain="none", bone_lesion="blastic", collapse="none")  # first an under-triage
    commit(trainee_client, case, collapse="gt50")  # then one component wrong

    cards = card_texts(trainee_client.get("/cases/"))

    assert "✓ Done" in cards["Done twice"]
    assert "Last time: 5 of 6 components right, category right" in cards["Done twice"]
    assert "under-triage" not in cards["Done twice"]


def test_a_done_case_flags_under_triage_and_a_wrong_category(trainee_client):
    commit(trainee_client, published_case(title="Missed"), pain="none", bone_lesion="blastic", collapse="none")

    assert "category wrong, under-triage" in card_texts(trainee_client.get("/cases/"))["Missed"]


@pytest.mark.parametrize(
    ("progress", "expected"),
    [("todo", ["Fresh", "Started"]), ("started", ["Started"]), ("done", ["Done"]), ("", ["Done", "Fresh", "Started"])],
)
def test_the_list_filters_by_the_trainees_own_progress(trainee_client, progress, expected):
    commit(trainee_client, published_case(title="Done"))
    published_case(title="Fresh")
    started = published_case(title="Started")
    draft = trainee_client.get(started.get_absolute_url()).context["attempt_id"]
    trainee_client.post(f"/attempts/{draft}/save/", {"pain": "mechanical"}, headers=HX)

    response = trainee_client.get(f"/cases/?progress={progress}")

    assert titles(response) == expected
    assert Attempt.objects.submitted().count() == 1


def test_another_trainees_progress_is_not_shown(client, trainee):
    case = published_case(title="Theirs")
    client.force_login(EducatorFactory())
    commit(client, case)
    client.force_login(trainee)

    assert card_texts(client.get("/cases/"))["Theirs"].count("Done") == 0
    assert titles(client.get("/cases/?progress=todo")) == ["Theirs"]


HX = {"HX-Request": "true"}


def card_texts(response) -> dict[str, str]:
    """Each case card's text, by title."""
    cards = re.findall(r'<li class="case-card">(.*?)</li>', response.content.decode(), re.S)
    texts = [re.sub(r"\s+([,.])", r"\1", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))).strip() for card in cards]
    return {
        re.search(r'class="case-title">([^<]+)', card).group(1): text for card, text in zip(cards, texts, strict=True)
    }
