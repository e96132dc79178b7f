"""A trainee's go at a set: its window, the order of its cases, the time limit, and what a commit counts for."""

from datetime import timedelta

import pytest
from django.utils import timezone
from fsrs import Card

from sinsquiz.progress.models import Cohort
from sinsquiz.sets import overview, sittings
from sinsquiz.sets.models import SetAnswer, Sitting
from sinsquiz.training import drafts, reviews
from sinsquiz.training.models import Attempt, ReviewCard
from tests.factories import ANSWER, TraineeFactory, commit, published_case
from tests.queries import count_queries
from tests.sets.conftest import NOW, make_assignment
from tests.threads import run_together

pytestmark = pytest.mark.django_db


def start(client, assignment):
    return client.post(f"/sets/{assignment.pk}/start/", follow=True)


def test_a_set_not_yet_open_says_when_it_opens_and_cannot_be_started(client, clock, cohort, cases, trainee):
    assignment = make_assignment(cohort, cases, opens=NOW + timedelta(days=2), closes=NOW + timedelta(days=9))

    page = client.get(f"/sets/{assignment.pk}/").content.decode()
    started = start(client, assignment).content.decode()

    assert "This set opens on Friday 6 March, 09:00." in page and "Start" not in page
    assert "This set opens on Friday 6 March, 09:00." in started
    assert not Sitting.objects.exists()


def test_an_open_set_starts_a_sitting_in_the_sets_order_until_it_closes_and_opens_the_first_case(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases)

    response = start(client, assignment)

    sitting = Sitting.objects.get()
    assert sitting.order == [case.pk for case in cases]
    assert sitting.deadline == assignment.closes and sitting.started == NOW
    assert response.redirect_chain[-1][0] == f"/cases/{cases[0].slug}/"
    assert "Case 1 of 3" in response.content.decode()


def test_a_closed_set_cannot_be_started(client, clock, cohort, cases, trainee):
    assignment = make_assignment(cohort, cases, opens=NOW - timedelta(days=9), closes=NOW - timedelta(days=2))

    assert "This set closed on Monday 2 March, 09:00." in start(client, assignment).content.decode()
    assert not Sitting.objects.exists()


def test_a_shuffled_set_gives_each_trainee_an_order_of_their_own_kept_in_the_sitting(
    client, clock, cohort, cases, trainee
):
    more = cases + [commit.__globals__["published_case"](series=1, slices=1) for _ in range(5)]
    assignment = make_assignment(cohort, more, shuffled=True)

    start(client, assignment)

    order = Sitting.objects.get().order
    assert sorted(order) == sorted(case.pk for case in more) and order != [case.pk for case in more]


def test_a_practice_commit_counts_in_the_sitting_and_its_feedback_leads_on_to_the_next_case(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases)
    start(client, assignment)

    attempt_id = client.get(f"/cases/{cases[0].slug}/").context["attempt_id"]
    response = client.post(f"/attempts/{attempt_id}/commit/", ANSWER)
    feedback = client.get(response.url).content.decode()

    assert response.url == f"/attempts/{attempt_id}/?next=/sets/{assignment.pk}/next/"
    assert f'href="/sets/{assignment.pk}/next/"' in feedback
    assert "Spine metastases, week 1</a>\n  <strong>1 of 3 answered</strong>" in feedback
    assert "Next case of the set →" in feedback
    later = client.get(f"/attempts/{attempt_id}/").content.decode()  # from the history, with no ?next=
    assert f'href="/sets/{assignment.pk}/next/">Next case of the set →' in later
    assert client.get(f"/sets/{assignment.pk}/next/").url == f"/cases/{cases[1].slug}/"
    set_page = client.get(f"/sets/{assignment.pk}/").content.decode()
    assert "6 of 6" in set_page and "Done</dt><dd>1 of 3" in set_page


def test_the_feedback_on_a_sets_last_case_leads_back_to_the_set_not_to_a_next_case(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases)
    start(client, assignment)
    for case in cases[:-1]:
        commit(client, case)

    attempt_id = client.get(f"/cases/{cases[-1].slug}/").context["attempt_id"]
    response = client.post(f"/attempts/{attempt_id}/commit/", ANSWER)
    feedback = client.get(response.url).content.decode()

    assert f'href="/sets/{assignment.pk}/next/">Back to the set →' in feedback
    assert client.get(f"/sets/{assignment.pk}/next/").url == f"/sets/{assignment.pk}/"


