from django import template

from sinsquiz.training.next_case import PracticeRun

register = template.Library()


@register.simple_tag(takes_context=True)
def practice_run(context) -> PracticeRun | None:
    """The practice run under way in this visitor's session, if any."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return PracticeRun.in_session(request.session)
