"""A reference corrected after trainees were graded against it: the admin counts them, the educator keeps their
grades or regrades them, and nothing is ever lost, under concurrent commits too."""

import re
import threading

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from sinsquiz.progress import agreement, cohort_report
from sinsquiz.progress.models import Cohort
from sinsquiz.training import drafts, regrading
from sinsquiz.training.models import GRADED_COLUMNS, Attempt, Regrade, RegradeDecision
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, commit, published_case
from tests.training.test_drafts import run_together


def committed(case, trainee=None, **changes) -> Attempt:
    """A trainee's attempt at the case, committed with ANSWER (right on every item) and `changes`."""
    attempt, _ = drafts.submit(drafts.open_draft(trainee or TraineeFactory(), case), {**ANSWER, **changes})
    return attempt


def correct_the_pain(case, pain="occasional") -> Case:
    """The educator finds the primary reading's pain was wrong: ANSWER's mechanical pain is wrong from now on."""
    with transaction.atomic():  # as the admin saves a case and its readings
        reading = case.readings.get(is_primary=True)
        reading.pain = pain
        reading.save()
    return Case.objects.get(pk=case.pk)


def pain_right(summary) -> int:
    return next(c.right for c in summary.components if c.component.name == "pain")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def case(db):
    return published_case(series=1, slices=1)


@pytest.fixture
def educator(client):
    user = EducatorFactory(first_name="Grace", last_name="Hopper")
    client.force_login(user)
    return user


# --- The count -------------------------------------------------------------------------------------------------


def test_the_case_page_counts_committed_attempts_graded_against_an_earlier_reference_and_never_drafts(
    client, educator, case
):
    committed(case), committed(case)
    drafts.save_draft(drafts.open_draft(TraineeFactory(), case), {"pain": "none"})
    case = correct_the_pain(case)
    committed(case)  # graded against the corrected reference already

    page = client.get(f"/admin/cases/case/{case.pk}/change/")

    assert "2 committed attempts were graded against an earlier reference" in page.content.decode()
    assert page.context["regrading"]["pending"].count == 2


def test_nothing_is_asked_before_a_correction_or_on_a_draft_case(client, educator, case):
    committed(case)
    assert "graded against an earlier reference" not in client.get(f"/admin/cases/case/{case.pk}/change/").text

    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    correct_the_pain(case)

    assert "graded against an earlier reference" not in client.get(f"/admin/cases/case/{case.pk}/change/").text


def test_an_update_of_the_teaching_alone_asks_nothing_and_a_later_correction_asks_about_every_earlier_grade(
    client, educator, case
):
    committed(case)
    reading = case.readings.get(is_primary=True)
    reading.pain_rationale = "Pain on loading and relieved by lying down is mechanical."
    reading.save()
    committed(case)  # graded against the version with the new reasoning

    assert "graded against an earlier reference" not in client.get(f"/admin/cases/case/{case.pk}/change/").text

    case = correct_the_pain(case)
    page = client.get(f"/admin/cases/case/{case.pk}/change/")

    assert "2 committed attempts were graded against an earlier reference" in page.text
    assert regrading.regrade(case, educator) == 2


def test_a_choice_stands_through_later_updates_of_the_teaching_until_the_answers_change_again(client, educator, case):
    committed(case)
    case = correct_the_pain(case)
    regrading.keep(case, educator)
    reading = case.readings.get(is_primary=True)
    reading.pain_rationale = "Pain at night, not on loading: not mechanical."
    reading.save()
    case = Case.objects.get(pk=case.pk)

    assert regrading.pending(case) is None

    case = correct_the_pain(case, pain="none")
    assert regrading.pending(case).count == 1  # the kept attempt, asked about again for the new answers


# --- Keep ------------------------------------------------------------------------------------------------------


