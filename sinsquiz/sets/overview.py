"""What a trainee sees of their sets: on the home page, on a set's page, and above a case they answer in one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cases.models import Case, PublicCase
from sinsquiz.sets import sittings
from sinsquiz.sets.models import Assignment, SetAnswer, Sitting
from sinsquiz.training import access
from sinsquiz.training.models import Attempt

# A closed set stays on the home page this long once its results are out.
RECENTLY_CLOSED = timedelta(days=14)


def day(moment: datetime, now: datetime) -> str:
    """ "today, 17:00", "Friday", "3 March": near dates by name."""
    moment, today = timezone.localtime(moment), timezone.localtime(now).date()
    if moment.date() == today:
        return f"today, {moment:%H:%M}"
    if timedelta(0) < moment.date() - today < timedelta(days=7):
        return date_format(moment, "l")
    return date_format(moment, "j F" if moment.year == today.year else "j F Y")


@dataclass(frozen=True)
class AssignedSet:
    """A set on a trainee's home page, with how far they are."""

    assignment: Assignment
    total: int
    done: int
    state: str  # "upcoming", "open", "time up", "finished", "closed"
    when: str  # "closes Friday", "opens 3 March", "closed Monday"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def state_of(assignment: Assignment, sitting: Sitting | None, now) -> str:
    if now < assignment.opens:
        return "upcoming"
    if sitting and sitting.finished:
        return "finished"
    if now >= assignment.closes:
        return "closed"
    if sitting and now >= sitting.deadline:
        return "time up"
    return "open"


def assigned_sets(trainee, now=None) -> list[AssignedSet]:
    """The trainee's sets that are open or upcoming, and those closed lately whose results are out."""
    now = now or timezone.now()
    assignments = (
        Assignment.objects.for_trainee(trainee)
        .filter(closes__gt=now - RECENTLY_CLOSED)
        .select_related("case_set")
        .annotate(total=Count("case_set__items", distinct=True))
        .order_by("closes", "pk")
    )
    sittings_of = Sitting.objects.filter(trainee=trainee, assignment__in=assignments).select_related("assignment")
    mine = {s.assignment_id: s for s in sittings_of.annotate(done=Count("answers"))}
    shown = []
    for assignment in assignments:
        sitting = mine.get(assignment.pk)
        state = state_of(assignment, sitting, now)
        if now >= assignment.closes and not (sitting and released(sitting, now)):
            continue  # closed, and nothing to show yet
        if state == "upcoming":
            when = f"opens {day(assignment.opens, now)}"
        elif now >= assignment.closes:
            when = f"closed {day(assignment.closes, now)}"
        else:  # the trainee's own deadline while their sitting runs; the set's close once it has ended
            counting = sitting and sittings.counts(sitting, now)
            when = f"closes {day(sitting.deadline if counting else assignment.closes, now)}"
        shown.append(AssignedSet(assignment, assignment.total, sitting.done if sitting else 0, state, when))
    return shown


def released(sitting: Sitting, now) -> bool:
    """Whether the sitting's results are the trainee's to see."""
    return not sitting.assignment.is_assessment or now >= sittings.released_from(sitting)


@dataclass(frozen=True)
class Row:
    """A case of a sitting, as its set page lists it."""

    position: int
    case: PublicCase
    status: str  # "answered", "to do", "late — not counted", "not answered", "withdrawn"
    attempt_id: int | None
    components_right: int | None  # None while results are withheld


def rows(sitting: Sitting, now) -> list[Row]:
    answers = {a.case_id: a.attempt for a in sitting.answers.select_related("attempt")}
    cases = Case.objects.in_bulk(sitting.order)
    over = not sittings.counts(sitting, now)
    late = set(
        Attempt.objects.of(sitting.trainee_id)
        .started()
        .filter(case__in=sitting.order, saved__gte=sitting.started, started__lt=sitting.deadline)
        .values_list("case", flat=True)
    )
    show = released(sitting, now)
    # An answer an assessment ahead keeps closed (this set's, or a baseline's at its retest) shows no score either.
    kept = set(access.kept_for_assessment(sitting.trainee, now).values_list("pk", flat=True)) if show else set()
    listed = []
    for position, pk in enumerate((pk for pk in sitting.order if pk in cases), 1):
        attempt = answers.get(pk)
        if attempt:
            status = "answered"
        elif not cases[pk].is_published:  # unpublished since the set was assigned: no longer to be answered
            status = "withdrawn"
        elif over:
            status = "late — not counted" if pk in late else "not answered"
        else:
            status = "to do"
        right = attempt.components_right if attempt and show and attempt.pk not in kept else None
        case = replace(PublicCase.of(cases[pk]), title=cases[pk].title_for_trainees)
        listed.append(Row(position, case, status, attempt and attempt.pk, right))
    return listed


@dataclass(frozen=True)
class SittingBar:
    """Above a case answered in a sitting: "Case 4 of 20", and the time left when there is a limit; above the
    feedback of an answer counted in one: "4 of 20 answered"."""

    assignment: Assignment
    position: int | None  # the case's place in the sitting; None above a feedback
    total: int
    deadline: datetime | None  # shown as a countdown in a timed sitting
    answered: int | None = None  # above a feedback: how many of the sitting's cases are answered

    @property
    def next_url(self) -> str:
        return reverse("set-next", args=[self.assignment.pk])

    @property
    def seconds_left(self) -> int:
        """What the countdown starts from: the server's clock, not the device's, which may be minutes out."""
        return max(0, int((self.deadline - timezone.now()).total_seconds())) if self.deadline else 0


def bar_for_case(trainee, case_slug: str, now=None) -> SittingBar | None:
    """The trainee's sitting under way that holds this case, still unanswered."""
    now = now or timezone.now()
    under_way = Sitting.objects.filter(trainee=trainee).under_way(now).select_related("assignment__case_set")
    case = Case.objects.filter(slug=case_slug).values_list("pk", flat=True).first()
    for sitting in sorted(under_way, key=lambda s: not s.assignment.is_assessment):  # where a commit counts
        if case in sitting.order and not sitting.answers.filter(case=case).exists():
            return SittingBar(  # the case's number in the set, as its page lists it, whichever order it is taken in
                sitting.assignment, sitting.order.index(case) + 1, len(sitting.order), countdown_to(sitting, now)
            )
    return None


def bar_after_answer(trainee, attempt_id: int, now=None) -> SittingBar | None:
    """The trainee's sitting under way that counted this attempt: how far through it they are."""
    now = now or timezone.now()
    counted_in = SetAnswer.objects.filter(attempt=attempt_id).values("sitting")
    sitting = (
        Sitting.objects.filter(trainee=trainee, pk__in=counted_in)
        .under_way(now)
        .select_related("assignment__case_set")
        .annotate(done=Count("answers"))
        .first()
    )
    if sitting is None:
        return None
    return SittingBar(sitting.assignment, None, len(sitting.order), countdown_to(sitting, now), answered=sitting.done)


def countdown_to(sitting: Sitting, now) -> datetime | None:
    """The deadline the bar counts down to: in a timed sitting, and in any sitting's last hour."""
    timed = sitting.assignment.time_limit or sitting.deadline - now < timedelta(hours=1)
    return sitting.deadline if timed else None
