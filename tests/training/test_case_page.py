"""Scoring a case through the case page: the panel, autosave and commit, as a browser posts them."""

import re

import pytest

from cases.models import Case, ReferenceReading
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, published_case

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def case():
    return published_case()


def open_case(client, case) -> Attempt:
    response = client.get(f"/cases/{case.slug}/")
    assert response.status_code == 200
    return Attempt.objects.get(pk=response.context["attempt_id"])


def test_opening_a_case_shows_an_empty_panel_with_every_item(client, trainee, case):
    html = client.get(f"/cases/{case.slug}/").content.decode()

    for name in ["level", "location", "pain", "bone_lesion", "alignment", "collapse", "posterolateral",
                 "absent_pedicle", "tomita"]:  # fmt: skip
        assert f'name="{name}"' in html
    assert 'name="escc"' not in html  # this case does not ask for it
    assert "Pain that eases when the patient lies down" in html  # definitions from sins.py
    assert not re.search(r'type="radio"[^>]* checked', html)
    assert re.search(r'<select name="level"[^>]*>\s*<option value="" selected>Choose a level…</option>', html)
    assert Attempt.objects.drafts().filter(trainee=trainee, case=case).count() == 1


def test_scoring_the_most_affected_level_is_presented_as_this_quizs_convention_not_a_sins_rule(client, trainee, case):
    html = client.get(f"/cases/{case.slug}/").content.decode()

    assert "Score the most affected one: this quiz&#x27;s convention, not a SINS rule." in html


def test_the_escc_grade_is_asked_when_the_case_asks_for_it(client, trainee):
    case = published_case(asks_escc=True)

    html = client.get(f"/cases/{case.slug}/").content.decode()

    assert 'name="escc"' in html and "Grade 1c: Cord abutted" in html


def test_autosave_keeps_each_change_and_answers_with_the_running_total(client, trainee, case):
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/save/", {"level": "T7", "location": "semirigid",
                                                              "alignment": "subluxation"}, headers=HX)  # fmt: skip

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="panel-status"')
    assert '<span class="total-num pending">5–16</span>' in html
    assert "3 of 9 answered · <span data-save-state>saved</span>" in html
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.level, stored.alignment, stored.pain) == ("T7", "subluxation", "")


def test_a_complete_draft_shows_its_total_and_category(client, trainee, case):
    attempt = open_case(client, case)

    html = client.post(f"/attempts/{attempt.pk}/save/", ANSWER, headers=HX).content.decode()

    assert '<span class="total-num">9</span>' in html
    assert "Potentially unstable" in html


def test_the_draft_survives_logging_out_and_in_again(client, trainee, case):
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/save/", {"pain": "occasional", "tomita": "3"}, headers=HX)

    client.post("/logout/")
    client.force_login(trainee)
    html = client.get(f"/cases/{case.slug}/").content.decode()

    assert re.search(r'value="occasional"[^>]* checked', html)
    assert re.search(r'name="tomita" value="3"[^>]* checked', html)


def test_each_trainee_sees_their_own_answers_whatever_page_was_drawn_before(client, trainee, case):
    others = TraineeFactory()
    client.force_login(others)
    client.post(f"/attempts/{open_case(client, case).pk}/save/", {"pain": "none"}, headers=HX)
    client.get(f"/cases/{case.slug}/")
    client.force_login(trainee)
    client.post(f"/attempts/{open_case(client, case).pk}/save/", {"pain": "occasional"}, headers=HX)

    mine = client.get(f"/cases/{case.slug}/").content.decode()
    client.force_login(others)
    theirs = client.get(f"/cases/{case.slug}/").content.decode()

    assert re.search(r'name="pain" value="occasional"[^>]* checked', mine) and not re.search(
        r'name="pain" value="none"[^>]* checked', mine
    )
    assert re.search(r'name="pain" value="none"[^>]* checked', theirs) and not re.search(
        r'name="pain" value="occasional"[^>]* checked', theirs
    )


def test_without_javascript_saving_a_draft_returns_to_the_case(client, trainee, case):
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/save/", {"pain": "none"})

    assert response.status_code == 302 and response.url == f"/cases/{case.slug}/#scoring"
    assert Attempt.objects.get(pk=attempt.pk).pain == "none"


def test_an_invalid_code_in_an_autosave_is_refused_with_a_message_and_the_rest_is_kept(client, trainee, case):
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/save/", {"pain": "severe", "collapse": "gt50"}, headers=HX)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="field-error" role="alert">That is not an option for pain. Nothing was saved for it.</p>' in html
    assert "1 of 9 answered · <span data-save-state>the rest is saved</span>" in html
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.pain, stored.collapse) == ("", "gt50")


