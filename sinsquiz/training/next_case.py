"""What to practise next."""

from django.db.models import OuterRef, Subquery

from cases.models import Case
from sinsquiz import sins
from sinsquiz.training.models import Attempt

ALL_COMPONENTS = len(sins.COMPONENTS)


def for_trainee(user) -> Case | None:
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


def focused_on(user, focus: str) -> Case | None:
    """The next case for practising one SINS component: cases whose reference answer for it is one the
    trainee has got wrong before (or, with no mistakes yet, any answer that scores points); untried ones
    first, then those last answered wrongly on that component. Falls back to for_trainee()."""
    component = sins.COMPONENTS_BY_NAME[focus]
    mine = Attempt.objects.submitted().of(user)
    missed = set(mine.filter(**{f"{focus}_correct": False}).values_list(f"reference_{focus}", flat=True))
    targets = missed or {option.code for option in component.options if option.points}
    candidates = Case.objects.published().filter(readings__is_primary=True, **{f"readings__{focus}__in": targets})
    fresh = candidates.exclude(pk__in=mine.values("case")).order_by("difficulty", "title", "pk").first()
    if fresh:
        return fresh
    latest = mine.filter(case=OuterRef("pk")).order_by("-submitted")
    wrong_again = (
        candidates.annotate(
            last_correct=Subquery(latest.values(f"{focus}_correct")[:1]),
            last_submitted=Subquery(latest.values("submitted")[:1]),
        )
        .filter(last_correct=False)
        .order_by("last_submitted", "pk")
        .first()
    )
    return wrong_again or for_trainee(user)
