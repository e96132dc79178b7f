from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.models import Case
from sinsquiz import literature, sins
from sinsquiz.http import AuthenticatedHttpRequest
from sinsquiz.progress import agreement, charts, cohort_report, exports
from sinsquiz.progress.access import get_cohort_for_user, get_trainee_for_user
from sinsquiz.progress.models import Cohort
from sinsquiz.templatetags.formatting import person
from sinsquiz.training.access import results_open_to
from sinsquiz.training.models import Attempt

HISTORY_PER_PAGE = 20


@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _progress(request, request.user)


@require_GET
def trainee_dashboard(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """An educator's view of one of their trainees' dashboards."""
    return _progress(request, get_trainee_for_user(request, user_id))


def _progress(request, trainee) -> HttpResponse:
    own = trainee == request.user
    # An assessment withholds a trainee's results from them a while, and keeps closed their earlier readings of
    # its cases; their educators see all.
    attempts = results_open_to(trainee) if own else Attempt.objects.submitted().of(trainee)
    summary, curve = agreement.summary(trainee, own=own)
    # Said to the trainee, so that an empty page does not read as readings lost.
    kept_back = Attempt.objects.submitted().of(trainee).count() - summary.attempts if own else 0
    # Cases done of the library as it is now: a case unpublished since is neither done nor left.
    library = Case.objects.published().aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(pk__in=attempts.values("case")))
    )
    history = Paginator(attempts.select_related("case").with_regrades().order_by("-submitted"), HISTORY_PER_PAGE)
    return render(
        request,
        "progress/dashboard.html",
        {
            "trainee": trainee,
            "own": own,
            # The words follow who is looking: the trainee, or an educator looking at a trainee.
            "their": "your" if own else "their",
            "reader": "You" if own else person(trainee),
            "summary": summary,
            "kept_back": kept_back,
            "done": library["done"],
            "left": library["total"] - library["done"],
            "published": library["total"],
            "curve": curve,
            "chart": charts.line_chart(
                [point.label for point in curve],
                [
                    ("SINS components right", "line-components", [p.share_right for p in curve]),
                    ("Category right", "line-category", [p.category_right for p in curve]),
                ],
            ),
            "curve_axis": agreement.curve_axis(curve),
            "heatmaps": [(c, charts.heat_rows(c.component.options, c.table)) for c in summary.components],
            "category_heat": charts.heat_rows(sins.CATEGORIES, summary.category_table),
            "history": history.get_page(request.GET.get("page")),
            "studies": literature.COMPONENT_STUDIES,
            "binary_studies": literature.BINARY_STUDIES,
            "consultation_study": literature.CONSULTATION_STUDY,
            "kappa_minimum": agreement.KAPPA_MINIMUM,
        },
    )


@require_GET
def cohort_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404("Cohorts are for educators.")
    cohorts = Cohort.objects.for_educator(request.user).with_size()
    return render(request, "progress/cohort_list.html", {"cohorts": cohorts})


@require_GET
def cohort(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    context = {
        "cohort": cohort,
        "report": cohort_report.cached_report(cohort),
        "studies": literature.COMPONENT_STUDIES,
        "consultation_study": literature.CONSULTATION_STUDY,
        "kappa_minimum": agreement.KAPPA_MINIMUM,
        "hardest": cohort_report.HARDEST_SHOWN,
    }
    return render(request, "progress/cohort.html", context)


@require_GET
def cohort_attempts_csv(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    cohort = get_cohort_for_user(request, pk)
    attempts = Attempt.objects.filter(trainee__cohorts=cohort)
    return exports.csv_response(f"{cohort.name}-attempts", exports.attempt_rows(attempts))


@require_GET
def cohort_summary_csv(request: AuthenticatedHttpRequest, pk: int, table: str) -> StreamingHttpResponse:
    cohort = get_cohort_for_user(request, pk)
    if table not in {"trainees", "cases"}:
        raise Http404("No such table.")
    report = cohort_report.cohort_report(cohort)
    rows = exports.trainee_rows(report) if table == "trainees" else exports.case_rows(report)
    return exports.csv_response(f"{cohort.name}-{table}", rows)
