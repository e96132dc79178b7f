from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from cases.models import PublicCase
from sinsquiz.http import AuthenticatedHttpRequest
from sinsquiz.problems import reports
from sinsquiz.problems.access import get_report_for_user
from sinsquiz.problems.forms import AnswerForm, ReportForm
from sinsquiz.problems.models import may_answer
from sinsquiz.templatetags.formatting import person
from sinsquiz.training.access import get_attempt_for_user, is_kept_for_assessment


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A trainee reports a problem with the case of their committed attempt. With htmx the answer is the feedback
    page's reports part, thanks included; without, this is a page of its own, and a report sent goes back to the
    feedback."""
    attempt = get_attempt_for_user(request, pk, to_change=True)
    if not reports.may_report(request.user, attempt):  # a draft, or feedback an assessment still withholds
        raise Http404("No committed attempt of yours to report from.")
    form = ReportForm(request.POST or None)
    reported = False
    if form.is_valid():
        try:
            reports.file(attempt, **form.cleaned_data)
        except reports.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            if not request.htmx:
                messages.success(request, "Thank you: your report is sent to your educators.")
                return redirect(f"{attempt.get_absolute_url()}#problem-reports")
            form, reported = None, True
    context = reports.on_feedback(request.user, attempt, form, reported=reported, case=PublicCase.of(attempt.case))
    template = "problems/includes/reports.html" if request.htmx else "problems/report.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def problem(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One report: its reporter reads it with the answer; an educator who follows the reporter answers and closes it."""
    report = get_report_for_user(request, pk, to_answer=request.method == "POST")
    if not (report.case.is_published or request.user.is_staff):  # its draft is the educators' until published
        return render(request, "training/withdrawn.html", {"submitted": report.attempt.submitted})
    if is_kept_for_assessment(request.user, report.attempt):  # its answer may tell the reference
        return render(request, "training/held_back.html", {"case": PublicCase.of(report.case)})
    form = AnswerForm(request.POST or None, initial={"answer": report.answer, "close": report.is_open})
    if form.is_valid():
        reports.answer(report, text=form.cleaned_data["answer"].strip(), close=form.cleaned_data["close"],
                       by=request.user)  # fmt: skip
        reporter = person(report.reporter)
        said = [f"{reporter} sees your answer on the feedback it was sent from"] if report.answer else []
        said += ["the report is closed"] if not report.is_open else []
        messages.success(request, f"Saved: {' and '.join(said) or 'nothing changed'}.")
        return redirect("home")
    return render(
        request, "problems/problem.html", {"report": report, "form": form if may_answer(request.user) else None}
    )
