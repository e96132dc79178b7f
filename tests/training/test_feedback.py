"""The feedback on a committed reading, and what never shows before the commit."""

import re

import pytest
from django.utils import timezone

from cases.models import Case, ReferenceReading
from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, EducatorFactory, ReferenceReadingFactory, TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def test_the_feedback_gives_verdicts_explanations_and_key_images(client, trainee):
    case = published_case(series=2, slices=3, teaching_points="Collapse is judged on CT.")
    key = case.series.last().slices.all()[1]
    ReferenceReading.objects.filter(case=case).update(
        collapse_rationale="The body keeps more than half its height.", collapse_key_slice=key
    )
    attempt = commit(client, case, collapse="gt50", level="T8", location="semirigid")

    response = client.get(f"/attempts/{attempt.pk}/")

    html = response.content.decode()
    assert "5 of 6 SINS components right; category right; index level wrong" in html  # level: not SINS
    assert "The body keeps more than half its height." in html
    assert "The vertebral body has lost height, but less than half of it." in html  # the reference's definition
    assert "The vertebral body has lost more than half of its height." in html  # what the trainee chose means
    assert f'href="#series-{key.series_id}:2"' in html and key.thumbnail.url in html
    assert "T7 lies in T3–T10: semirigid, 1 point." in html
    assert "Collapse is judged on CT." in html
    assert "index level" in html and "your level" in html  # the spine diagram marks both levels
    assert re.search(
        r'<li class="item-result wrong">\s*<details open>\s*<summary>\s*<span class="result-label">Index', html
    )


def test_an_item_the_case_does_not_ask_says_so_rather_than_showing_a_blank_answer(client, trainee):
    case = published_case(series=1, slices=1, asks_escc=False)
    attempt = commit(client, case)

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    escc = re.search(r'<li class="item-result not_asked">.*?</summary>', html, re.S).group()
    assert "ESCC grade" in escc and "Not asked on this case" in escc
    assert "You:" not in escc


def test_an_item_the_case_does_not_ask_shows_no_key_image_even_if_the_reference_names_one(client, trainee):
    case = published_case(series=1, slices=3, asks_escc=False)
    key = case.series.get().slices.all()[1]
    ReferenceReading.objects.filter(case=case).update(escc_key_slice=key, collapse_key_slice=key)
    attempt = commit(client, case)

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    escc = re.search(r'<li class="item-result not_asked">.*?</li>', html, re.S).group()
    collapse = re.search(r'result-label">[^<]*collapse</span>.*?</li>', html, re.S | re.I).group()
    assert key.thumbnail.url not in escc
    assert key.thumbnail.url in collapse


def test_try_again_and_next_case_are_offered_at_the_top_of_the_feedback_and_at_its_end(client, trainee):
    case = published_case()
    attempt = commit(client, case)

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    summary, end = html.index('id="summary-title"'), html.index("</main>")
    for link in (f'href="/cases/{case.slug}/">Try this case again</a>', 'href="/practice/next/">Next case →</a>'):
        assert html.index(link) < summary, link
        assert (
            html.count(link) == 2 and html.rindex(link) > html.index('id="teaching-title"') and html.rindex(link) < end
        )


def test_the_feedback_says_where_the_index_level_lies_once_on_the_location_item(client, trainee):
    case = published_case()
    # The demo library's rationale for the location restates the mapping; it is not said twice.
    ReferenceReading.objects.filter(case=case).update(location_rationale="T7 lies in T3–T10: semirigid, 1 point.")
    attempt = commit(client, case, level="T8", location="junctional")

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert html.count("lies in") == 1
    location = re.search(r'<span class="result-label">Location</span>.*?</li>', html, re.S).group(0)
    assert '<p class="location-explained">T7 lies in T3–T10: semirigid, 1 point.</p>' in location
    assert "<strong>T8</strong> (your answer): one level below T7, the index level." in html
    assert "You named T8 but chose junctional: T8 is semirigid." in html


def test_the_spine_diagram_tells_a_screen_reader_the_index_level_then_the_level_named(client, trainee):
    attempt = commit(client, published_case(), level="T6", location="semirigid")  # above the index level

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert '<desc id="spine-svg-desc">The index level is T7, semirigid. You named T6.</desc>' in html