def test_keeping_the_grades_changes_no_attempt_records_the_choice_and_stops_asking(client, educator, case):
    attempt = committed(case)
    case = correct_the_pain(case)
    before = {column: getattr(attempt, column) for column in GRADED_COLUMNS}

    confirm = client.get(f"/admin/cases/case/{case.pk}/grades/keep/")
    response = client.post(f"/admin/cases/case/{case.pk}/grades/keep/")

    assert "Keep 1 grade" in confirm.text
    assert messages_of(response) == ["Kept the grades of 1 attempt."]
    attempt.refresh_from_db()
    assert {column: getattr(attempt, column) for column in GRADED_COLUMNS} == before
    assert not Regrade.objects.exists()
    decision = RegradeDecision.objects.get(case=case)
    assert (decision.version, decision.choice, decision.attempts, decision.by) == (case.version, "keep", 1, educator)
    page = client.get(f"/admin/cases/case/{case.pk}/change/").text
    assert "graded against an earlier reference" not in page
    assert f"Version {case.version}: kept the earlier grades (1 attempt), by Grace Hopper" in page


def test_a_kept_grade_is_labelled_with_the_version_it_was_graded_against(client, case):
    trainee = TraineeFactory()
    client.force_login(trainee)
    attempt = commit(client, case)
    version = attempt.case_version
    case = correct_the_pain(case)
    regrading.keep(case, EducatorFactory())

    feedback = client.get(f"/attempts/{attempt.pk}/").text
    dashboard = client.get("/progress/").text

    assert f"Graded against version {version} of the reference; the reference has been corrected since" in feedback
    assert f"(last on {case.reference_changed:%-d %B %Y})" in feedback
    assert "Your grade stays as it is." in feedback
    assert "6 of 6 SINS components right" in feedback  # the grade as it was given
    assert "graded against an earlier reference" in dashboard


def test_before_an_educator_chooses_the_feedback_says_the_grade_may_yet_be_regraded(client, case):
    trainee = TraineeFactory()
    client.force_login(trainee)
    attempt = commit(client, case)
    correct_the_pain(case)

    feedback = client.get(f"/attempts/{attempt.pk}/").text

    assert "Your educators have yet to decide whether to regrade it against the corrected reference." in feedback
    assert "Your grade stays as it is." not in feedback


def test_a_new_key_image_is_no_correction_of_the_answers_and_the_feedback_says_only_the_teaching_changed(client, case):
    trainee = TraineeFactory()
    client.force_login(trainee)
    attempt = commit(client, case)
    reading = case.readings.get(is_primary=True)
    reading.collapse_key_slice = case.series.first().slices.first()
    reading.collapse_rationale = "Measure the height lost against the level above."
    reading.save()

    feedback = client.get(f"/attempts/{attempt.pk}/").text

    assert "The expert’s reasoning or key images have been updated since you committed" in feedback
    assert "the reference answers are unchanged, and so is your grade" in feedback
    assert "corrected since" not in feedback
    assert "6 of 6 SINS components right" in feedback


# --- Regrade ---------------------------------------------------------------------------------------------------


def test_regrading_gives_the_new_grade_and_keeps_the_original_intact(client, educator, case):
    attempt = committed(case)
    original = {column: getattr(Attempt.objects.get(pk=attempt.pk), column) for column in GRADED_COLUMNS}
    case = correct_the_pain(case)

    confirm = client.get(f"/admin/cases/case/{case.pk}/grades/regrade/")
    response = client.post(f"/admin/cases/case/{case.pk}/grades/regrade/")

    assert "Regrade 1 attempt" in confirm.text
    assert messages_of(response) == ["Regraded 1 attempt."]
    attempt.refresh_from_db()
    assert (attempt.case_version, attempt.reference_pain, attempt.pain_correct) == (case.version, "occasional", False)
    assert attempt.components_right == 5 and attempt.reference["primary"]["reading"]["pain"] == "occasional"
    regrade = Regrade.objects.get(attempt=attempt)
    assert regrade.original == {**original, "reference": original["reference"]}
    assert (regrade.from_version, regrade.to_version, regrade.by) == (original["case_version"], case.version, educator)
    assert regrade.corrected == case.reference_changed
    assert regrade.original_grade().components_right == 6
    assert RegradeDecision.objects.get(case=case).choice == "regrade"
    assert "graded against an earlier reference" not in client.get(f"/admin/cases/case/{case.pk}/change/").text


