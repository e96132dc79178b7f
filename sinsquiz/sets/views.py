from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sinsquiz import literature
from sinsquiz.http import AuthenticatedHttpRequest
from sinsquiz.progress import exports
from sinsquiz.sets import overview, results, sittings
from sinsquiz.sets import retest as retest_report
from sinsquiz.sets.access import get_assignment_for_educator, get_assignment_for_trainee, get_retest_for_educator
from sinsquiz.sets.models import Sitting


@require_GET
@cache_control(no_store=True, private=True)  # a sitting's state changes as it goes: Back must not show an old one
def case_set(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A set as its trainee sees it: what it is, its window, and once started, its cases and where they stand."""
    assignment = get_assignment_for_trainee(request, pk)
    now = timezone.now()
    sitting = Sitting.objects.of(request.user, assignment)
    rows = overview.rows(sitting, now) if sitting else []
    return render(
        request,
        "sets/set.html",
        {
            "assignment": assignment,
            "case_set": assignment.case_set,
            "cases": assignment.case_set.items.count(),
            "sitting": sitting,
            "rows": rows,
            "done": sum(row.status == "answered" for row in rows),
            "state": overview.state_of(assignment, sitting, now),
            "released": sitting and overview.released(sitting, now),
            "released_from": sitting and sittings.released_from(sitting),
            "can_go_on": sitting and sittings.counts(sitting, now),
        },
    )


@require_POST
def start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_trainee(request, pk)
    try:
        sittings.start(assignment, request.user)
    except sittings.NotOpen as refusal:
        messages.error(request, str(refusal))
        return redirect("set", pk=assignment.pk)
    return redirect("set-next", pk=assignment.pk)


@require_GET
def next_case(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """On to the sitting's next case; back to the set's page when there is none, or no time."""
    assignment = get_assignment_for_trainee(request, pk)
    sitting = Sitting.objects.of(request.user, assignment)
    counting = sitting is not None and sittings.counts(sitting, timezone.now())
    if counting and (case := sittings.next_case(sitting)):
        return redirect(case.get_absolute_url())
    if sitting and not sittings.cases_left(sitting):  # the last commit finished the sitting, or finishes it now
        if counting:
            sittings.finish(sitting)
        messages.success(request, f"You have answered every case of “{assignment.title}”.")
    return redirect("set", pk=assignment.pk)


@require_http_methods(["GET", "POST"])
def finish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Finish a sitting before every case is answered; asked first on a page of its own, as it cannot be undone."""
    assignment = get_assignment_for_trainee(request, pk)
    sitting = Sitting.objects.of(request.user, assignment)
    if request.method == "GET":
        if sitting is None or not sittings.counts(sitting, timezone.now()):
            return redirect("set", pk=assignment.pk)
        answered = sitting.answers.count()
        left = len(sittings.cases_left(sitting))
        context = {"assignment": assignment, "answered": answered, "left": left}
        return render(request, "sets/finish.html", context)
    if sitting and sittings.counts(sitting, timezone.now()) and sittings.finish(sitting):
        messages.success(request, "You have finished this set. The cases you left out count as not answered.")
    return redirect("set", pk=assignment.pk)


@require_GET
def set_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An assignment's results for the educators of its cohorts."""
    assignment = _for_educator(request, pk)
    retests = assignment.retests.for_educator(request.user).order_by("opens")  # a baseline's, to compare with
    context = {"assignment": assignment, "report": results.results(assignment, request.user), "retests": retests}
    return render(request, "sets/results.html", context)


@require_GET
def set_results_csv(request: AuthenticatedHttpRequest, pk: int, table: str) -> StreamingHttpResponse:
    """The results page's tables for a spreadsheet: one file per trainee row, one per case row."""
    assignment = _for_educator(request, pk)
    if table not in results.CSV_TABLES:
        raise Http404("No such table.")
    rows = results.CSV_TABLES[table](results.results(assignment, request.user))
    return exports.csv_response(f"{assignment.title}-{table}", rows)


def _for_educator(request, pk: int):
    if not request.user.is_staff:
        raise Http404("Results are for educators.")
    return get_assignment_for_educator(request, pk)


@require_GET
def retest(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The test–retest report of a retest assignment, for each of its cohorts the educator follows."""
    assignment = get_retest_for_educator(request, pk)
    context = {
        "assignment": assignment,
        "cohorts": retest_report.report(assignment, request.user),
        "closed": assignment.closes <= timezone.now(),
        "intra_study": literature.INTRA_COMPONENT_STUDY,
        "binary_studies": literature.BINARY_STUDIES,
        "minimum": retest_report.MINIMUM,
        "resamples": retest_report.RESAMPLES,
    }
    return render(request, "sets/retest.html", context)