def test_an_assessment_goes_from_case_to_case_without_feedback_and_finishes_when_every_case_is_answered(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="close")
    start(client, assignment)

    for case in cases:
        page = client.get(f"/cases/{case.slug}/")
        response = client.post(f"/attempts/{page.context['attempt_id']}/commit/", ANSWER)
        assert response.url == f"/sets/{assignment.pk}/next/"
        clock.move(minutes=5)

    sitting = Sitting.objects.get()
    assert sitting.finished == NOW + timedelta(minutes=10)
    assert set(Attempt.objects.values_list("feedback_from", flat=True)) == {assignment.closes}
    assert "this assessment takes one reading of each case" in page.content.decode()
    assert "try the case again" not in page.content.decode()
    end = client.get(f"/sets/{assignment.pk}/next/", follow=True)
    assert end.redirect_chain == [(f"/sets/{assignment.pk}/", 302)]
    assert "You have answered every case of “Spine metastases, week 1”." in end.content.decode()


def test_a_time_limit_is_enforced_by_the_server_and_the_late_draft_is_kept_and_shown_as_late(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases, mode="assessment", time_limit=30)
    start(client, assignment)
    assert Sitting.objects.get().deadline == NOW + timedelta(minutes=30)
    first = commit(client, cases[0])
    clock.move(minutes=5)
    page = client.get(f"/cases/{cases[1].slug}/")
    assert 'class="countdown" data-left="1500"' in page.content.decode() and "Case 2 of 3" in page.content.decode()

    clock.move(minutes=25)
    response = client.post(f"/attempts/{page.context['attempt_id']}/commit/", ANSWER, follow=True)

    late = Attempt.objects.get(pk=page.context["attempt_id"])
    assert late.state == Attempt.State.DRAFT and late.pain == ANSWER["pain"]
    assert "closed for you at Wednesday 4 March, 09:30" in response.content.decode()
    assert first.set_answer.sitting.answers.count() == 1
    set_page = client.get(f"/sets/{assignment.pk}/").content.decode()
    assert "Late — not counted" in set_page and "Not answered" in set_page
    assert "Your time is up" in set_page and "yours ended at 09:30" in set_page

    clock.move(days=3)
    client.force_login(trainee)  # the session has outlived its age meanwhile
    assert "This set closed on Friday 6 March, 09:00." in client.get(f"/sets/{assignment.pk}/").content.decode()


def test_an_assessment_takes_one_attempt_per_case(client, clock, cohort, cases, trainee):
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="close")
    start(client, assignment)
    commit(client, cases[0])

    page = client.get(f"/cases/{cases[0].slug}/")
    again = drafts.open_draft(trainee, cases[0])  # the page offers none: a draft only a hand-made request could get
    response = client.post(f"/attempts/{again.pk}/commit/", ANSWER, follow=True)

    assert "This case is kept for an assessment" in page.content.decode() and "attempt_id" not in page.context
    assert "an assessment takes one attempt per case" in response.content.decode()
    assert Attempt.objects.submitted().count() == 1 and Attempt.objects.get(pk=again.pk).state == "draft"


def test_a_commit_in_a_sitting_before_its_set_opens_is_refused(client, clock, cohort, cases, trainee):
    assignment = make_assignment(cohort, cases)
    start(client, assignment)
    type(assignment).objects.filter(pk=assignment.pk).update(opens=NOW + timedelta(days=1))

    attempt_id = client.get(f"/cases/{cases[0].slug}/").context["attempt_id"]
    response = client.post(f"/attempts/{attempt_id}/commit/", ANSWER, follow=True)

    assert "opens on Thursday 5 March, 09:00: this reading was not counted" in response.content.decode()
    assert not Attempt.objects.submitted().exists()


def test_a_trainee_outside_the_cohorts_sees_nothing_of_the_set(client, clock, cohort, cases, outsider):
    assignment = make_assignment(cohort, cases)
    client.force_login(outsider)

    assert client.get(f"/sets/{assignment.pk}/").status_code == 404
    assert client.post(f"/sets/{assignment.pk}/start/").status_code == 404
    assert assignment.case_set.title not in client.get("/").content.decode()
    commit(client, cases[0])
    assert not Sitting.objects.exists()