def test_the_regrade_question_shows_whose_results_would_change_and_writes_nothing(client, educator, case):
    right = committed(case, TraineeFactory(first_name="Ada", last_name="Byrne"))  # mechanical pain: right now
    wrong = committed(case, TraineeFactory(first_name="Ben", last_name="Cole"), pain="occasional")
    cohort = Cohort.objects.create(name="Residents")
    cohort.trainees.add(right.trainee, wrong.trainee)
    cohort.educators.add(educator)
    case = correct_the_pain(case)

    page = client.get(f"/admin/cases/case/{case.pk}/grades/regrade/").text

    assert "2 of 2 results would change" in page
    assert re.search(r"Ada Byrne</td>\s*<td>[^<]+</td>\s*<td><strong>6 → 5</strong> of 6", page)
    assert re.search(r"Ben Cole</td>\s*<td>[^<]+</td>\s*<td><strong>5 → 6</strong> of 6", page)
    assert [a.components_right for a in Attempt.objects.filter(pk__in=[right.pk, wrong.pk]).order_by("pk")] == [6, 5]
    assert not Regrade.objects.exists() and not RegradeDecision.objects.exists()


def test_a_correction_that_moves_only_the_category_verdict_is_counted_as_a_change(client, educator, case):
    # Alignment read as deformity, where the reference said normal: wrong, and still wrong once the reference says
    # subluxation; but the reference's total goes from 9 to 13, to the trainee's category (14, unstable).
    attempt = committed(case, alignment="deformity", collapse="gt50", posterolateral="bilateral")
    Cohort.objects.create(name="Residents").trainees.add(attempt.trainee)
    Cohort.objects.get().educators.add(educator)
    with transaction.atomic():
        reading = case.readings.get(is_primary=True)
        reading.alignment = "subluxation"
        reading.save()

    page = client.get(f"/admin/cases/case/{case.pk}/grades/regrade/").text

    assert "1 of 1 result would change" in page
    assert re.search(r"<td>3 of 6, unchanged</td>\s*<td><strong>wrong → right</strong></td>", page)


def test_the_regrade_question_names_only_the_trainees_the_educator_follows(client, educator, case):
    followed = TraineeFactory(first_name="Ada", last_name="Byrne")
    Cohort.objects.create(name="Mine").trainees.add(followed)
    Cohort.objects.get(name="Mine").educators.add(educator)
    committed(case, followed)
    committed(case, TraineeFactory(first_name="Ben", last_name="Cole"), pain="occasional")  # not followed
    case = correct_the_pain(case)

    page = client.get(f"/admin/cases/case/{case.pk}/grades/regrade/").text

    assert "2 of 2 results would change" in page
    assert "Ada Byrne" in page and "Ben Cole" not in page
    assert "And 1 attempt of trainees in cohorts you do not follow, 1 of which would change." in page


def test_the_trainee_sees_the_regrade_mark_the_new_grade_and_the_original_result(client, case):
    trainee = TraineeFactory()
    client.force_login(trainee)
    attempt = commit(client, case)
    case = correct_the_pain(case)
    regrading.regrade(case, EducatorFactory())

    feedback = client.get(f"/attempts/{attempt.pk}/").text
    dashboard = client.get("/progress/").text

    corrected = f"{case.reference_changed:%-d %B %Y}"
    assert f"Regraded after the reference was corrected on {corrected}" in feedback
    assert "5 of 6 SINS components right" in feedback  # the current grade leads
    assert "Original result:</strong> 6 of 6 SINS components right" in feedback
    assert "Pain: the reference was Mechanical pain and became Non-mechanical pain" in feedback
    assert "your Mechanical pain was right and became wrong" in feedback
    assert f"regraded after the reference was corrected on {case.reference_changed:%-d %b %Y}" in dashboard
    assert "5 / 6" in dashboard


