"""The reports parts of training's pages, drawn only where a page asks for them (training knows nothing of
reports): the whole reports on the feedback of a trainee's own commit, an outline on a case page."""

from django import template

from sinsquiz.problems.models import ProblemReport
from sinsquiz.problems.reports import on_feedback

register = template.Library()


@register.inclusion_tag("problems/includes/reports.html", takes_context=True)
def reports_on_feedback(context, attempt) -> dict:
    """The user's reports on the attempt's case, with the educators' answers, and the form to report another.
    Nothing on an educator's view of a trainee's feedback: the trainee's reports are on the educator's pages."""
    user = context["request"].user
    return on_feedback(user, attempt) if attempt.trainee_id == user.pk else {}


@register.inclusion_tag("problems/includes/reports.html#case-outlines", takes_context=True)
def report_outlines(context, slug: str) -> dict:
    """An outline of the user's reports on the case (kind, date, status), never their text or answers, which may
    state the reference before the new reading is committed."""
    reports = ProblemReport.objects.of(context["request"].user).filter(case__slug=slug)
    return {"report_outlines": reports.outlines()}