def test_finishing_early_leaves_the_rest_unanswered_and_releases_an_assessment_at_the_finish(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="finish", time_limit=60)
    start(client, assignment)
    attempt = commit(client, cases[0])
    assert Attempt.objects.get(pk=attempt.pk).feedback_from == NOW + timedelta(minutes=60)  # at the latest

    clock.move(minutes=10)
    client.post(f"/sets/{assignment.pk}/finish/")

    assert Sitting.objects.get().finished == NOW + timedelta(minutes=10)
    assert Attempt.objects.get(pk=attempt.pk).feedback_from == NOW + timedelta(minutes=10)
    assert "components right" in client.get(f"/attempts/{attempt.pk}/").content.decode().lower()


def test_finishing_early_is_asked_on_a_page_of_its_own_and_the_set_then_no_longer_gives_a_deadline(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases, mode="assessment", time_limit=60)
    start(client, assignment)
    commit(client, cases[0])
    assert "yours ends at 10:00, 4 March" in client.get(f"/sets/{assignment.pk}/").content.decode()

    question = client.get(f"/sets/{assignment.pk}/finish/").content.decode()

    assert "1 answered, 2 left" in question and "the 2 cases you have not answered will count" in question
    assert Sitting.objects.get().finished is None  # asking finishes nothing
    clock.move(minutes=10)
    client.post(f"/sets/{assignment.pk}/finish/")
    set_page = client.get(f"/sets/{assignment.pk}/").content.decode()
    assert "finished 4 March, 09:10" in set_page and "yours end" not in set_page
    assert client.get(f"/sets/{assignment.pk}/finish/").url == f"/sets/{assignment.pk}/"  # nothing left to finish


def test_an_open_assessments_cases_are_answered_in_the_set_not_practised_beside_it(
    client, clock, trainee, cohort, cases
):
    other = published_case(series=1, slices=1, title="Not in the set", slug="not-in-the-set", difficulty=3)
    for case in (cases[0], other):
        due = NOW - timedelta(days=1)
        ReviewCard.objects.create(trainee=trainee, case=case, card=Card(due=due).to_dict(), due=due)
    draft = drafts.open_draft(trainee, cases[0])  # begun before the set was assigned
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="close")

    # Next case, the review queue and the library skip them; their page is closed; a commit outside the set is
    # refused and the draft kept.
    assert client.get("/practice/next/").url == other.get_absolute_url()
    assert [due.case.slug for due in reviews.due_for(trainee)] == [other.slug]
    assert listed(client) == [other.slug]
    page = client.get(cases[0].get_absolute_url())
    assert "This case is kept for an assessment" in page.content.decode() and "attempt_id" not in page.context
    response = client.post(f"/attempts/{draft.pk}/commit/", ANSWER, follow=True)
    assert "is part of “Spine metastases, week 1”, an assessment open to you now" in response.content.decode()
    assert Attempt.objects.get(pk=draft.pk).state == Attempt.State.DRAFT

    # Started, the set opens its cases one by one, and only those not answered yet.
    start(client, assignment)
    assert client.get(cases[0].get_absolute_url()).context["attempt_id"] == draft.pk
    commit(client, cases[0])
    assert "This case is kept for an assessment" in client.get(cases[0].get_absolute_url()).content.decode()

    # Once the set has closed, they are ordinary cases again.
    clock.move(days=3)
    client.force_login(trainee)  # the session has outlived its age meanwhile
    assert not assignment.is_open(clock.now)
    assert sorted(listed(client)) == sorted([other.slug, *(case.slug for case in cases)])
    attempt_id = client.get(cases[1].get_absolute_url()).context["attempt_id"]
    client.post(f"/attempts/{attempt_id}/commit/", ANSWER)
    assert Attempt.objects.get(pk=attempt_id).state == Attempt.State.SUBMITTED