def test_a_tampered_autosave_never_erases_a_saved_answer_and_says_so(client, trainee, case):
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/save/", {"level": "T7", "pain": "mechanical"}, headers=HX)

    response = client.post(f"/attempts/{attempt.pk}/save/", {"level": "T13", "pain": "unbearable"}, headers=HX)

    html = response.content.decode()
    assert "&#x27;T13&#x27; is not a vertebral level; valid levels are" in html
    assert "That is not an option for pain. Your saved answer is kept." in html
    assert "2 of 9 answered" in html  # the answers kept are still counted
    assert "T7 lies in T3–T10: semirigid, 1 point." in html
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.level, stored.pain) == ("T7", "mechanical")


def test_without_javascript_a_tampered_save_shows_the_message_on_the_case_page(client, trainee, case):
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/save/", {"level": "T7"}, headers=HX)

    response = client.post(f"/attempts/{attempt.pk}/save/", {"level": "T13", "pain": "none"}, follow=True)

    html = response.content.decode()
    assert "is not a vertebral level" in html and "Your saved answer is kept." in html
    assert "The rest of your draft is saved." in html
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.level, stored.pain) == ("T7", "none")


def test_an_autosaved_level_says_where_it_lies_beside_the_location_and_leaves_the_location_to_the_trainee(
    client, trainee, case
):
    attempt = open_case(client, case)
    assert (
        '<span id="location-mapping" class="hint">Follows from the index level.</span>'
        in client.get(f"/cases/{case.slug}/").content.decode()
    )

    response = client.post(f"/attempts/{attempt.pk}/save/", {"level": "L5"}, headers=HX)

    assert (
        '<span id="location-mapping" class="hint mapping" hx-swap-oob="true">'
        "L5 lies in L5–S1: junctional, 3 points.</span>"
    ) in response.content.decode()
    said = '<p id="panel-said" class="visually-hidden" aria-live="polite" hx-swap-oob="innerHTML">'
    assert f"{said}Saved: 1 of 9 answered.</p>" in response.content.decode()  # the line a screen reader hears
    html = client.get(f"/cases/{case.slug}/").content.decode()
    assert "L5 lies in L5–S1: junctional, 3 points." in html
    assert not re.search(r'name="location"[^>]* checked', html)
    assert Attempt.objects.get(pk=attempt.pk).location == ""


def test_committing_an_incomplete_reading_lists_what_is_missing_in_the_panel(client, trainee, case):
    attempt = open_case(client, case)
    partial = {key: value for key, value in ANSWER.items() if key not in {"pain", "tomita"}}

    response = client.post(f"/attempts/{attempt.pk}/commit/", partial, headers=HX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card scoring" id="scoring"')
    assert "Still to answer before you commit: pain, Tomita type." in html
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.DRAFT
    assert Attempt.objects.get(pk=attempt.pk).collapse == "lt50"  # what was given is kept


def test_an_incomplete_commit_marks_every_missing_item_and_brings_focus_to_the_first(client, trainee, case):
    attempt = open_case(client, case)
    partial = {key: value for key, value in ANSWER.items() if key not in {"alignment", "tomita"}}

    html = client.post(f"/attempts/{attempt.pk}/commit/", partial, headers=HX).content.decode()

    assert re.findall(r'class="component item missing" data-item="(\w+)"', html) == ["alignment", "tomita"]
    assert html.count('<p class="field-error" id="id_alignment_error">Still to answer.</p>') == 1
    assert re.findall(r'name="(\w+)"[^>]* autofocus', html) == ["alignment"] * 3  # the browser focuses the first
    assert '<div class="form-error" role="alert"><p>Still to answer before you commit:' in html


def test_an_incomplete_commit_keeps_an_answer_the_trainee_cleared(client, trainee, case):
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/save/", {"level": "T7", "pain": "none"}, headers=HX)

    client.post(f"/attempts/{attempt.pk}/commit/", {"level": "", "pain": "occasional"}, headers=HX)

    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.level, stored.pain, stored.state) == ("", "occasional", Attempt.State.DRAFT)


def test_without_javascript_an_incomplete_commit_shows_the_whole_page_with_the_error(client, trainee, case):
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/commit/", {"pain": "none"})

    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Still to answer before you commit: index level, location" in html
    assert response["Cache-Control"] == "no-store, private"  # the case page again, kept no more than the first


@pytest.mark.parametrize(("field", "value"), [("pain", "severe"), ("tomita", "9"), ("level", "C8"),
                                              ("location", "3"), ("tomita", "x")])  # fmt: skip
def test_invalid_codes_on_commit_are_form_errors_not_server_errors(client, trainee, case, field, value):
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/commit/", {**ANSWER, field: value}, headers=HX)

    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.DRAFT


def test_a_commit_grades_the_reading_and_sends_the_trainee_to_the_feedback(client, trainee, case):
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/commit/", ANSWER, headers=HX)

    assert response.status_code == 200 and response["HX-Redirect"] == f"/attempts/{attempt.pk}/"
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.state == Attempt.State.SUBMITTED and stored.components_right == 6