def test_the_feedback_emphasises_under_triage(client, trainee):
    attempt = commit(client, published_case(), pain="none", bone_lesion="blastic", collapse="none")

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert 'class="consultation under_triage" role="alert"' in html
    assert "This is the dangerous error." in html


def test_the_feedback_tells_a_contradiction_from_a_pair_worth_a_second_look(client, trainee):
    attempt = commit(client, published_case(), tomita=1, location="junctional")  # T7 is semirigid

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert '"note-inconsistent"><strong>Your answers disagree with each other:</strong> You named T7' in html
    assert '"note-second_look"><strong>Worth a second look:</strong> Tomita type 1 keeps' in html


def test_an_answer_another_expert_gave_is_shown_as_expert_disagreement_that_still_counts_as_a_miss(client, trainee):
    case = published_case()
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B. Second", bone_lesion="mixed")
    attempt = commit(client, case, bone_lesion="mixed")

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "Another expert (Dr B. Second) gave your answer" in html
    assert "grading follows it, so this answer is not counted as right" in html
    assert "5 of 6 SINS components right" in html


def test_the_feedback_is_never_stored_by_browsers_or_proxies(client, trainee):
    attempt = commit(client, published_case())

    response = client.get(f"/attempts/{attempt.pk}/")

    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()


def test_a_draft_has_no_feedback_yet(client, trainee):
    case = published_case()
    draft_id = client.get(f"/cases/{case.slug}/").context["attempt_id"]

    response = client.get(f"/attempts/{draft_id}/")

    assert response.status_code == 302 and response.url == f"/cases/{case.slug}/"


def test_only_the_trainee_their_educators_and_superusers_see_an_attempt(client, django_user_model):
    owner = TraineeFactory()
    client.force_login(owner)
    attempt = commit(client, published_case())
    educator, outsider = EducatorFactory(), EducatorFactory()
    Cohort.objects.create(name="A").educators.add(educator)
    Cohort.objects.get(name="A").trainees.add(owner)

    expected = [
        (TraineeFactory(), 404),
        (outsider, 404),
        (educator, 200),
        (django_user_model.objects.create_superuser("root", password="a-long-password"), 200),
    ]
    for user, status in expected:
        client.force_login(user)
        assert client.get(f"/attempts/{attempt.pk}/").status_code == status, user
    client.logout()
    assert client.get(f"/attempts/{attempt.pk}/").status_code == 302


SENTINEL = "SENTINEL-7f3a"


def models_in_context(response) -> list:
    """Cases, readings and attempts handed to templates (each would bring the reference along)."""
    found = []
    for context in response.context or []:
        for layer in context.dicts:
            for value in layer.values():
                for item in value if isinstance(value, list | tuple) else [value]:
                    if isinstance(item, Case | ReferenceReading | Attempt):
                        found.append(item)
    return found


def test_no_reference_reaches_the_trainee_before_the_commit_in_any_response(client, trainee):
    case = published_case(teaching_points=f"{SENTINEL} points", discussion=f"{SENTINEL} discussion")
    rationales = {f"{item}_rationale": f"{SENTINEL} {item}" for item in ANSWER}
    ReferenceReading.objects.filter(case=case).update(reader_name=f"{SENTINEL} reader", escc="2", **rationales)
    ReferenceReadingFactory(case=case, is_primary=False, reader_name=f"{SENTINEL} second")

    page = client.get(f"/cases/{case.slug}/")
    attempt = Attempt.objects.get(pk=page.context["attempt_id"])
    responses = [
        page,
        client.get("/"),
        client.get("/cases/"),
        client.get("/cases/", headers=HX),
        client.get(f"/cases/?q={case.title}", headers=HX),
        client.post(f"/attempts/{attempt.pk}/save/", ANSWER, headers=HX),
        client.post(f"/attempts/{attempt.pk}/save/", {"pain": "none"}),
        client.post(f"/attempts/{attempt.pk}/commit/", {"pain": "none"}, headers=HX),
        client.post(f"/attempts/{attempt.pk}/commit/", {"pain": "none"}),
        client.get(f"/attempts/{attempt.pk}/", follow=True),
    ]
    for response in responses:
        body = response.content.decode()
        assert SENTINEL not in body, response.request["PATH_INFO"]
    for response in responses:
        assert models_in_context(response) == [], response.request["PATH_INFO"]
    assert not hasattr(page.context["case"], "index_level")

    client.post(f"/attempts/{attempt.pk}/commit/", ANSWER)
    assert SENTINEL in client.get(f"/attempts/{attempt.pk}/").content.decode()