@pytest.mark.parametrize(("mode", "offered"), [("assessment", False), ("practice", True)])
def test_a_case_practised_before_offers_its_earlier_feedback_in_a_practice_set_but_not_in_an_assessment(
    client, clock, trainee, cohort, cases, mode, offered
):
    earlier = commit(client, cases[0])  # practised before the set was assigned
    assignment = make_assignment(cohort, cases, mode=mode)
    start(client, assignment)

    html = client.get(cases[0].get_absolute_url()).content.decode()

    assert "Case 1 of 3" in html
    assert (f'href="/attempts/{earlier.pk}/"' in html) is offered
    assert ("Done before:" in html) is offered
    # Nor is it open by its address: the reference of a case still to be answered.
    feedback = client.get(f"/attempts/{earlier.pk}/").content.decode()
    assert ("This case is kept for an assessment" in feedback) is not offered
    assert ("components right" in feedback.lower()) is offered


def test_an_assessments_own_answers_follow_its_release_and_earlier_feedback_opens_when_it_closes(
    client, clock, trainee, cohort, cases
):
    earlier = commit(client, cases[0])
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="finish")
    start(client, assignment)
    answer = commit(client, cases[0])
    client.post(f"/sets/{assignment.pk}/finish/")

    assert "components right" in client.get(f"/attempts/{answer.pk}/").content.decode().lower()  # released
    assert "This case is kept for an assessment" in client.get(f"/attempts/{earlier.pk}/").content.decode()
    clock.move(days=3)
    client.force_login(trainee)
    assert "components right" in client.get(f"/attempts/{earlier.pk}/").content.decode().lower()


def test_an_assessments_cases_are_kept_from_the_day_it_is_assigned_not_only_once_it_opens(
    client, clock, trainee, cohort, cases
):
    """Else a trainee could practise next week's assessment cases, with their feedback, this week."""
    draft = drafts.open_draft(trainee, cases[0])
    assignment = make_assignment(cohort, cases, mode="assessment", opens=NOW + timedelta(days=7),
                                 closes=NOW + timedelta(days=8))  # fmt: skip

    assert listed(client) == []
    assert "This case is kept for an assessment" in client.get(cases[0].get_absolute_url()).content.decode()
    response = client.post(f"/attempts/{draft.pk}/commit/", ANSWER, follow=True)
    assert "an assessment that opens on Wednesday 11 March, 09:00: answer it there" in response.content.decode()
    assert Attempt.objects.get(pk=draft.pk).state == Attempt.State.DRAFT

    # A practice set keeps nothing back, nor does an assessment of another cohort.
    assignment.mode = "practice"
    assignment.save()
    make_assignment(Cohort.objects.create(name="Fellows"), cases, mode="assessment")
    assert len(listed(client)) == len(cases)


def test_the_home_page_and_the_library_count_the_same_cases_and_say_how_many_the_assessment_keeps(
    client, clock, trainee, cohort, cases
):
    published_case(series=1, slices=1, title="Not in the set", slug="not-in-the-set")
    make_assignment(cohort, cases[:2], mode="assessment")

    home = client.get("/").content.decode()
    library = client.get("/cases/").content.decode()

    kept = (
        "2 more are kept for an assessment assigned to you, answered in the set or not at all, and open here again "
        "once it closes."
    )
    assert "2 of 2 cases still to try. " + kept in home
    assert "2 cases · " + kept in library
    searched = client.get("/cases/", {"q": "Not in the set"}).content.decode()
    assert "1 case match" in searched and "kept for an assessment" not in searched  # neither kept case matches


def listed(client) -> list[str]:
    """The slugs of the library's cases, as the trainee's case list shows them."""
    return [card.case.slug for card in client.get("/cases/").context["page"].object_list]


