"""Filing a report and answering one: the rules, apart from the views."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from sinsquiz.problems.forms import ReportForm
from sinsquiz.problems.models import ProblemReport
from sinsquiz.training.access import is_kept_for_assessment
from sinsquiz.training.models import Attempt

# A trainee may file at most this many reports in 24 hours, and one open report per case.
PER_DAY = 5


class Refused(Exception):
    """A report the rules do not let in; the message says why, to the trainee."""


def may_report(user, attempt: Attempt) -> bool:
    """Only the trainee's own committed attempt, once its feedback is released and while no assessment keeps it
    closed: the report, and its answer, may discuss the reference."""
    return (
        attempt.trainee_id == user.pk
        and attempt.is_submitted
        and not attempt.is_withheld()
        and not is_kept_for_assessment(user, attempt)
    )


def file(attempt: Attempt, *, kind: str, text: str) -> ProblemReport:
    """The trainee's report on the attempt's case, or Refused with the rule it breaks (nothing written)."""
    reporter = attempt.trainee_id
    with transaction.atomic():
        # Holds a second report by the same trainee (another tab, a double click) until this one is counted.
        list(get_user_model().objects.select_for_update().filter(pk=reporter))
        if ProblemReport.objects.of(reporter).open().filter(case_id=attempt.case_id).exists():
            raise Refused(
                "You already have an open report on this case. An educator will answer it; you can report "
                "again once it is closed."
            )
        if ProblemReport.objects.filed_today_by(reporter).count() >= PER_DAY:
            raise Refused(
                f"You have sent {PER_DAY} reports in the last 24 hours, the most allowed. Please try again tomorrow."
            )
        try:
            with transaction.atomic():
                return ProblemReport.objects.create(
                    case_id=attempt.case_id, attempt=attempt, reporter_id=reporter, kind=kind, text=text
                )
        except IntegrityError as error:  # the database's own guard: one open report per trainee and case
            raise Refused("You already have an open report on this case.") from error


def answer(report: ProblemReport, *, text: str, close: bool, by) -> ProblemReport:
    """An educator's answer (kept with who gave it and when, if it changed), and the report closed if asked."""
    fields = []
    if text and text != report.answer:
        report.record_answer(text, by)
        fields += ["answer", "answered_by", "answered"]
    if close and report.is_open:
        report.status = ProblemReport.Status.CLOSED
        fields.append("status")
    if fields:
        report.save(update_fields=fields)
    return report


def on_feedback(user, attempt: Attempt, form: ReportForm | None = None, **extra) -> dict:
    """The reports part of the feedback page: the user's reports on the case and, unless one is still open (the
    rules allow one open report per case), the form to send another."""
    reports = list(ProblemReport.objects.of(user).select_related("answered_by").filter(case_id=attempt.case_id))
    waits = any(report.is_open for report in reports)
    offered = may_report(user, attempt) and (not waits or (form is not None and form.errors))
    return {
        "problem_reports": reports,
        "problem_form": (form or ReportForm()) if offered else None,
        "problem_attempt_id": attempt.pk,
        "report_waits": waits,
        **extra,
    }