def test_the_trainee_reads_your_reading_and_their_educator_reads_whose_it_is_and_goes_on_to_their_progress(
    client, trainee
):
    trainee.first_name, trainee.last_name = "Ada", "Byron"
    trainee.save()
    attempt = commit(client, published_case())
    assert "Your reading, committed" in client.get(f"/attempts/{attempt.pk}/").content.decode()

    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="A")
    cohort.educators.add(educator)
    cohort.trainees.add(trainee)
    client.force_login(educator)
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "Ada Byron’s reading, committed" in html
    assert f'href="/progress/{trainee.pk}/">Ada Byron’s progress</a>' in html
    assert "Try this case again" not in html and "Next case" not in html

    trainee.first_name = "Augusta"
    trainee.save()
    assert "Augusta Byron’s reading, committed" in client.get(f"/attempts/{attempt.pk}/").content.decode()


def test_an_educator_reads_a_trainees_answers_under_the_trainees_name_and_is_told_whom_you_means(client, trainee):
    trainee.first_name, trainee.last_name = "Ada", "Byron"
    trainee.save()
    attempt = commit(client, published_case(), collapse="gt50")
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="A")
    cohort.educators.add(educator)
    cohort.trainees.add(trainee)
    client.force_login(educator)

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "The feedback speaks to the trainee: “you” is Ada Byron." in html
    assert '<span class="muted small">Ada Byron:</span>' in html
    assert "(Ada Byron’s answer):" in html
    assert "You:" not in html and "(your answer)" not in html


def test_the_feedback_lists_the_trainees_own_attempts_at_its_case_newest_first(client, trainee):
    case, other = published_case(), published_case()
    first = commit(client, case)
    commit(client, other)
    client.get(f"/cases/{case.slug}/")  # a new draft at the case is not an attempt yet
    client.force_login(TraineeFactory())
    commit(client, case)  # nor someone else's
    client.force_login(trainee)
    second = commit(client, case)

    response = client.get(f"/attempts/{first.pk}/")

    html = response.content.decode()
    assert [a.pk for a in response.context["earlier"]] == [second.pk, first.pk]
    assert f'href="/attempts/{second.pk}/"' in html
    assert '<ol class="earlier" reversed>' in html  # numbered from the first, which comes last
    assert html.count("first try: the one agreement figures count") == 1
    assert re.search(r"\(this one\)[^<]*<span class=\"muted\">first try", html)


def test_the_feedback_on_a_case_unpublished_since_shows_none_of_its_draft(client, trainee):
    case = published_case(series=1, slices=2)
    attempt = commit(client, case)
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.DRAFT, title="Reworked title", presentation="A new history, still a draft."
    )

    response = client.get(f"/attempts/{attempt.pk}/")

    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store, private"
    assert "This case has been withdrawn" in html
    assert f"Your reading of {timezone.localtime(attempt.submitted):%-d %B %Y} is kept" in html
    assert "Reworked title" not in html and "still a draft" not in html and "/media/" not in html
    for listing in ("/", "/progress/"):  # the trainee's lists name it only as withdrawn
        page = client.get(listing).text
        assert "Reworked title" not in page and "A withdrawn case" in page


def test_an_educator_still_reads_a_trainees_feedback_on_a_case_unpublished_since(client, trainee):
    attempt = commit(client, published_case(series=1, slices=2))
    Case.objects.filter(pk=attempt.case_id).update(status=Case.Status.DRAFT)
    educator = EducatorFactory()
    Cohort.objects.create(name="Residents").trainees.add(trainee)
    Cohort.objects.get().educators.add(educator)
    client.force_login(educator)

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "components right" in html and "withdrawn" not in html