def test_an_earlier_reading_an_assessment_keeps_closed_is_left_out_of_the_trainees_lists_and_dashboard(
    client, clock, trainee, cohort, cases
):
    """Its score, its category verdict and its place in the confusion tables would tell the reference of a case
    still to be answered; the educators still see it."""
    earlier = commit(client, cases[0], category="stable")
    assignment = make_assignment(cohort, cases, mode="assessment")
    start(client, assignment)  # the case is open to the trainee now, in their sitting

    dashboard = client.get("/progress/")
    cards = {card.case.slug: card for card in client.get("/cases/").context["page"].object_list}
    home = client.get("/").content.decode()

    assert list(dashboard.context["history"]) == [] and dashboard.context["summary"].attempts == 0
    assert "Set case 1" not in dashboard.content.decode() and "Set case 1" not in home
    assert "How the quiz works" not in home  # they have answered before: no welcome as on a first visit
    assert cards[cases[0].slug].last_right is None and cards[cases[0].slug].last_category_right is None
    client.force_login(cohort.educators.create(username="teacher", is_staff=True))
    assert list(client.get(f"/progress/{trainee.pk}/").context["history"]) == [earlier]

    clock.move(days=3)  # the assessment has closed
    client.force_login(trainee)
    assert earlier in client.get("/progress/").context["history"]
    assert "Set case 1" in client.get("/").content.decode()


def test_a_set_started_from_two_tabs_at_once_makes_one_sitting(migration_data):
    trainee = TraineeFactory()
    cohort = Cohort.objects.create(name="Residents 2026")
    cohort.trainees.add(trainee)
    now = timezone.now()
    cases = [published_case(series=0) for _ in range(3)]
    assignment = make_assignment(cohort, cases, opens=now - timedelta(days=1), closes=now + timedelta(days=2))

    started = run_together(6, lambda: sittings.start(assignment, trainee))

    assert not [result for result in started if isinstance(result, Exception)], started
    assert len({sitting.pk for sitting in started}) == 1 and Sitting.objects.count() == 1


def test_a_practice_sets_answer_shows_no_score_while_an_assessment_ahead_keeps_its_case(client, clock, cohort, cases):
    practice = make_assignment(cohort, cases, title="Practice first")
    start(client, practice)
    commit(client, cases[0])
    assert "<td>6 of 6</td>" in client.get(f"/sets/{practice.pk}/").content.decode()

    make_assignment(cohort, cases[:1], mode="assessment", title="Assessment next")

    page = client.get(f"/sets/{practice.pk}/").content.decode()
    assert "<td>6 of 6</td>" not in page and "answered" in page


def test_a_case_in_an_assessment_and_a_practice_set_under_way_is_answered_and_counted_in_the_assessment(
    client, clock, cohort, cases
):
    practice = make_assignment(cohort, cases, title="Practice alongside")
    assessment = make_assignment(cohort, cases[:2], mode="assessment", title="The assessment")
    start(client, practice)
    start(client, assessment)

    page = client.get(cases[0].get_absolute_url()).content.decode()
    attempt = commit(client, cases[0])

    assert "The assessment</a>" in page and "Practice alongside</a>" not in page
    assert SetAnswer.objects.get(attempt=attempt).sitting.assignment == assessment


def test_a_practice_set_under_way_does_not_open_a_case_an_assessment_not_yet_started_keeps(
    client, clock, cohort, cases, trainee
):
    draft = drafts.open_draft(trainee, cases[0])  # begun before either set was assigned
    practice = make_assignment(cohort, cases, title="Practice alongside")
    make_assignment(cohort, cases[:1], mode="assessment", title="The assessment")
    start(client, practice)

    page = client.get(cases[0].get_absolute_url())
    response = client.post(f"/attempts/{draft.pk}/commit/", ANSWER, follow=True)

    assert "This case is kept for an assessment" in page.content.decode() and "attempt_id" not in page.context
    assert "is part of “The assessment”, an assessment open to you now" in response.content.decode()
    assert Attempt.objects.get(pk=draft.pk).state == Attempt.State.DRAFT and not SetAnswer.objects.exists()


def test_once_an_assessment_closes_its_cases_are_practised_at_once_but_a_draft_begun_in_time_is_late(
    client, clock, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases, mode="assessment", time_limit=30)
    start(client, assignment)
    begun = client.get(cases[0].get_absolute_url()).context["attempt_id"]
    clock.move(days=2, minutes=1)  # the set closed a minute ago
    client.force_login(trainee)  # the session has outlived its age meanwhile

    late = client.post(f"/attempts/{begun}/commit/", ANSWER, follow=True).content.decode()
    fresh = client.get(cases[1].get_absolute_url()).context["attempt_id"]
    client.post(f"/attempts/{fresh}/commit/", ANSWER)
    client.get(cases[2].get_absolute_url())  # a draft begun after the time ran out is not late either

    assert "closed for you at" in late and Attempt.objects.get(pk=begun).state == Attempt.State.DRAFT
    assert Attempt.objects.get(pk=fresh).state == Attempt.State.SUBMITTED and not SetAnswer.objects.exists()
    rows = {row.case.slug: row.status for row in overview.rows(Sitting.objects.get(), clock.now)}
    assert rows == {cases[0].slug: "late — not counted", cases[1].slug: "not answered", cases[2].slug: "not answered"}


