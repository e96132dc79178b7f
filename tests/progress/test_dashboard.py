"""The trainee dashboard and the educator's cohort page, on attempts whose figures are worked out here."""

import re

import pytest

from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt
from tests.factories import EducatorFactory, TraineeFactory, bulk_attempts, commit, published_case
from tests.tables import row_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee(client):
    user = TraineeFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    return user


@pytest.fixture
def history(client, trainee):
    """Four attempts at three cases (references: total 9, potentially unstable):
    A right; B with collapse over-called (10); C under-triaged (2); then A again with pain missed."""
    a, b, c = published_case(title="A"), published_case(title="B"), published_case(title="C")
    commit(client, a)
    commit(client, b, collapse="gt50")
    commit(client, c, pain="none", bone_lesion="blastic", collapse="none")
    commit(client, a, pain="occasional")
    return a, b, c


def test_the_dashboard_shows_the_worked_out_figures(client, history):
    html = client.get("/progress/").content.decode()

    assert '3<span class="stat-of"> / 3</span>' in html  # cases done
    assert "79\u00a0%" in html  # (6 + 5 + 3 + 5) of 24 components, over every attempt
    assert '67\u00a0%</p><p class="stat-label">category right' in html  # 2 of 3 first attempts
    assert '<p class="stat-value">1</p><p class="stat-label">under-triage' in html
    assert "Your weakest component is <strong>vertebral body collapse</strong>: 33\u00a0% right" in html
    assert "Collapse under-called: -0.3 points a case on average." in html  # (+1 - 2 + 0) / 3
    assert 'href="/practice/next/?focus=collapse"' in html
    assert "0.79" in html and "0.24" in html  # Fourney 2011 beside the trainee's own
    assert "sensitivity of your consultation call (3 cases calling for one)" in html  # first attempts, all 9s
    assert "Fourney 2011's raters against the experts: sensitivity 95.7\u00a0%, specificity 79.5\u00a0%" in html


def test_cases_done_count_the_library_as_it_is_now_a_case_unpublished_since_is_neither_done_nor_left(client, history):
    published_case(title="D")
    history[1].status = "draft"
    history[1].save()

    html = client.get("/progress/").content.decode()

    assert '2<span class="stat-of"> / 3</span></p><p class="stat-label">cases done · 1 left' in html


def test_kappa_waits_for_enough_cases_and_says_how_many(client, history):
    html = client.get("/progress/").content.decode()

    assert "shown once your first answers cover 10 cases (7 more to go)" in html


def test_your_unweighted_kappa_sits_beside_the_published_ones_with_each_statistic_named(client, pain_table):
    response = client.get("/progress/")
    html = response.content.decode()

    pain = next(c for c in response.context["summary"].components if c.component.name == "pain")
    assert (pain.kappa, pain.weighted_kappa) == (pytest.approx(0.5), pytest.approx(0.6))
    assert (
        '<th scope="col">Your κ (unweighted)</th><th scope="col">Fourney 2011 inter-rater κ</th>'
        '<th scope="col">Campos 2014 Fleiss&#x27; κ</th><th scope="col">Your weighted κ (linear)</th>'
    ) in html
    # Pain: yours 0.50, Fourney 0.841, Campos 0.58, then your weighted 0.60; location: all right, Fourney 0.790.
    assert row_cells(html, "Pain")[1:5] == ["0.50 moderate", "0.84", "0.58", "0.60"]
    assert row_cells(html, "Location")[1:3] == ["1.00 almost perfect", "0.79"]
    assert "Fourney 2011, inter-rater κ among members of the Spine Oncology Study Group" in html
    assert "Campos 2014, Fleiss&#x27; κ among surgeons and oncology specialists (Campos et al., Spine J 2014)" in html


def test_your_consultation_kappa_is_compared_with_the_published_agreement_with_experts(client, pain_table):
    html = client.get("/progress/").content.decode()

    # Totals 9 and 7 ask for a surgical opinion, 6 does not: 5 agree on asking, 3 on not asking, 2 ask for nothing.
    # Observed 0.8; by chance 0.5 x 0.7 + 0.5 x 0.3 = 0.5; kappa (0.8 - 0.5) / 0.5 = 0.60.
    assert '<th scope="col">κ vs experts</th><th scope="col">κ between raters</th>' in html
    assert row_cells(html, "You, first attempts") == ["0.60 moderate", "—"]
    assert row_cells(html, "Fisher et al., AJR 2014: 37 radiologists, 30 cases") == ["0.88", "0.76"]
    assert row_cells(html, "Fisher et al., Radiat Oncol 2014: 33 radiation oncologists, 30 cases") == ["0.85", "0.76"]


