from sinsquiz.problems.forms import ReportForm
from sinsquiz.problems.models import ProblemReport
from sinsquiz.problems.reports import may_report
from sinsquiz.training.models import Attempt


def problem_reports(request) -> dict:
    """On a case page, an outline of the user's own reports on the case (never their text or answers, which may
    state the reference before the new attempt is committed); on the feedback of their own committed attempt, the
    reports with their answers and the form to report another (training knows nothing of reports)."""
    match = request.resolver_match
    if not (match and request.user.is_authenticated and match.view_name in {"case", "attempt"}):
        return {}
    if match.view_name == "case":
        reports = ProblemReport.objects.of(request.user).filter(case__slug=match.kwargs["slug"])
        return {"report_outlines": reports.outlines()}
    attempt = Attempt.objects.of(request.user).filter(pk=match.kwargs["pk"]).first()
    # None: an educator reading a trainee's feedback (no form; the trainee's reports are on their own page).
    if attempt is None:
        return {}
    return on_feedback(request.user, attempt)


def on_feedback(user, attempt: Attempt, form: ReportForm | None = None, **extra) -> dict:
    """The reports part of the feedback page: the user's reports on the case and, unless one is still open (the
    rules allow one open report per case), the form to send another."""
    reports = list(_reports(user).filter(case_id=attempt.case_id))
    waits = any(report.is_open for report in reports)
    offered = may_report(user, attempt) and (not waits or (form is not None and form.errors))
    return {
        "problem_reports": reports,
        "problem_form": (form or ReportForm()) if offered else None,
        "problem_attempt_id": attempt.pk,
        "report_waits": waits,
        **extra,
    }


def _reports(user):
    return ProblemReport.objects.of(user).select_related("answered_by")
