"""The one way views fetch a problem report; anything the user may not see is a 404."""

from django.shortcuts import get_object_or_404

from sinsquiz.problems.models import ProblemReport


def get_report_for_user(request, pk: int, *, to_answer: bool = False) -> ProblemReport:
    """The report, if it is the user's own or its reporter is a trainee they follow as an educator (a
    superuser: any); to answer or close it, only an educator's or a superuser's."""
    reports = ProblemReport.objects.all()
    reports = reports.answerable_by(request.user) if to_answer else reports.visible_to(request.user)
    return get_object_or_404(reports.select_related("case", "reporter", "answered_by"), pk=pk)
