"""Writes for case sets: starting a sitting, counting a commit in it, finishing it.

Training knows nothing of sets: `record_commit` answers training's `drafts.committed` signal, inside the commit's
transaction, so a commit a set refuses is undone and its draft kept.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cases.models import Case
from sinsquiz.sets.models import Assignment, SetCase, Sitting
from sinsquiz.training.drafts import Refused
from sinsquiz.training.models import Attempt

# A reading of a sitting's case begun before the sitting's time ran out and committed up to this long after the set
# closes is refused as late (and its draft shown so on the set's page), not taken as practice: the trainee learns
# it did not count. One begun later is practice.
LATE = timedelta(days=1)


class NotOpen(Exception):
    """The assignment is not open: a sitting cannot start."""


def when(moment) -> str:
    return date_format(timezone.localtime(moment), "l j F, H:i")


def start(assignment: Assignment, trainee, now=None) -> Sitting:
    """The trainee's sitting of the assignment, started now if it is not yet; safe when two tabs start at once."""
    now = now or timezone.now()
    if sitting := Sitting.objects.of(trainee, assignment):
        return sitting
    if not assignment.is_open(now):
        opens, closes = when(assignment.opens), when(assignment.closes)
        raise NotOpen(f"This set opens on {opens}." if now < assignment.opens else f"This set closed on {closes}.")
    order = list(assignment.case_set.items.order_by("position", "pk").values_list("case_id", flat=True))
    if assignment.case_set.shuffled or assignment.purpose == Assignment.Purpose.RETEST:
        # Seeded by the assignment and the trainee: the same order whenever it is worked out again. A retest is
        # always re-ordered, so that the trainee does not meet its cases as at the baseline.
        random.Random(f"{assignment.pk}:{trainee.pk}").shuffle(order)
    deadline = assignment.closes
    if assignment.time_limit:
        deadline = min(deadline, now + timedelta(minutes=assignment.time_limit))
    fields = {"started": now, "deadline": deadline, "order": order}
    return Sitting.objects.get_or_create(assignment=assignment, trainee=trainee, defaults=fields)[0]


def counts(sitting: Sitting, now) -> bool:
    """Whether a commit now counts in the sitting."""
    return sitting.finished is None and sitting.assignment.opens <= now < sitting.deadline


def released_from(sitting: Sitting):
    """When an assessment's results are the trainee's to see: at the close, or when they finish (at the latest
    when their time is up, since an unfinished sitting counts as it is)."""
    if sitting.assignment.feedback_at == Assignment.FeedbackAt.CLOSE:
        return sitting.assignment.closes
    return sitting.finished or sitting.deadline


def record_commit(sender, attempt: Attempt, **kwargs) -> str | None:
    """Count a committed attempt in the trainee's sitting that holds its case (an assessment's first); refuse it
    (Refused) when it is late, early, a second answer in an assessment, or of a case an assessment not started yet
    keeps. Returns where the trainee goes next (None: their feedback)."""
    now = attempt.submitted
    # Locked until the commit ends: a Finish in another tab waits for it, or it for the Finish.
    mine = Sitting.objects.select_for_update(of=("self",)).filter(trainee=attempt.trainee_id)
    sittings = [s for s in mine.select_related("assignment__case_set") if attempt.case_id in s.order]
    # An assessment's sittings first (each counts the commit, or refuses it), then a practice set's that counts it.
    for sitting in sorted(sittings, key=lambda s: (not s.assignment.is_assessment, not counts(s, now))):
        assignment = sitting.assignment
        answered = sitting.answers.filter(case=attempt.case_id).exists()
        title = assignment.title
        if counts(sitting, now) and not answered:
            if not assignment.is_assessment:
                _refuse_if_kept_for_an_assessment_not_started(attempt, now)
            return _count(sitting, attempt, now)
        if now < assignment.opens:
            raise Refused(f"“{title}” opens on {when(assignment.opens)}: this reading was not counted. "
                          "Your draft is kept.")  # fmt: skip
        if (
            not answered
            and not sitting.finished
            and attempt.started < sitting.deadline
            and now < assignment.closes + LATE
        ):
            raise Refused(f"“{title}” closed for you at {when(sitting.deadline)}: this reading came too late and "
                          "was not counted. Your draft is kept.")  # fmt: skip
        if not assignment.is_assessment or now >= max(released_from(sitting), assignment.closes):
            continue  # practice, or an assessment over for everyone: an ordinary attempt
        if answered:
            raise Refused(f"You have answered this case in “{title}” already: an assessment takes one attempt "
                          "per case. Your draft is kept, not counted.")  # fmt: skip
        raise Refused(f"You have finished “{title}”: this reading was not counted. Your draft is kept.")
    _refuse_if_kept_for_an_assessment_not_started(attempt, now)
    return None


def _refuse_if_kept_for_an_assessment_not_started(attempt: Attempt, now) -> None:
    unstarted = (
        assessments_ahead(attempt.trainee_id, now)
        .filter(case_set__items__case=attempt.case_id)
        .exclude(sittings__trainee=attempt.trainee_id)
        .select_related("case_set")
        .order_by("opens", "pk")  # an open one before one still to open
        .first()
    )
    if unstarted and unstarted.is_open(now):
        raise Refused(f"This case is part of “{unstarted.title}”, an assessment open to you now: answer it "
                      "there (Start it from your home page). Your draft is kept, not counted.")  # fmt: skip
    if unstarted:
        raise Refused(f"This case is part of “{unstarted.title}”, an assessment that opens on "
                      f"{when(unstarted.opens)}: answer it there. Your draft is kept, not counted.")  # fmt: skip