def test_finish_once_the_time_is_up_records_no_finish(client, clock, cohort, cases):
    assignment = make_assignment(cohort, cases, mode="assessment", time_limit=30)
    start(client, assignment)
    commit(client, cases[0])
    clock.move(minutes=40)

    page = client.post(f"/sets/{assignment.pk}/finish/", follow=True).content.decode()

    assert Sitting.objects.get().finished is None
    assert "Your time is up" in page and "You have finished this set" not in page


def test_the_bar_numbers_a_case_opened_out_of_order_by_its_place_in_the_set(client, clock, cohort, cases):
    start(client, make_assignment(cohort, cases))

    page = client.get(cases[2].get_absolute_url()).content.decode()

    assert "Case 3 of 3" in page


def test_the_home_page_gives_a_timed_sittings_own_deadline_while_it_runs_and_the_sets_close_after(
    client, clock, cohort, cases
):
    start(client, make_assignment(cohort, cases, mode="assessment", time_limit=30))  # closes Friday, 09:00
    running = client.get("/").content.decode()
    clock.move(minutes=31)

    over = client.get("/").content.decode()

    assert "closes today, 09:30" in running
    assert "closes Friday" in over and "09:30" not in over


def test_the_home_page_offers_no_draft_to_continue_that_an_assessment_keeps_closed(client, clock, cohort, cases):
    assignment = make_assignment(cohort, cases, mode="assessment", time_limit=30)
    start(client, assignment)
    attempt_id = client.get(cases[0].get_absolute_url()).context["attempt_id"]
    client.post(f"/attempts/{attempt_id}/save/", {"pain": "mechanical"})  # a draft, begun in the sitting
    assert f'href="{cases[0].get_absolute_url()}#scoring"' in client.get("/").content.decode()
    clock.move(minutes=31)

    home = client.get("/").content.decode()

    assert f'href="{cases[0].get_absolute_url()}#scoring"' not in home


def test_an_assessments_answer_opened_mid_sitting_leads_on_to_the_sets_next_case(client, clock, cohort, cases):
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="close", time_limit=30)
    start(client, assignment)
    attempt = commit(client, cases[0])

    page = client.get(attempt.get_absolute_url()).content.decode()

    assert "Your reading is committed" in page and "1 of 3 answered" in page and 'data-left="1800"' in page
    assert f'href="/sets/{assignment.pk}/next/">Next case of the set →' in page


def test_a_draft_begun_in_an_assessment_whose_time_is_up_is_late_even_where_a_practice_set_holds_its_case(
    client, clock, cohort, cases
):
    practice = make_assignment(cohort, cases, title="Practice alongside")
    assessment = make_assignment(cohort, cases[:1], mode="assessment", time_limit=30, title="The assessment")
    start(client, practice)
    start(client, assessment)
    attempt_id = client.get(cases[0].get_absolute_url()).context["attempt_id"]
    clock.move(minutes=31)

    response = client.post(f"/attempts/{attempt_id}/commit/", ANSWER, follow=True)

    assert "“The assessment” closed for you at" in response.content.decode()
    assert Attempt.objects.get(pk=attempt_id).state == Attempt.State.DRAFT and not SetAnswer.objects.exists()


def test_the_home_page_costs_the_same_queries_with_two_sets_started_as_with_six(client, clock, cohort, cases):
    def start_two(n):
        start(client, make_assignment(cohort, cases[:1], title=f"Practice {n}"))
        start(client, make_assignment(cohort, cases[1:2], title=f"Assessment {n}", mode="assessment"))

    start_two(1)
    two = count_queries(client, "/")
    start_two(2)
    start_two(3)

    assert count_queries(client, "/") == two