def test_the_learning_curve_and_the_confusion_tables_have_their_data(client, history):
    response = client.get("/progress/")
    html = response.content.decode()

    points = response.context["curve"]
    assert [(p.first, p.last) for p in points] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert [round(p.share_right, 3) for p in points] == [1.0, round(5 / 6, 3), 0.5, round(5 / 6, 3)]
    assert '<title id="curve-title">' in html and '<polyline class="line-components"' in html
    collapse = next(c for c in response.context["summary"].components if c.component.name == "collapse")
    assert collapse.table[1] == [1, 1, 0, 1]  # reference < 50 %: answered > 50 %, < 50 %, none


def test_focused_practice_brings_cases_that_exercise_the_weak_component(client, trainee, history):
    fresh = published_case(title="D")

    response = client.get("/practice/next/?focus=collapse")

    assert response.url == f"/cases/{fresh.slug}/"
    assert client.session["practice"]["focus"] == "collapse"
    commit(client, fresh)
    attempt = Attempt.objects.filter(case=fresh).get()
    assert 'href="/practice/next/?focus=collapse"' in client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert client.get("/practice/next/?focus=collapse").url in {f"/cases/{c.slug}/" for c in history[1:]}


def test_an_empty_dashboard_invites_a_first_case(client, trainee):
    published_case()

    html = client.get("/progress/").content.decode()

    assert "No committed reading yet." in html and "Start with a case" in html


def test_the_learning_curve_labels_its_x_axis_and_says_how_many_attempts_make_a_point(client, trainee):
    bulk_attempts(trainee, [published_case(series=1, slices=1) for _ in range(4)], 20)

    html = client.get("/progress/").content.decode()

    # 20 attempts in at most 8 points: 3 a point, and the last point has the 2 left over.
    x_labels = re.findall(r'<text class="tick x-tick[^"]*"[^>]*>([^<]+)</text>', html)
    assert x_labels == ["1–3", "4–6", "7–9", "10–12", "13–15", "16–18", "19–20"]
    assert "Attempts, in the order committed; each point: 3 attempts (the last: 2)" in html


def test_an_agreed_consultation_call_says_what_both_readings_call_for(client, trainee):
    stable = published_case(title="Stable one", series=1, slices=1)
    stable.readings.update(pain="none")  # total 6: no surgical consultation on grounds of stability
    commit(client, stable, pain="none")
    commit(client, published_case(title="Unstable one", series=1, slices=1))  # total 9, both

    html = client.get("/progress/").content.decode()

    assert "Agrees: no surgical consultation needed" in html
    assert "Agrees: surgical consultation</td>" in html
    assert "Agrees on surgical consultation" not in html


def _text(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_an_educator_reads_a_trainees_progress_in_the_third_person(client, trainee, history):
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.trainees.add(trainee)
    cohort.educators.add(educator)
    client.force_login(educator)

    text = _text(client.get(f"/progress/{trainee.pk}/").content.decode())

    assert re.findall(r"\byou(?:rs?)?\b", text, re.I) == []
    assert "Progress of Ada Lovelace" in text
    assert "sensitivity of their consultation call" in text
    assert "Their weakest component is vertebral body collapse" in text
    assert "Ada Lovelace, first attempts" in text


def test_a_trainee_reads_their_own_progress_in_the_second_person(client, trainee, history):
    text = _text(client.get("/progress/").content.decode())

    assert "sensitivity of your consultation call" in text
    assert "Your weakest component is vertebral body collapse" in text
    assert "You, first attempts" in text


def test_an_educator_is_not_asked_to_answer_the_cases_a_trainee_has_not(client, trainee):
    commit(client, published_case(title="A"))
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.trainees.add(trainee)
    cohort.educators.add(educator)

    own = _text(client.get("/progress/").content.decode())
    client.force_login(educator)
    theirs = _text(client.get(f"/progress/{trainee.pk}/").content.decode())

    assert "No weak component yet: answer a few more cases." in own
    assert "No weak component yet: too few cases answered." in theirs
