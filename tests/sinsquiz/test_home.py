"""The home page routes by role: an educator's is their cohorts' week and the cases that wait for them."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cases.models import Case, ReferenceReading, Slice
from sinsquiz.problems.models import ProblemReport
from sinsquiz.progress.models import Cohort
from sinsquiz.training import drafts, regrading
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, CaseFactory, EducatorFactory, TraineeFactory, bulk_attempts, commit, published_case
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def educator(client):
    user = EducatorFactory(first_name="Grace", last_name="Hopper")
    client.force_login(user)
    return user


def section(html: str, title_id: str) -> str:
    """One card of the page, by its heading's id, as text with the links' targets kept."""
    card = re.search(rf'<section class="card[^"]*" aria-labelledby="{title_id}">(.*?)</section>', html, re.S).group(1)
    return re.sub(r"\s+", " ", card)


def cohort_of(educator, *trainees, name="Residents 2026") -> Cohort:
    cohort = Cohort.objects.create(name=name)
    cohort.educators.add(educator)
    cohort.trainees.add(*trainees)
    return cohort


def test_an_educators_home_shows_their_cohorts_week_with_links_to_them(client, educator):
    ada, bob, idle = TraineeFactory(first_name="Ada", last_name="Byron"), TraineeFactory(), TraineeFactory()
    cohort = cohort_of(educator, ada, bob, idle)
    cohort_of(EducatorFactory(), TraineeFactory(), name="Someone else's")
    case = published_case(title="Lytic T7")
    for trainee in (ada, bob):
        client.force_login(trainee)
        commit(client, case)
    client.force_login(ada)
    latest = commit(client, case, pain="none", bone_lesion="blastic", collapse="none")
    Attempt.objects.filter(trainee=bob).update(submitted=timezone.now() - timedelta(days=10))
    client.force_login(educator)

    html = client.get("/").content.decode()

    cohorts = section(html, "cohorts-title")
    assert (
        f'<a href="/cohorts/{cohort.pk}/"><strong>Residents 2026</strong></a> <span class="muted small">3 trainees · '
        "1 active, 2 commits in the last 7 days · last commit just now</span>"
    ) in cohorts
    assert "Someone else" not in html
    assert f'<a href="/attempts/{latest.pk}/">Ada Byron on Lytic T7</a>' in cohorts
    assert "under-triage" in cohorts
    assert "How the quiz works" not in html and "still to try" not in html  # not the trainee's home


def test_an_educators_home_lists_colleagues_drafts_and_published_cases_trainees_cannot_finish(client, educator):
    colleague = EducatorFactory(first_name="Alan", last_name="Turing")
    theirs = CaseFactory(title="Their draft", status=Case.Status.DRAFT, author=colleague)
    mine = CaseFactory(title="My draft", status=Case.Status.DRAFT, author=educator)
    no_reading = published_case(title="No reference")
    ReferenceReading.objects.filter(case=no_reading).update(tomita=None)
    no_images = published_case(title="No images")
    Slice.objects.filter(series__case=no_images).delete()
    published_case(title="Fine")

    html = client.get("/").content.decode()

    review = section(html, "review-title")
    assert f'<a href="/admin/cases/case/{theirs.pk}/change/">Their draft</a>' in review and "by Alan Turing" in review
    assert (
        f'<a href="/admin/cases/case/{no_reading.pk}/change/">No reference</a> <span class="small"><strong '
        'class="under">Published, but trainees cannot finish it:</strong> it has no complete primary expert reading.'
    ) in review
    assert "No images</a>" in review and "it has no image." in review
    assert "Fine" not in review and "My draft" not in review
    own = section(html, "own-title")
    assert f'<a href="/admin/cases/case/{mine.pk}/change/">My draft</a>' in own and "Their draft" not in own


def test_an_educator_with_nothing_waiting_is_told_so_and_where_to_start(client, educator):
    published_case()

    html = client.get("/").content.decode()

    assert "You follow no cohort yet." in html
    assert "Nothing waits for review" in html
    assert 'href="/admin/cases/case/add/">Write a case</a>' in html


def test_the_links_to_every_draft_open_the_admins_filtered_lists(client, educator):
    for n in range(8):
        CaseFactory(title=f"Mine {n}", status=Case.Status.DRAFT, author=educator)
        CaseFactory(title=f"Theirs {n}", status=Case.Status.DRAFT)

    html = client.get("/").content.decode()

    links = re.findall(r'href="(/admin/cases/case/\?[^"]+)"', html)
    assert len(links) == 2
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_an_educators_home_lists_the_open_problem_reports_of_their_trainees(client, educator):
    ada = TraineeFactory(first_name="Ada", last_name="Byron")
    cohort_of(educator, ada)
    case = published_case(title="Lytic T7")
    client.force_login(ada)
    attempt = commit(client, case)
    open_report = ProblemReport.objects.create(case=case, attempt=attempt, reporter=ada, kind="image",
                                               text="The axial CT is blank.")  # fmt: skip
    ProblemReport.objects.create(case=case, attempt=attempt, reporter=ada, kind="other", text="Answered already.",
                                 status="closed")  # fmt: skip
    client.force_login(educator)

    reports = section(client.get("/").content.decode(), "problem-reports-title")

    assert '<span class="tag">1 open</span>' in reports
    assert f'<a href="/problems/{open_report.pk}/">Ada Byron on Lytic T7</a>' in reports
    assert "Image problem" in reports and "The axial CT is blank." in reports and "Answered already" not in reports
    assert 'href="/admin/problems/problemreport/?status__exact=open"' in reports


def test_a_trainee_gets_the_trainees_home(client, trainee):
    published_case()

    html = client.get("/").content.decode()

    assert "1 of 1 case still to try." in html and "Your cohorts" not in html


def test_a_trainee_finds_the_answers_to_their_reports_of_the_last_two_weeks_on_their_home(client, trainee, educator):
    client.force_login(trainee)
    case, old_case = published_case(title="Lytic T7"), published_case(title="Old one")
    attempt, old_attempt = commit(client, case), commit(client, old_case)
    assert attempt.trainee == trainee
    fields = {"reporter": trainee, "kind": "image", "text": "Blank CT.", "answered_by": educator}
    ProblemReport.objects.create(case=case, attempt=attempt, answer="Fixed: the CT is back.",
                                 answered=timezone.now() - timedelta(days=2), **fields)  # fmt: skip
    ProblemReport.objects.create(case=old_case, attempt=old_attempt, answer="Long ago.",
                                 answered=timezone.now() - timedelta(days=15), **fields)  # fmt: skip

    answers = section(client.get("/").content.decode(), "report-answers-title")

    assert f'<a href="/attempts/{attempt.pk}/#problem-reports">Lytic T7</a>' in answers  # the feedback, not the case
    assert "Grace Hopper answered 2 days ago: “Fixed: the CT is back.”" in answers
    assert "Long ago" not in answers


def test_a_corrected_reference_waiting_for_a_choice_is_on_the_educators_home_until_one_is_made(client, educator):
    corrected, retaught = published_case(title="Lytic T7"), published_case(title="Mixed T9", slug="mixed-t9")
    for case in (corrected, retaught):
        for trainee in TraineeFactory.create_batch(2):
            drafts.submit(drafts.open_draft(trainee, case), ANSWER)
    with transaction.atomic():  # as the admin saves a reading
        reading = corrected.readings.get(is_primary=True)
        reading.pain = "occasional"  # the answers change: the grades given are in question
        reading.save()
    with transaction.atomic():
        reading = retaught.readings.get(is_primary=True)
        reading.pain_rationale = "Pain on standing and on lying down: mechanical."  # the teaching alone changes
        reading.save()

    waiting = section(client.get("/").content.decode(), "review-title")
    regrading.keep(Case.objects.get(pk=corrected.pk), educator)
    decided = section(client.get("/").content.decode(), "review-title")

    assert "Lytic T7</a>" in waiting and "keep or regrade the 2 attempts graded against the earlier answers" in waiting
    assert "Mixed T9" not in waiting
    assert "Lytic T7" not in decided and "no corrected reference waits for a choice" in decided


def test_the_educators_home_costs_the_same_queries_with_a_small_and_a_large_cohort(client, educator):
    def cost():
        return count_queries(client, "/")

    trainee = TraineeFactory()
    cohort = cohort_of(educator, trainee)
    case = published_case(series=1, slices=1)
    CaseFactory(status=Case.Status.DRAFT, author=educator)
    bulk_attempts(trainee, [case], 3)
    report = {"kind": "other", "text": "Unclear history."}
    ProblemReport.objects.create(case=case, attempt=trainee.attempts.first(), reporter=trainee, **report)
    small = cost()

    trainees = [TraineeFactory() for _ in range(20)]
    cohort.trainees.add(*trainees)
    library = [published_case(series=1, slices=1) for _ in range(10)]
    for other in trainees[:5]:
        bulk_attempts(other, library, 200)
        for case in library:  # one open report per case: the most a trainee may have
            ProblemReport.objects.create(
                case=case, attempt=other.attempts.filter(case=case)[0], reporter=other, **report
            )
    for _ in range(12):
        CaseFactory(status=Case.Status.DRAFT, author=educator)
        CaseFactory(status=Case.Status.DRAFT)
    Cohort.objects.create(name="Another").educators.add(educator)
    for reading in ReferenceReading.objects.filter(case__in=library, is_primary=True):
        reading.pain_rationale = "Reworded after the commits: the teaching alone changes, and asks no choice."
        reading.save()

    assert cost() == small
