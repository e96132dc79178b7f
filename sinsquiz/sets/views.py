from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sinsquiz import literature
from sinsquiz.http import AuthenticatedHttpRequest
from sinsquiz.sets import retest as retest_report


@require_GET
def retest(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The test–retest report of a retest assignment, for each of its cohorts the educator follows."""
    assignment = retest_report.get_retest_for_user(request, pk)
    context = {
        "assignment": assignment,
        "cohorts": retest_report.report(assignment, request.user),
        "intra_study": literature.INTRA_COMPONENT_STUDY,
        "binary_studies": literature.BINARY_STUDIES,
        "minimum": retest_report.MINIMUM,
        "resamples": retest_report.RESAMPLES,
    }
    return render(request, "sets/retest.html", context)
