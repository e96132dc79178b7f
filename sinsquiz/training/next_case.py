"""What to practise next, and the practice runs on one SINS component."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.dispatch import Signal
from django.utils import timezone

from cases.models import Case
from sinsquiz import sins
from sinsquiz.training import access
from sinsquiz.training.models import Attempt

ALL_COMPONENTS = len(sins.COMPONENTS)

# Sent with `trainee` and `now`; each receiver returns ids of cases the trainee may not practise or open at the moment
# (case sets hold back the cases of an assessment that has not closed: they are answered in the set). Training never
# imports the receivers.
held_back = Signal()


def held_back_cases(user, now=None, *, answering_too: bool = False) -> set[int]:
    """Ids of the cases the trainee may not practise now; `answering_too`: with those they are answering in an
    assessment's sitting under way, whose page is open to them but nothing said of their reference."""
    answers = held_back.send(sender=Case, trainee=user, now=now or timezone.now(), answering_too=answering_too)
    return {pk for _, ids in answers for pk in ids}


def for_trainee(user, exclude=()) -> Case | None:
    """A published case the trainee has not tried yet; then the one they last got wrong longest ago; none of
    the cases in `exclude` (ids).

    All six components right implies the total, and so the category, are right too.
    """
    published = Case.objects.published().exclude(pk__in={*exclude, *held_back_cases(user)})
    mine = Attempt.objects.submitted().of(user)
    fresh = published.exclude(pk__in=mine.values("case")).order_by("difficulty", "title", "pk").first()
    if fresh:
        return fresh
    # Only results the trainee may see: serving a withheld assessment answer as "missed" would tell its score.
    latest = access.results_open_to(user).filter(case=OuterRef("pk")).order_by("-submitted")
    return (
        published.annotate(
            last_right=Subquery(latest.values("components_right")[:1]),
            last_submitted=Subquery(latest.values("submitted")[:1]),
        )
        .filter(last_right__lt=ALL_COMPONENTS)
        .order_by("last_submitted", "pk")
        .first()
    )


def focused_on(user, focus: str, exclude=()) -> Case | None:
    """The next case for practising one SINS component: cases whose reference answer for it lies on either
    side of the trainee's mistakes, an answer they missed or one they gave instead (with no mistakes yet, any
    answer), so that the run mixes them and a case's coming does not tell which is its answer; untried ones
    first, then those last answered wrongly on that component; none of the cases in `exclude` (ids). Falls back
    to for_trainee()."""
    component = sins.COMPONENTS_BY_NAME[focus]
    tried = Attempt.objects.submitted().of(user)
    mine = access.results_open_to(user)  # withheld or kept results tell nothing, not even which answers were missed
    mistakes = mine.filter(**{f"{focus}_correct": False}).values_list(f"reference_{focus}", focus).distinct()
    targets = {answer for mistake in mistakes for answer in mistake} or {option.code for option in component.options}
    candidates = (
        Case.objects.published()
        .filter(readings__is_primary=True, **{f"readings__{focus}__in": targets})
        .exclude(pk__in={*exclude, *held_back_cases(user)})
    )
    fresh = candidates.exclude(pk__in=tried.values("case")).order_by("difficulty", "title", "pk").first()
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
    return wrong_again or for_trainee(user, exclude)


# A practice run is this many cases: enough to see a pattern, few enough for one sitting.
RUN_LENGTH = 5


@dataclass(frozen=True)
class PracticeRun:
    """A run of cases chosen to practise one SINS component, kept in the trainee's session."""

    focus: str  # the component's name
    started: str  # ISO time: the run's commits are the ones after it
    cases: tuple[int, ...] = ()  # the ids of the cases given so far; the last is the one under way
    length: int = RUN_LENGTH

    SESSION_KEY = "practice"

    @classmethod
    def start(cls, focus: str) -> PracticeRun:
        return cls(focus, timezone.now().isoformat())

    @classmethod
    def in_session(cls, session) -> PracticeRun | None:
        """The run under way, if any (a run the session cannot read any more, from older code, is none)."""
        kept = session.get(cls.SESSION_KEY)
        try:
            run = cls(kept["focus"], kept["started"], tuple(kept["cases"]), kept["length"])
        except (TypeError, KeyError):
            return None
        return run if run.focus in sins.COMPONENTS_BY_NAME else None

    @classmethod
    def carried_on(cls, session, focus: str) -> PracticeRun:
        """The run on `focus` under way, or a new one (asking for another component starts afresh)."""
        run = cls.in_session(session)
        return run if run and run.focus == focus else cls.start(focus)

    def keep(self, session) -> None:
        session[self.SESSION_KEY] = {
            "focus": self.focus,
            "started": self.started,
            "cases": list(self.cases),
            "length": self.length,
        }

    @classmethod
    def end(cls, session) -> None:
        session.pop(cls.SESSION_KEY, None)

    @property
    def component(self) -> sins.Component:
        return sins.COMPONENTS_BY_NAME[self.focus]

    @property
    def position(self) -> int:
        """Which case of the run is under way, from 1."""
        return len(self.cases)

    @property
    def done(self) -> bool:
        return self.position >= self.length

    def serving(self, case: Case) -> PracticeRun:
        return replace(self, cases=(*self.cases, case.pk))

    def _attempts(self, user):
        since = datetime.fromisoformat(self.started)
        return Attempt.objects.submitted().of(user).filter(case__in=self.cases, submitted__gte=since)

    def still_open(self, user) -> Case | None:
        """The case under way, while the trainee has still to commit it (asking for the next one gives it again)."""
        if not self.cases or self._attempts(user).filter(case=self.cases[-1]).exists():
            return None
        return Case.objects.published().filter(pk=self.cases[-1]).first()

    def right(self, user) -> int:
        """Of the run's cases, how many the trainee's first commit in the run got right on the component."""
        first = {}
        released = self._attempts(user).released().order_by("submitted")
        for case, correct in released.values_list("case", f"{self.focus}_correct"):
            first.setdefault(case, correct)
        return sum(bool(correct) for correct in first.values())