def test_a_regraded_attempt_whose_reference_is_corrected_again_and_kept_says_it_is_behind(client, case):
    trainee = TraineeFactory()
    client.force_login(trainee)
    attempt = commit(client, case)
    regrading.regrade(correct_the_pain(case, "occasional"), None)
    regraded_to = Attempt.objects.get(pk=attempt.pk).case_version
    case = correct_the_pain(case, "none")
    regrading.keep(case, EducatorFactory())

    feedback = client.get(f"/attempts/{attempt.pk}/").text
    dashboard = client.get("/progress/").text

    assert "Regraded after the reference was corrected" in feedback  # what happened, still said
    assert f"Graded against version {regraded_to} of the reference; the reference has been corrected since" in feedback
    assert f"(last on {case.reference_changed:%-d %B %Y})" in feedback
    assert "graded against an earlier reference" in dashboard


def test_dashboards_and_cohort_numbers_move_to_the_new_grade_even_from_the_cache(case):
    trainee = TraineeFactory()
    cohort = Cohort.objects.create(name="Residents")
    cohort.trainees.add(trainee)
    committed(case, trainee)
    assert pain_right(agreement.summary(trainee)[0]) == 1  # now in the cache
    assert pain_right(cohort_report.cached_report(cohort).overall) == 1

    regrading.regrade(correct_the_pain(case), EducatorFactory())

    assert pain_right(agreement.summary(trainee)[0]) == 0
    assert pain_right(cohort_report.cached_report(cohort).overall) == 0


def test_an_attempt_regraded_twice_keeps_each_result_it_replaced(case):
    attempt = committed(case)
    regrading.regrade(correct_the_pain(case, "occasional"), None)
    regrading.regrade(correct_the_pain(case, "none"), None)

    first, second = Regrade.objects.filter(attempt=attempt)
    assert first.original["reference_pain"] == "mechanical" and first.original["pain_correct"] is True
    assert second.original["reference_pain"] == "occasional" and second.original["pain_correct"] is False
    assert Attempt.objects.get(pk=attempt.pk).reference_pain == "none"


def test_an_attempt_never_shown_the_escc_item_is_not_marked_on_it_after_the_case_starts_asking(client, educator, case):
    attempt = committed(case)  # the case did not ask for ESCC: the trainee never saw the item
    case.readings.update(escc="1b")  # an educator adds the grade to the reference...
    Case.objects.filter(pk=case.pk).update(asks_escc=True)  # ...and turns ESCC on, which moves no version
    case = correct_the_pain(case)

    response = client.post(f"/admin/cases/case/{case.pk}/grades/regrade/")

    assert messages_of(response) == ["Regraded 1 attempt."]

    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.case_version == case.version and attempt.escc_correct is None
    assert attempt.grade().item("escc").verdict == "not_asked"
    assert attempt.reference["escc_asked"] is False and attempt.reference["primary"]["reading"]["escc"] == "1b"
    client.force_login(attempt.trainee)
    changes = re.search(r'<ul class="regrade-changes">(.*?)</ul>', client.get(f"/attempts/{attempt.pk}/").text, re.S)[1]
    assert "Pain:" in changes and "ESCC" not in changes  # not asked before or after: no change to speak of


def test_an_attempt_shown_the_escc_item_is_graded_on_it_again_once_the_case_asks_for_it_again(db):
    case = published_case(series=1, slices=1, asks_escc=True)
    case.readings.update(escc="1b")
    attempt = committed(case, escc="1b")
    Case.objects.filter(pk=case.pk).update(asks_escc=False)
    regrading.regrade(correct_the_pain(case), None)
    assert Attempt.objects.get(pk=attempt.pk).escc_correct is None  # not asked now: not graded on it

    Case.objects.filter(pk=case.pk).update(asks_escc=True)
    regrading.regrade(correct_the_pain(case, "none"), None)

    assert Attempt.objects.get(pk=attempt.pk).escc_correct is True  # it was asked at the commit, and answered


def test_a_second_choice_for_the_same_version_is_refused_and_changes_nothing(client, educator, case):
    committed(case)
    case = correct_the_pain(case)
    regrading.regrade(case, educator)

    with pytest.raises(regrading.AlreadyDecided):
        regrading.keep(case, educator)
    response = client.post(f"/admin/cases/case/{case.pk}/grades/keep/")  # a page left open in another tab
    client.force_login(EducatorFactory())
    colleague = client.post(f"/admin/cases/case/{case.pk}/grades/keep/")

    decided = RegradeDecision.objects.get()
    when = f"{timezone.localtime(decided.created):%-d %B %Y, %H:%M}"
    assert messages_of(response) == [
        f"You already chose for version {case.version} of the reference, on {when}: regraded. Nothing more was done."
    ]
    assert messages_of(colleague)[-1].startswith("Grace Hopper already chose for version")
    assert Regrade.objects.count() == 1 and RegradeDecision.objects.count() == 1


