"""Regrading in the admin: the case's page says how many committed attempts were graded against an earlier
reference, and the educator keeps their grades or regrades them. The case admin is the library's (cases.admin),
extended here because the library knows nothing of attempts."""

from functools import partial

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods

from cases import admin as library
from cases.key_images import get_case_for_author
from cases.models import Case
from sinsquiz.templatetags.formatting import person
from sinsquiz.training import regrading
from sinsquiz.training.drafts import NoReference
from sinsquiz.training.models import RegradeDecision

CHOICES = {"keep": regrading.keep, "regrade": regrading.regrade}

admin.site.unregister(Case)


@admin.register(Case)
class CaseAdmin(library.CaseAdmin):
    change_form_template = "admin/training/case_change_form.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:case_id>/grades/<str:choice>/",
                wrap(partial(decide, model_admin=self)),
                name="cases_case_regrade",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["regrading"] = {
                "pending": regrading.pending(obj),
                "decisions": RegradeDecision.objects.filter(case=obj).select_related("by"),
                "may_decide": self.has_change_permission(request, obj),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)


@require_http_methods(["GET", "POST"])
def decide(request, case_id: int, choice: str, model_admin):
    """Confirm, then carry out, the educator's choice for the attempts graded against an earlier reference."""
    case = get_case_for_author(request, model_admin, case_id)
    change_url = reverse("admin:cases_case_change", args=[case.pk])
    if choice not in CHOICES:
        return HttpResponseRedirect(change_url)
    pending = regrading.pending(case)
    if request.method == "POST" and pending:
        try:
            count = CHOICES[choice](case, request.user)
        except regrading.AlreadyDecided as decided:
            messages.warning(request, str(decided))
        except NoReference:
            messages.error(request, "The case has no complete primary reading to regrade against: finish it first.")
        else:
            done = "Regraded" if choice == "regrade" else "Kept the grades of"
            messages.success(request, f"{done} {count} attempt{pluralize(count)}.")
        return HttpResponseRedirect(change_url)
    if not pending:
        messages.info(request, _nothing_to_decide(case, request.user))
        return HttpResponseRedirect(change_url)
    try:
        preview = regrading.preview(case, request.user) if choice == "regrade" else None
    except NoReference:
        preview = None  # the POST says so
    return TemplateResponse(
        request,
        "admin/training/regrade_confirm.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": Case._meta,
            "case": case,
            "pending": pending,
            "choice": choice,
            "preview": preview,
            "title": "Regrade the attempts?" if choice == "regrade" else "Keep the earlier grades?",
        },
    )


def _nothing_to_decide(case: Case, user) -> str:
    """Why there is no choice to make: someone made it (a page left open in another tab), or none was asked."""
    decided = RegradeDecision.objects.filter(case=case, version=case.version).select_related("by").first()
    if decided is None:
        return "No committed attempt is waiting for a choice about this case's reference."
    who = "You" if decided.by == user else person(decided.by) or "An educator"
    return (
        f"{who} already chose for version {decided.version} of the reference, on "
        f"{date_format(timezone.localtime(decided.created), 'j F Y, H:i')}: "
        f"{decided.get_choice_display().lower()}. Nothing more was done."
    )
