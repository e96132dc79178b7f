"""What to practise next."""

from django.db.models import OuterRef, Subquery

from cases.models import Case
from sinsquiz import sins
from sinsquiz.models import Attempt

ALL_COMPONENTS = len(sins.COMPONENTS)


def next_case_for(user) -> Case | None:
    """A published case the trainee has not tried yet; then the one they last got wrong longest ago.

    All six components right implies the total, and so the category, are right too.
    """
    published = Case.objects.published()
    mine = Attempt.objects.submitted().of(user)
    fresh = published.exclude(pk__in=mine.values("case")).order_by("difficulty", "title", "pk").first()
    if fresh:
        return fresh
    latest = mine.filter(case=OuterRef("pk")).order_by("-submitted")
    return (
        published.annotate(
            last_right=Subquery(latest.values("components_right")[:1]),
            last_submitted=Subquery(latest.values("submitted")[:1]),
        )
        .filter(last_right__lt=ALL_COMPONENTS)
        .order_by("last_submitted", "pk")
        .first()
    )