def test_without_javascript_a_commit_grades_the_reading_and_redirects_to_the_feedback(client, trainee, case):
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/commit/", {**ANSWER, "pain": "none"}, follow=True)

    assert response.redirect_chain == [(f"/attempts/{attempt.pk}/", 302)]
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.state == Attempt.State.SUBMITTED and stored.components_right == 5 and not stored.pain_correct
    assert "5 of 6 SINS components right" in response.content.decode()


def test_a_double_click_or_a_second_tab_or_a_stale_form_gives_one_attempt(client, trainee, case):
    attempt = open_case(client, case)
    second_tab = open_case(client, case)
    assert second_tab.pk == attempt.pk

    client.post(f"/attempts/{attempt.pk}/commit/", ANSWER, headers=HX)
    double = client.post(f"/attempts/{attempt.pk}/commit/", ANSWER, headers=HX)
    stale = client.post(f"/attempts/{attempt.pk}/commit/", {**ANSWER, "pain": "none"})
    late_autosave = client.post(f"/attempts/{attempt.pk}/save/", {"pain": "none"}, headers=HX)

    assert double["HX-Redirect"] == f"/attempts/{attempt.pk}/"
    assert stale.url == f"/attempts/{attempt.pk}/"
    assert late_autosave["HX-Redirect"] == f"/attempts/{attempt.pk}/"
    assert Attempt.objects.submitted().count() == 1
    assert Attempt.objects.get(pk=attempt.pk).pain == "mechanical"


def test_after_a_commit_the_case_opens_a_fresh_draft_for_another_try(client, trainee, case):
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/commit/", ANSWER)

    again = open_case(client, case)

    assert again.pk != attempt.pk and again.state == Attempt.State.DRAFT
    html = client.get(f"/cases/{case.slug}/").content.decode()
    assert f'href="/attempts/{attempt.pk}/"' in html  # the earlier attempt is linked


def test_back_on_a_committed_case_says_beside_the_fresh_reading_where_the_committed_one_went(client, trainee, case):
    assert "You committed this case" not in client.get(f"/cases/{case.slug}/").content.decode()
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/commit/", ANSWER)

    html = client.get(f"/cases/{case.slug}/").content.decode()

    panel = html[html.index('id="scoring"') : html.index('id="reading-form"')]
    assert "You committed this case on" in panel
    assert f'<a href="/attempts/{attempt.pk}/">see your feedback</a>, or answer it again here.' in panel
    client.post(f"/attempts/{open_case(client, case).pk}/save/", {"pain": "mechanical"})
    assert "You committed this case on" not in client.get(f"/cases/{case.slug}/").content.decode()  # started anew


def test_the_case_page_lists_only_the_trainees_own_earlier_attempts_at_it_newest_first(client, trainee, case):
    first = open_case(client, case)
    client.post(f"/attempts/{first.pk}/commit/", ANSWER)
    second = open_case(client, case)
    client.post(f"/attempts/{second.pk}/commit/", ANSWER)
    client.post(f"/attempts/{open_case(client, case).pk}/save/", {"pain": "mechanical"}, headers=HX)
    other_case = published_case()
    client.post(f"/attempts/{open_case(client, other_case).pk}/commit/", ANSWER)
    client.force_login(someone_else := TraineeFactory())
    client.post(f"/attempts/{open_case(client, case).pk}/commit/", ANSWER)
    client.force_login(trainee)

    response = client.get(f"/cases/{case.slug}/")

    assert [a["pk"] for a in response.context["earlier"]] == [second.pk, first.pk]
    html = response.content.decode()
    assert "1 of 9 answered · <span data-save-state>saved as you go" in html  # the draft, with its one answer
    assert re.search(r'name="pain" value="mechanical"[^>]* checked', response.content.decode())
    assert Attempt.objects.filter(trainee=someone_else, case=case).submitted().count() == 1


@pytest.mark.parametrize("action", ["save", "commit"])
def test_nobody_can_write_to_another_trainees_attempt(client, case, action):
    owner = TraineeFactory()
    client.force_login(owner)
    attempt = open_case(client, case)

    for intruder in (TraineeFactory(), EducatorFactory()):
        client.force_login(intruder)
        response = client.post(f"/attempts/{attempt.pk}/{action}/", ANSWER, headers=HX)
        assert response.status_code == 404

    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.state == Attempt.State.DRAFT and stored.pain == ""


def test_scoring_pages_need_get_or_post_as_appropriate(client, trainee, case):
    attempt = open_case(client, case)

    assert client.get(f"/attempts/{attempt.pk}/commit/").status_code == 405
    assert client.get(f"/attempts/{attempt.pk}/save/").status_code == 405
    assert client.post(f"/cases/{case.slug}/").status_code == 405


