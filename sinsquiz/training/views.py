from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, replace_url

from cases.access import get_case_for_user
from cases.models import Case, PublicCase, public_series
from sinsquiz import sins
from sinsquiz.http import AuthenticatedHttpRequest, HtmxHttpRequest, shown_page
from sinsquiz.templatetags.formatting import person
from sinsquiz.training import drafts, next_case, reviews
from sinsquiz.training.access import get_attempt_for_user, is_kept_for_assessment, is_withheld, results_open_to
from sinsquiz.training.feedback import key_images, regrading_notes, spine_levels
from sinsquiz.training.forms import CalculatorForm, CaseListForm, ReadingForm
from sinsquiz.training.models import Attempt, done_by, last_result_by, started_by

CASES_PER_PAGE = 12


@require_GET
def home(request: AuthenticatedHttpRequest, extra: dict | None = None) -> HttpResponse:
    """A trainee's home: what is left to try, drafts to continue, the latest feedback (sinsquiz.views.home
    routes educators to theirs, and adds in `extra` what other apps show here)."""
    user = request.user
    published = Case.objects.published()
    held_back = next_case.held_back_cases(user)  # an open assessment's cases count there, not here
    kept = Q(pk__in=held_back)
    counts = published.aggregate(
        total=Count("pk", filter=~kept),
        done=Count("pk", filter=Q(done_by(user)) & ~kept),
        kept=Count("pk", filter=kept),
    )
    drafts = Attempt.objects.of(user).started().filter(case__in=published).exclude(case__in=held_back)
    started = list(drafts.select_related("case")[:5])
    # Only what a trainee may see of each case, and when the draft was saved: never the Attempt with its case.
    recent = list(results_open_to(user).select_related("case")[:5])
    return render(
        request,
        "training/home.html",
        {
            "left": counts["total"] - counts["done"],
            "total": counts["total"],
            "kept": counts["kept"],
            "drafts": [(PublicCase.of(draft.case), draft.saved) for draft in started],
            "recent": recent,
            "due_reviews": reviews.due_for(user),
            # Nothing answered yet: the page says how the quiz works.
            "first_visit": not started and not Attempt.objects.submitted().of(user).exists(),
            **(extra or {}),
        },
    )


@login_not_required
@require_GET
@vary_on_headers("HX-Request")
def calculator(request: HtmxHttpRequest) -> HttpResponse:
    """A public SINS calculator. It stores nothing, so its choices travel in the address (a result can be
    bookmarked or shared); htmx asks on every change and swaps in the result partial."""
    form = CalculatorForm(request.GET or None)
    # Back, when htmx has no copy of the page, asks for the whole page; a change only for the result.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "training/calculator.html#result" if partial else "training/calculator.html"
    context = {"form": form, "calculation": form.calculation(), "categories": sins.CATEGORIES, "oob": partial}
    return render(request, template, context)


@dataclass(frozen=True)
class CaseCard:
    """A case in the list: what a trainee may see of it, and where they stand with it."""

    case: PublicCase
    in_progress: bool  # a draft with answers
    last_right: int | None  # their latest commit: components right, or None before a first commit
    last_category_right: bool | None
    under_triage: bool


@require_GET
@vary_on_headers("HX-Request")
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = CaseListForm(request.GET or None)
    visible = Case.objects.visible_to(user)
    held_back = next_case.held_back_cases(user)
    cases = form.filter_for(visible.exclude(pk__in=held_back), user)
    cases = cases.with_cover().annotate(
        done=done_by(user), in_progress=started_by(user), **last_result_by(results_open_to(user))
    )
    page = Paginator(cases.prefetch_related("series"), CASES_PER_PAGE).get_page(request.GET.get("page"))
    # Only what a trainee may see of each case, never the Case with its reference.
    page.object_list = [
        CaseCard(
            PublicCase.of(
                case,
                cover=case.cover or "",
                modalities=tuple(dict.fromkeys(s.get_modality_display() for s in case.series.all())),
                done=case.done,
            ),
            in_progress=case.in_progress,
            last_right=case.last_right,
            last_category_right=case.last_category_right,
            under_triage=case.last_consultation == Attempt.Consultation.UNDER_TRIAGE,
        )
        for case in page.object_list
    ]
    # Back (htmx's history restore request) wants the whole page; a filter's change only the results.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "training/case_list.html#results" if partial else "training/case_list.html"
    kept = form.filter_for(visible.filter(pk__in=held_back), user).count() if held_back else 0
    response = render(request, template, {"form": form, "page": page, "kept": kept, "oob": partial})
    if partial and _only_the_search_changed(request):
        replace_url(response, request.get_full_path())  # one history entry for the search, not one per pause
    return response


