"""Spaced repetition of what each trainee gets wrong: an FSRS review schedule per (trainee, case).

Each committed attempt rates the trainee's card for its case (`rating`, from the verdict columns the commit
stored) and the `fsrs` library (the FSRS algorithm, as Anki schedules) works out when the case is due again
(`schedule`). A review is a normal attempt at the case: it is graded and stored like any other, and first-try
statistics still count only first attempts.

The scheduler runs with the library's DEFAULT parameters (fsrs 6.3.2), not optimised per trainee:

- desired retention 0.9: a case comes back when the trainee would read it right nine times in ten;
- learning steps 1 and 10 minutes: a new card missed, or rated Hard or Good, is due again the same day;
- relearning step 10 minutes: a card in review that is missed is due again ten minutes later;
- maximum interval 36 500 days;
- fuzzing on: intervals of 3 days or more are moved by a day or so at random, so that cases read together
  do not all fall due together again.

Attempts whose feedback is withheld when they are committed (`Attempt.feedback_from` later than `submitted`: an
assessment) are not rated at all, then or later: rating them would move the schedule, and the home page would
tell the trainee how they did before the assessment says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from cases.models import Case, PublicCase
from sinsquiz import grading, sins
from sinsquiz.training import next_case
from sinsquiz.training.models import Attempt, ReviewCard

# The library's defaults (see above; tests/training/test_reviews.py checks them).
SCHEDULER = Scheduler()

# The items beside the six components that a reading also answers (ESCC only where the case asks for it).
OTHER_ITEMS = tuple(item for item in sins.READING_ITEMS if item not in grading.COMPONENT_NAMES)

# How a committed attempt rates the card: the first row that holds gives the rating. "Right" is only what the
# commit stored (components_right, category against reference_category, consultation, each item's column).
RATINGS: tuple[tuple[str, Callable[[Attempt], bool], Rating], ...] = (
    ("under-triage: the reference calls for a surgical opinion, the trainee's total would not",
        lambda a: a.consultation == Attempt.Consultation.UNDER_TRIAGE,                Rating.Again),
    ("category wrong",
        lambda a: a.category != a.reference_category,                                 Rating.Again),
    ("category right, a component wrong",
        lambda a: a.components_right < len(grading.COMPONENT_NAMES),                  Rating.Hard),
    ("every component right; the level, absent pedicle, Tomita or ESCC wrong",
        lambda a: any(a.correct(item) is False for item in OTHER_ITEMS),              Rating.Good),
    ("every item right",
        lambda a: True,                                                               Rating.Easy),
)  # fmt: skip


def rating(attempt: Attempt) -> Rating:
    """The FSRS rating of a committed attempt, by the RATINGS table: read from the verdict columns the commit
    stored, never by working SINS out again. A perfect reading is Easy, so that a case read right comes back in
    days (about eight, the first time) rather than minutes; anything short of it stays in the day's learning
    steps. (Under-triage always puts the category wrong too; it has its own row because it is the error that
    matters most.)"""
    return next(given for _, holds, given in RATINGS if holds(attempt))


def is_rated(attempt: Attempt) -> bool:
    """Whether the commit may move the schedule: submitted outside an assessment (an assessment's answers are never
    rated: their feedback came later, if at all, and rating them at commit would tell their result)."""
    return attempt.state == Attempt.State.SUBMITTED and attempt.submitted is not None and attempt.feedback_from is None


def schedule(attempt: Attempt) -> ReviewCard | None:
    """Rate the committed attempt and move the trainee's card for its case; None when it is not rated.

    The review time is the attempt's `submitted`. Two commits of the same case at once are both counted: the
    card's row is locked while it is read and written (and a card made at the same moment by another commit is
    read back and reviewed again). Should the later commit get the lock first, the earlier one is counted at the
    card's last review, so that the card never goes back in time.
    """
    if not is_rated(attempt):
        return None
    given = rating(attempt)
    with transaction.atomic():
        row = ReviewCard.objects.select_for_update().filter(trainee=attempt.trainee_id, case=attempt.case_id).first()
        if row is None:
            try:
                with transaction.atomic():
                    return _review(ReviewCard(trainee_id=attempt.trainee_id, case_id=attempt.case_id), attempt, given)
            except IntegrityError:  # another commit made the card meanwhile: review it after that one
                row = ReviewCard.objects.select_for_update().get(trainee=attempt.trainee_id, case=attempt.case_id)
        return _review(row, attempt, given)


def _review(row: ReviewCard, attempt: Attempt, given: Rating) -> ReviewCard:
    when = attempt.submitted.astimezone(dt.UTC)
    if row.pk is None:
        # A new card: its id is its creation time in milliseconds, as the library's own default makes it.
        card = Card(card_id=int(when.timestamp() * 1000), due=when)
    else:
        card = Card.from_dict(row.card)
        when = max(when, card.last_review or when)
    card, _ = SCHEDULER.review_card(card, given, review_datetime=when)
    row.card, row.due, row.rating, row.reviewed = card.to_dict(), card.due, int(given), when
    row.save()
    return row


def rebuild(trainee) -> int:
    """Make the trainee's cards again from their rated commits, oldest first; returns the cards made. For
    data written without the commit (the demo's back-dated history)."""
    ReviewCard.objects.filter(trainee=trainee).delete()
    for attempt in Attempt.objects.submitted().of(trainee).order_by("submitted", "pk"):
        schedule(attempt)
    return ReviewCard.objects.filter(trainee=trainee).count()


@dataclass(frozen=True)
class DueReview:
    """A case due for review on the trainee's home page: what they may see of it, and when it fell due."""

    case: PublicCase
    due: dt.datetime
    overdue: dt.timedelta  # negative: due later today


def end_of_day(now: dt.datetime) -> dt.datetime:
    """The end of `now`'s day where the trainees are (settings.TIME_ZONE): the next local midnight."""
    local = timezone.localtime(now)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time.min, tzinfo=local.tzinfo)


def due_for(user, now: dt.datetime | None = None) -> list[DueReview]:
    """The published cases whose card is due by the end of the trainee's day, the longest overdue first (none that
    the trainee may not practise now: next_case.held_back_cases)."""
    now = now or timezone.now()
    practisable = Case.objects.published().exclude(pk__in=next_case.held_back_cases(user, now))
    cards = (
        ReviewCard.objects.filter(trainee=user, due__lt=end_of_day(now), case__in=practisable)
        .select_related("case")
        .order_by("due", "pk")
    )
    return [DueReview(PublicCase.of(card.case), card.due, now - card.due) for card in cards]
