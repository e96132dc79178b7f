from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.models import Case
from sinsquiz.http import AuthenticatedHttpRequest, HtmxHttpRequest
from sinsquiz.problems.models import ProblemReport
from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment
from sinsquiz.sets.overview import assigned_sets
from sinsquiz.training import next_case, regrading
from sinsquiz.training import views as training
from sinsquiz.training.models import Attempt

# How many rows each list on the educator's home shows; the rest are a link away.
SHOWN = 8
ACTIVE_DAYS = 7
# How long an educator's answer to a trainee's problem report stays on the trainee's home.
ANSWERS_DAYS = 14


@login_not_required
@require_GET
def favicon(request: HtmxHttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return redirect(static("sinsquiz/icon.svg"))


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An educator's home is their cohorts and their cases; a trainee's is their practice. The project routes
    it, because an educator's home reads every app (training may not read cohorts)."""
    if request.user.is_staff:
        return educator_home(request)
    answers = (
        ProblemReport.objects.of(request.user)
        .answered_since(timezone.now() - timedelta(days=ANSWERS_DAYS))
        .filter(case__in=Case.objects.published())  # a withdrawn case's draft is the educators' for now
        # An answer may tell the reference: none on a case an assessment keeps for itself.
        .exclude(case__in=next_case.held_back_cases(request.user, answering_too=True))
    )
    return training.home(
        request,
        {
            "case_sets": assigned_sets(request.user),
            "report_answers": answers.select_related("case", "answered_by")[:SHOWN],
        },
    )


def educator_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    since = timezone.now() - timedelta(days=ACTIVE_DAYS)
    cohorts = Cohort.objects.for_educator(user).with_activity(since)
    commits = Attempt.objects.visible_to(user).submitted().exclude(trainee=user).select_related("trainee", "case")
    drafts = Case.objects.drafts().select_related("author").order_by("-updated")
    # The open reports of the trainees they follow (their own, if they report, are not theirs to answer).
    reports = ProblemReport.objects.visible_to(user).open().exclude(reporter=user)
    return render(
        request,
        "educator_home.html",
        {
            "cohorts": cohorts,
            "active_days": ACTIVE_DAYS,
            "commits": commits[:SHOWN],
            "ungradable": Case.objects.published().unfinishable().order_by("-updated")[:SHOWN],
            "to_regrade": regrading.awaiting_choice(SHOWN),
            "to_review": drafts.exclude(author=user)[:SHOWN],
            "own_drafts": drafts.filter(author=user)[:SHOWN],
            "shown": SHOWN,
            "problem_reports": reports.select_related("reporter", "case")[:SHOWN],
            "open_reports": reports.count(),
            "case_sets": Assignment.objects.for_educator(user)
            .filter(closes__gte=since)
            .select_related("case_set")[:SHOWN],
        },
    )