def assessments_ahead(trainee, now):
    """The assessments assigned to the trainee that have not closed at `now`: open, or still to open."""
    return Assignment.objects.for_trainee(trainee).filter(mode=Assignment.Mode.ASSESSMENT, closes__gt=now)


def held_back(sender, trainee, now, answering_too=False, **kwargs):
    """The cases of an assessment that has not closed are answered in the set, and nowhere else: not listed, not
    offered for practice, their page closed (next_case.held_back), from the day it is assigned until it closes.
    Only the cases the trainee is answering now, in their sitting under way, stay open to them (and are left out
    unless `answering_too`)."""
    ahead = SetCase.objects.filter(case_set__assignments__in=assessments_ahead(trainee, now))
    kept = set(ahead.values_list("case", flat=True))
    return kept - answering(trainee, now) if kept and not answering_too else kept


def unpublished(sender, cases, by, **kwargs) -> list[str]:
    """What the educator who unpublished `cases` should know: the assignments of their cohorts, not closed yet,
    that hold them, whose trainees now skip them (cases.models.unpublished)."""
    held = Assignment.objects.for_educator(by).filter(closes__gt=timezone.now(), case_set__items__case__in=cases)
    warnings = []
    for assignment in held.select_related("case_set").distinct().order_by("closes", "pk"):
        titles = SetCase.objects.filter(case_set=assignment.case_set_id, case__in=cases).values_list("case__title")
        names = ", ".join(f"“{title}”" for (title,) in titles)
        be, it = ("is", "it") if len(titles) == 1 else ("are", "them")
        warnings.append(
            f"{names} {be} in “{assignment.title}”, open until {when(assignment.closes)}: its trainees who have "
            f"not answered {it} yet now skip {it}; answers already given still count in its results. Publish {it} "
            f"again to put {it} back."
        )
    return warnings


def feedback_kept(sender, trainee, now, **kwargs) -> QuerySet[Attempt]:
    """While an assessment the trainee has ahead holds a case, their earlier readings' feedback stays closed:
    else its reference is a click away from a case they are still to answer (or to answer again, at a retest).
    The assessment's own answers follow its release rule instead (released_from)."""
    ahead = assessments_ahead(trainee, now)
    held = SetCase.objects.filter(case_set__assignments__in=ahead).values("case")  # a few cases, seldom any
    holding = ahead.filter(case_set__items__case=OuterRef("case")).exclude(sittings__answers__attempt=OuterRef("pk"))
    return Attempt.objects.of(trainee).filter(case__in=held).filter(Exists(holding))


def answering(trainee, now) -> set[int]:
    """The cases of the trainee's assessment sittings under way that they have not answered yet (a practice set
    opens no case an assessment keeps)."""
    cases = set()
    under_way = Sitting.objects.filter(trainee=trainee, assignment__mode=Assignment.Mode.ASSESSMENT).under_way(now)
    for sitting in under_way.prefetch_related("answers"):
        cases |= set(sitting.order) - {answer.case_id for answer in sitting.answers.all()}
    return cases


def _count(sitting: Sitting, attempt: Attempt, now) -> str:
    assignment = sitting.assignment
    try:
        with transaction.atomic():
            sitting.answers.create(case_id=attempt.case_id, attempt=attempt)
    except IntegrityError:  # the same case committed at the same moment from another draft
        raise Refused("You have answered this case in this set already. Your draft is kept, not counted.") from None
    if assignment.is_assessment:
        attempt.feedback_from = released_from(sitting)
        Attempt.objects.filter(pk=attempt.pk).update(feedback_from=attempt.feedback_from)
    if not next_case(sitting):
        finish(sitting, now)
    go_on = reverse("set-next", args=[assignment.pk])
    if assignment.is_assessment:
        return go_on
    return f"{attempt.get_absolute_url()}?next={go_on}"


def finish(sitting: Sitting, now=None) -> bool:
    """Finish the sitting (every case answered, or the trainee says so); False if it was already."""
    now = now or timezone.now()
    if sitting.finished or not Sitting.objects.filter(pk=sitting.pk, finished__isnull=True).update(finished=now):
        return False
    sitting.finished = now
    assignment = sitting.assignment
    if assignment.is_assessment and assignment.feedback_at == Assignment.FeedbackAt.FINISH:
        Attempt.objects.filter(set_answer__sitting=sitting).update(feedback_from=now)
    return True


def cases_left(sitting: Sitting) -> list[Case]:
    """The sitting's cases not answered yet and still published, in its order."""
    answered = set(sitting.answers.values_list("case", flat=True))
    left = [pk for pk in sitting.order if pk not in answered]
    cases = Case.objects.published().in_bulk(left)
    return [cases[pk] for pk in left if pk in cases]


def next_case(sitting: Sitting) -> Case | None:
    """The first case of the sitting's order not answered yet (and still published)."""
    return next(iter(cases_left(sitting)), None)


def reschedule(assignment: Assignment) -> None:
    """After an educator moves a set's close: the sittings' deadlines and the withheld results follow."""
    for sitting in assignment.sittings.all():
        deadline = assignment.closes
        if assignment.time_limit:
            deadline = min(deadline, sitting.started + timedelta(minutes=assignment.time_limit))
        if deadline != sitting.deadline:
            Sitting.objects.filter(pk=sitting.pk).update(deadline=deadline)
            sitting.deadline = deadline
        if assignment.is_assessment:
            Attempt.objects.filter(set_answer__sitting=sitting).update(feedback_from=released_from(sitting))