def test_a_choice_asked_of_a_case_with_nothing_to_decide_says_so(client, educator, case):
    response = client.post(f"/admin/cases/case/{case.pk}/grades/regrade/")

    assert messages_of(response) == ["No committed attempt is waiting for a choice about this case's reference."]


def test_only_educators_who_may_change_the_case_choose(client, case):
    committed(case)
    case = correct_the_pain(case)
    viewer = EducatorFactory()
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(viewer)

    assert client.post(f"/admin/cases/case/{case.pk}/grades/regrade/").status_code == 403
    client.force_login(TraineeFactory())
    assert client.post(f"/admin/cases/case/{case.pk}/grades/regrade/").status_code == 302  # to the admin's login

    assert not Regrade.objects.exists() and not RegradeDecision.objects.exists()


def test_an_unknown_choice_goes_back_to_the_case(client, educator, case):
    response = client.post(f"/admin/cases/case/{case.pk}/grades/forget/")

    assert response.status_code == 302 and response.url == f"/admin/cases/case/{case.pk}/change/"


def test_review_scheduling_is_left_as_the_commit_rated_it(case):
    from sinsquiz.training.models import ReviewCard

    attempt = committed(case)
    card = ReviewCard.objects.get(trainee=attempt.trainee, case=case)

    regrading.regrade(correct_the_pain(case), None)

    assert ReviewCard.objects.get(pk=card.pk).card == card.card


# --- Concurrency -----------------------------------------------------------------------------------------------


def test_commits_during_a_regrade_are_all_kept_and_each_attempt_is_regraded_at_most_once(migration_data):
    case = published_case(series=1, slices=1)
    before = [committed(case) for _ in range(4)]
    case = correct_the_pain(case)
    drafts_ = iter([drafts.open_draft(TraineeFactory(), case) for _ in range(6)])
    lock = threading.Lock()

    def work():
        with lock:
            draft = next(drafts_, None)
        if draft is None:
            return ("regraded", regrading.regrade(case, None))
        return ("committed", drafts.submit(draft, ANSWER)[1])

    results = run_together(8, work)  # six commits, two regrades at once

    # The second regrade finds the first one's choice made, and says so.
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) <= 1 and all(isinstance(error, regrading.AlreadyDecided) for error in errors), errors
    assert [r[1] for r in results if not isinstance(r, Exception) and r[0] == "committed"] == [True] * 6
    assert Attempt.objects.submitted().filter(case=case).count() == 10
    assert set(Attempt.objects.submitted().values_list("case_version", flat=True)) == {case.version}
    assert sorted(Regrade.objects.values_list("attempt", flat=True)) == sorted(a.pk for a in before)
    assert RegradeDecision.objects.get(case=case).attempts == 4


def test_a_correction_and_a_regrade_racing_commits_leave_no_commit_graded_against_the_old_reference(migration_data):
    case = published_case(series=1, slices=1)
    committed(case)
    drafts_ = iter([drafts.open_draft(TraineeFactory(), case) for _ in range(6)])
    lock = threading.Lock()

    def work():
        with lock:
            draft = next(drafts_, None)
        if draft is None:
            return regrading.regrade(correct_the_pain(case), None)
        return drafts.submit(draft, ANSWER)[1]

    results = run_together(7, work)

    assert not [r for r in results if isinstance(r, Exception)], results
    version = Case.objects.get(pk=case.pk).version
    stale = Attempt.objects.submitted().filter(case=case, case_version__lt=version)
    assert not stale.exists()
    assert not Attempt.objects.submitted().filter(case=case, reference_pain="mechanical").exists()
    for regrade in Regrade.objects.all():
        assert regrade.original["reference_pain"] == "mechanical"