def _only_the_search_changed(request: HtmxHttpRequest) -> bool:
    """Is this request the list the page shows now with other search text (typing), or the same again?"""
    shown = shown_page(request)
    if not shown or urlsplit(shown).path != request.path:
        return False
    before, now = QueryDict(urlsplit(shown).query, mutable=True), request.GET.copy()
    for query in (before, now):
        query.pop("q", None)
    return before == now


@require_GET
@cache_control(no_store=True, private=True)  # not kept for Back: after a commit, an editable copy of a frozen reading
def case_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The case with its images, history and the scoring panel (the trainee's draft, opened here)."""
    case = get_case_for_user(request, slug)
    if case.pk in next_case.held_back_cases(request.user):
        return render(request, "training/held_back.html", {"case": PublicCase.of(case)})
    draft = drafts.open_draft(request.user, case)
    form = ReadingForm(initial=draft.answers(), asks_escc=case.asks_escc)
    return render(request, "training/case.html", _case_context(request, case, _panel_context(draft, form)))


def _panel_context(attempt: Attempt, form: ReadingForm) -> dict:
    # Only the attempt's id: the object would bring its case, and with it the reference, into the context.
    return {"attempt_id": attempt.pk, "form": form, "running": form.running()}


def _earlier(trainee, case):
    """The trainee's submitted attempts at the case, newest first."""
    return Attempt.objects.of(trainee).filter(case=case).submitted().order_by("-submitted")


def _case_context(request, case: Case, panel: dict) -> dict:
    """Everything the case page shows before the commit: the history and images, never the reference."""
    return {
        "case": PublicCase.of(case),
        "series_list": public_series(case),
        # Their ids and dates only: an earlier attempt carries its reference snapshot.
        "earlier": _earlier(request.user, case).values("pk", "submitted"),
        **panel,
    }


@require_POST
def autosave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Autosave: store whatever is valid in the draft and answer with the running total."""
    attempt = get_attempt_for_user(request, pk, to_change=True)
    if attempt.is_submitted:
        return _already_committed(request, attempt)
    form = ReadingForm(request.POST, initial=attempt.answers(), asks_escc=attempt.case.asks_escc)
    if not drafts.save_draft(attempt, form.valid_values()):
        return _already_committed(request, attempt)
    # A refused value (a tampered post, a stale page) is named, and the answer saved before it is kept.
    problems = form.problems()
    if not request.htmx:
        for problem in problems:
            messages.error(request, problem)
        messages.success(request, "Your draft is saved." if not problems else "The rest of your draft is saved.")
        return redirect(f"{attempt.case.get_absolute_url()}#scoring")
    return render(
        request, "training/case.html#autosaved", {"running": form.running(), "saved": True, "problems": problems}
    )


@require_POST
@cache_control(no_store=True, private=True)  # an incomplete commit draws the case page again, as the case page
def commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = get_attempt_for_user(request, pk, to_change=True)
    if attempt.is_submitted:
        return _already_committed(request, attempt)
    case = attempt.case
    form = ReadingForm(request.POST, asks_escc=case.asks_escc, committing=True)
    if not form.is_valid():
        drafts.save_draft(attempt, form.valid_values())
        if request.htmx:
            return render(request, "training/case.html#panel", _panel_context(attempt, form))
        return render(request, "training/case.html", _case_context(request, case, _panel_context(attempt, form)))
    try:
        attempt, _ = drafts.submit(attempt, form.cleaned_data)
    except drafts.NoReference:
        refusal = "This case has no complete expert reading yet, so it cannot be graded. Your draft is saved."
    except drafts.Refused as refused:  # a case set's rule (a deadline, say): nothing committed, the draft kept
        refusal = str(refused)
    else:
        return _go(request, attempt.next_url or attempt.get_absolute_url())
    messages.error(request, refusal)
    drafts.save_draft(attempt, form.cleaned_data)
    return _go(request, case.get_absolute_url())


def _already_committed(request, attempt: Attempt) -> HttpResponse:
    messages.info(request, "This reading was already committed; here is its feedback.")
    return _go(request, attempt.get_absolute_url())


def _go(request, url: str) -> HttpResponse:
    """Change page: a redirect, or for htmx a client-side redirect so the whole page changes."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
# The reference is on this page, and the pages shown instead of it open later: no browser or proxy keeps a copy.
@cache_control(no_store=True, private=True)
def feedback(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The feedback on a committed attempt, graded from its own snapshot of the reference."""
    attempt = get_attempt_for_user(request, pk)
    if not attempt.is_submitted:
        return redirect(attempt.case.get_absolute_url())
    if closed := _feedback_closed(request, attempt):
        return render(request, *closed)
    grade = attempt.grade()
    series_list = public_series(attempt.case)
    shown = key_images(series_list, grade, attempt.reference)
    # Whose reading it is, when it is not the reader's own (an educator's view).
    own = attempt.trainee_id == request.user.pk
    reader = "" if own else person(attempt.trainee)
    earlier = _earlier(attempt.trainee_id, attempt.case_id).only(
        "submitted", "components_right", "category", "case_version", "first_try"
    )
    return render(
        request,
        "training/feedback.html",
        {
            "attempt": attempt,
            "reader": reader,
            "case": PublicCase.of(attempt.case),
            "series_list": series_list,
            "reference": attempt.reference,
            "teaching": attempt.reference.get("teaching")
            or {"points": attempt.case.teaching_points, "discussion": attempt.case.discussion},
            "grade": grade,
            "results": [(result, shown.get(result.item)) for result in grade.items],
            "spine": spine_levels(grade.item("level").reference, attempt.level),
            "locations": sins.LOCATION.options,
            # The trainee's own list leaves out what an assessment still withholds (an educator sees every one).
            "earlier": (earlier.released() if own else earlier).with_regrades(),
            **_next_step(request),
            "regrading": regrading_notes(attempt, grade),
        },
    )


def _feedback_closed(request, attempt: Attempt) -> tuple[str, dict] | None:
    """The page a trainee sees instead of the attempt's feedback, as (template, context); None when it is open."""
    if not (attempt.case.is_published or request.user.is_staff):
        # Unpublished since: its draft's text and images are the educators' until it is published again.
        return "training/withdrawn.html", {"submitted": attempt.submitted}
    if is_kept_for_assessment(request.user, attempt):
        return "training/held_back.html", {"case": PublicCase.of(attempt.case)}
    if is_withheld(request, attempt):
        case, opens = PublicCase.of(attempt.case), attempt.feedback_from
        return "training/withheld.html", {"case": case, "feedback_from": opens}
    return None


@require_GET
def practise_next(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The next case to practise; `?focus=collapse` starts or carries on a practice run on one SINS component."""
    focus = request.GET.get("focus")
    if focus in sins.COMPONENTS_BY_NAME:
        run = next_case.PracticeRun.carried_on(request.session, focus)
        if open_case := run.still_open(request.user):  # asked again before committing: the same case
            return redirect(open_case.get_absolute_url())
        case = None if run.done else next_case.focused_on(request.user, focus, exclude=run.cases)
        if case is None and run.cases:  # the run is done, or no case is left to practise the component on
            next_case.PracticeRun.end(request.session)
            name, served = run.component.short_label.lower(), len(run.cases)
            messages.success(
                request,
                f"Practice run on {name} done: {run.right(request.user)} of {served} right. It counts in your learning "
                "curve; the figures compared with the studies count only your first reading of each case.",
            )
            return redirect("progress")
        if case:
            run.serving(case).keep(request.session)
    else:
        next_case.PracticeRun.end(request.session)
        case = next_case.for_trainee(request.user)
    if case is None:
        messages.success(request, "You have answered every case, and got every one right last time. Well done.")
        return redirect("case-list")
    return redirect(case.get_absolute_url())


def _next_step(request) -> dict:
    """Where the feedback's main button goes: back to a case set (`?next=`, a path of this site; a sitting still
    under way has its own "Next case of the set"), or on in practice."""
    if (wanted := request.GET.get("next", "")) and url_has_allowed_host_and_scheme(wanted, allowed_hosts=None):
        return {"next_url": wanted, "next_label": "Back to the set"}
    run = next_case.PracticeRun.in_session(request.session)
    if not run:
        return {"next_url": reverse("next-case"), "next_label": "Next case"}
    # Past the run's last case, the way on is its summary.
    label = "How the run went" if run.done and not run.still_open(request.user) else "Next case"
    return {"next_url": f"{reverse('next-case')}?focus={run.focus}", "next_label": label}