def test_a_draft_case_without_reference_cannot_be_committed_and_says_why(client):
    educator = EducatorFactory()
    client.force_login(educator)
    case = published_case(status=Case.Status.DRAFT)
    ReferenceReading.objects.filter(case=case).delete()
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/commit/", ANSWER, follow=True)

    assert "This case has no complete expert reading yet" in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.DRAFT


def test_a_case_unpublished_meanwhile_can_no_longer_be_saved_or_committed(client, trainee, case):
    attempt = open_case(client, case)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)

    assert client.post(f"/attempts/{attempt.pk}/save/", {"pain": "none"}, headers=HX).status_code == 404
    assert client.post(f"/attempts/{attempt.pk}/commit/", ANSWER, headers=HX).status_code == 404
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.DRAFT


def test_a_level_typed_in_lower_case_is_graded_as_the_level(client, trainee, case):
    attempt = open_case(client, case)

    client.post(f"/attempts/{attempt.pk}/commit/", {**ANSWER, "level": "t7"})

    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.level == "T7" and stored.level_correct is True


def test_an_autosave_from_a_stale_tab_does_not_blank_answers_it_did_not_send(client, trainee, case):
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/save/", {"pain": "occasional"}, headers=HX)

    client.post(f"/attempts/{attempt.pk}/save/", {"collapse": "gt50"}, headers=HX)

    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.pain, stored.collapse) == ("occasional", "gt50")


def test_clearing_the_level_in_the_drop_down_is_saved(client, trainee, case):
    attempt = open_case(client, case)
    client.post(f"/attempts/{attempt.pk}/save/", {"level": "T7"}, headers=HX)

    client.post(f"/attempts/{attempt.pk}/save/", {"level": ""}, headers=HX)

    assert Attempt.objects.get(pk=attempt.pk).level == ""


def test_an_incomplete_primary_reading_blocks_publishing_and_never_breaks_a_commit(client, trainee):
    case = published_case()
    ReferenceReading.objects.filter(case=case).update(tomita=None)
    assert any("it lacks: Tomita type" in problem for problem in case.publication_problems())
    attempt = open_case(client, case)

    response = client.post(f"/attempts/{attempt.pk}/commit/", ANSWER, follow=True)

    assert response.status_code == 200
    assert "no complete expert reading yet" in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.DRAFT


def test_the_case_page_is_never_kept_by_the_browser_to_come_back_as_a_stale_form(client, trainee, case):
    response = client.get(f"/cases/{case.slug}/")

    assert response["Cache-Control"] == "no-store, private"
    # Nor does the browser put back old ticks over the draft the server sent.
    assert re.search(r'<form id="reading-form"[^>]* autocomplete="off"', response.content.decode())


def test_the_case_list_says_that_it_varies_with_htmx(client, trainee, case):
    assert "HX-Request" in client.get("/cases/")["Vary"]


def test_the_case_page_shows_the_history_and_every_series(trainee_client):
    case = published_case(series=2, slices=3, presentation="Six weeks of back pain.", age=71)

    html = trainee_client.get(f"/cases/{case.slug}/").content.decode()

    assert "Six weeks of back pain." in html and "71 years" in html
    assert case.pain_statement in html
    for series in case.series.all():
        assert f'id="series-{series.pk}"' in html
        for slice_ in series.slices.all():
            assert slice_.web.url in html
            assert slice_.image.url not in html  # originals are never sent to the page


def test_a_draft_is_404_for_trainees_and_previewable_by_educators(client):
    draft = published_case(status=Case.Status.DRAFT)
    client.force_login(TraineeFactory())
    assert client.get(f"/cases/{draft.slug}/").status_code == 404

    client.force_login(EducatorFactory())
    response = client.get(f"/cases/{draft.slug}/")
    assert response.status_code == 200
    assert "Draft — preview" in response.content.decode()


def test_no_reference_data_reaches_a_trainee_before_they_answer(trainee_client):
    sentinel = "SENTINEL-REFERENCE"
    case = published_case(index_level="L5", teaching_points=f"{sentinel} teaching", discussion=f"{sentinel} talk")
    fields = {f"{item}_rationale": f"{sentinel} {item}" for item in ("level", "pain", "collapse", "tomita")}
    ReferenceReading.objects.filter(case=case).update(reader_name=f"{sentinel} reader", **fields)

    for url in ("/cases/", f"/cases/{case.slug}/", "/cases/?q=breast", "/"):
        html = trainee_client.get(url).content.decode()
        assert sentinel not in html, url
        assert "Dr A. Expert" not in html
    html = trainee_client.get(f"/cases/{case.slug}/").content.decode()
    assert not re.search(r'<input type="radio"[^>]* checked', html)  # nothing is pre-answered
    assert not re.search(r'<option value="\w+" selected>', html)
