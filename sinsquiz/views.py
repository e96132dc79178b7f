from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cases.access import get_case_for_user
from cases.forms import CaseFilterForm
from cases.models import Case, PublicCase
from sinsquiz import practice, services, sins
from sinsquiz.access import get_attempt_for_user
from sinsquiz.forms import CalculatorForm, ReadingForm
from sinsquiz.http import AuthenticatedHttpRequest, HtmxHttpRequest
from sinsquiz.models import Attempt, done_by

CASES_PER_PAGE = 12


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    published = Case.objects.published()
    counts = published.aggregate(total=Count("pk"), done=Count("pk", filter=Q(done_by(user))))
    drafts = Attempt.objects.of(user).started().filter(case__in=published).select_related("case")[:5]
    recent = Attempt.objects.of(user).submitted().select_related("case")[:5]
    return render(
        request,
        "sinsquiz/home.html",
        {
            "left": counts["total"] - counts["done"],
            "total": counts["total"],
            "drafts": [(PublicCase.of(d.case), d) for d in drafts],
            "recent": recent,
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def calculator(request: HtmxHttpRequest) -> HttpResponse:
    """A public SINS calculator; htmx posts on every change and swaps in the result partial."""
    form = CalculatorForm(request.POST or None)
    template = "sinsquiz/calculator.html"
    if request.htmx:
        template += "#result"
    return render(
        request,
        template,
        {"form": form, "calculation": form.calculation(), "categories": sins.CATEGORIES, "live": bool(request.htmx)},
    )


# --- The library ----------------------------------------------------------------------------------


@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    cases = form.filter(Case.objects.visible_to(request.user)).with_cover().annotate(done=done_by(request.user))
    page = Paginator(cases.prefetch_related("series"), CASES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [
        PublicCase.of(
            case,
            cover=case.cover or "",
            modalities=tuple(dict.fromkeys(s.get_modality_display() for s in case.series.all())),
            done=case.done,
        )
        for case in page.object_list
    ]
    template = "sinsquiz/case_list.html#results" if request.htmx else "sinsquiz/case_list.html"
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@require_GET
def case_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The case with its images, history and the scoring panel (the trainee's draft, opened here)."""
    case = get_case_for_user(request, slug)
    attempt = services.open_draft(request.user, case)
    form = ReadingForm(instance=attempt, asks_escc=case.asks_escc)
    return render(request, "sinsquiz/case.html", _case_context(request, case, attempt, form))


def _case_context(request, case: Case, attempt: Attempt, form: ReadingForm) -> dict:
    earlier = Attempt.objects.of(request.user).submitted().filter(case=case)
    return {
        "case": PublicCase.of(case),
        "series_list": case.series.all(),
        "attempt": attempt,
        "form": form,
        "running": form.running(),
        "earlier": earlier,
    }


@require_POST
def attempt_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Autosave: store whatever is valid in the draft and answer with the running total."""
    attempt = get_attempt_for_user(request, pk, to_change=True)
    if attempt.is_submitted:
        return _already_committed(request, attempt)
    form = ReadingForm(request.POST, instance=attempt, asks_escc=attempt.case.asks_escc)
    if not services.save_draft(attempt, form.valid_values()):
        return _already_committed(request, attempt)
    if not request.htmx:
        messages.success(request, "Your draft is saved.")
        return redirect(f"{attempt.case.get_absolute_url()}#scoring")
    context = {"attempt": attempt, "form": form, "running": form.running(), "saved": True}
    return render(request, "sinsquiz/case.html#panel-status", context)


@require_POST
def attempt_commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = get_attempt_for_user(request, pk, to_change=True)
    if attempt.is_submitted:
        return _already_committed(request, attempt)
    case = attempt.case
    form = ReadingForm(request.POST, instance=attempt, asks_escc=case.asks_escc, committing=True)
    if not form.is_valid():
        services.save_draft(attempt, form.valid_values())
        if request.htmx:
            return render(request, "sinsquiz/case.html#panel", {"attempt": attempt, "form": form,
                                                                 "running": form.running(), "case": case})  # fmt: skip
        case = get_case_for_user(request, case.slug)
        return render(request, "sinsquiz/case.html", _case_context(request, case, attempt, form))
    try:
        attempt, _ = services.submit(attempt, form.cleaned_data)
    except services.NoReference:
        messages.error(request, "This case has no expert reading yet, so it cannot be graded. Your draft is saved.")
        services.save_draft(attempt, form.cleaned_data)
        return _go(request, case.get_absolute_url())
    return _go(request, attempt.get_absolute_url())


def _already_committed(request, attempt: Attempt) -> HttpResponse:
    messages.info(request, "This reading was already committed; here is its feedback.")
    return _go(request, attempt.get_absolute_url())


def _go(request, url: str) -> HttpResponse:
    """Change page: a redirect, or for htmx a client-side redirect so the whole page changes."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@never_cache
@require_GET
def attempt_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The feedback on a committed attempt, graded from its own snapshot of the reference."""
    attempt = get_attempt_for_user(request, pk)
    if not attempt.is_submitted:
        return redirect(attempt.case.get_absolute_url())
    case = Case.objects.for_viewer().get(pk=attempt.case_id)
    series_list = list(case.series.all())
    grade = attempt.grade()
    key_images = _key_images(series_list)
    earlier = Attempt.objects.submitted().filter(trainee=attempt.trainee, case=case)
    response = render(
        request,
        "sinsquiz/attempt.html",
        {
            "attempt": attempt,
            "case": case,
            "public": PublicCase.of(case),
            "series_list": series_list,
            "grade": grade,
            "results": [(result, key_images.get(result.key_slice)) for result in grade.items],
            "spine": spine_levels(grade.item("level").reference, attempt.level),
            "locations": sins.LOCATION.options,
            "earlier": earlier,
            "next_url": reverse("next-case"),
        },
    )
    # The reference is on this page: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store, private"
    return response


def _key_images(series_list) -> dict:
    """Slice id -> (series, 1-based image number, slice), from the already prefetched stacks."""
    return {
        slice_.pk: (series, number, slice_)
        for series in series_list
        for number, slice_ in enumerate(series.slices.all(), start=1)
    }


def spine_levels(reference_level: str, your_level: str | None) -> list[dict]:
    """The levels of the spine diagram, each with its location class and marks for the two readings."""
    return [
        {
            "code": level,
            "label": sins.level_label(level),
            "location": sins.location_for_level(level),
            "reference": level == reference_level,
            "yours": level == your_level,
            "y": 14 + index * 16,
        }
        for index, level in enumerate(sins.LEVELS)
    ]


@require_GET
def next_case(request: AuthenticatedHttpRequest) -> HttpResponse:
    case = practice.next_case_for(request.user)
    if case is None:
        messages.success(request, "You have answered every case, and got every one right last time. Well done.")
        return redirect("case-list")
    return redirect(case.get_absolute_url())
