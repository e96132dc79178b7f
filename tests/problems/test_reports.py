"""The rules of filing a report: only from a committed reading, at most five a day, one open per case."""

import pytest
from django.db import IntegrityError, transaction

from sinsquiz.problems import reports
from sinsquiz.problems.models import ProblemReport
from sinsquiz.training import drafts
from tests.factories import published_case
from tests.problems.conftest import committed, days_ago, report_on

pytestmark = pytest.mark.django_db


def test_a_report_from_a_committed_reading_is_kept_with_its_case_attempt_and_reporter(attempt, ada):
    report = reports.file(attempt, kind="image", text="The sagittal T2 stops at T6.")

    stored = ProblemReport.objects.get()
    assert (stored.case, stored.attempt, stored.reporter) == (attempt.case, attempt, ada)
    assert (stored.kind, stored.text, stored.status) == ("image", "The sagittal T2 stops at T6.", "open")
    assert stored == report and stored.answer == "" and stored.answered_by is None


def test_a_draft_may_not_be_reported_from(ada, cohort):
    draft = drafts.open_draft(ada, published_case(series=1, slices=1))

    assert not reports.may_report(ada, draft)


def test_a_second_report_on_the_same_case_is_refused_while_the_first_is_open(attempt):
    first = reports.file(attempt, kind="image", text="One.")

    with pytest.raises(reports.Refused, match="already have an open report on this case"):
        reports.file(attempt, kind="history", text="Two.")
    first.status = ProblemReport.Status.CLOSED
    first.save()
    reports.file(attempt, kind="history", text="Two, once the first is closed.")

    assert ProblemReport.objects.count() == 2


def test_the_database_itself_allows_one_open_report_per_trainee_and_case(attempt):
    report_on(attempt)

    with pytest.raises(IntegrityError), transaction.atomic():
        report_on(attempt)


def test_a_sixth_report_within_24_hours_is_refused_and_allowed_again_a_day_later(ada, cohort):
    for _ in range(5):
        reports.file(committed(ada), kind="other", text="Something is off.")
    sixth = committed(ada)

    with pytest.raises(reports.Refused, match="5 reports in the last 24 hours"):
        reports.file(sixth, kind="other", text="And this one too.")
    assert ProblemReport.objects.count() == 5

    ProblemReport.objects.update(created=days_ago(1.01))
    reports.file(sixth, kind="other", text="And this one too.")
    assert ProblemReport.objects.count() == 6


def test_closed_reports_count_towards_the_daily_limit_too(ada, cohort):
    for _ in range(5):
        reports.file(committed(ada), kind="other", text="Something is off.")
    ProblemReport.objects.update(status=ProblemReport.Status.CLOSED)

    with pytest.raises(reports.Refused):
        reports.file(committed(ada), kind="other", text="Once more.")


def test_an_answer_keeps_who_gave_it_and_when_and_closing_is_separate(attempt, grace):
    report = report_on(attempt)

    reports.answer(report, text="Thank you: T8 it is; the case is corrected.", close=False, by=grace)
    report.refresh_from_db()
    assert report.answer.startswith("Thank you") and report.answered_by == grace and report.answered is not None
    assert report.is_open

    reports.answer(report, text="", close=True, by=grace)
    report.refresh_from_db()
    assert not report.is_open and report.answer.startswith("Thank you")
