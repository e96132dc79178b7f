"""Spaced repetition: each commit rates the trainee's card for the case, and the fsrs library schedules it.

The library fuzzes intervals of three days or more with the `random` module's random(). The scripted history runs
with the real defaults, fuzzing on, and gives the commits and the library's own run the same seeded source of
random numbers, so the two must agree to the second.
"""

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from cases.models import Case
from sinsquiz.training import drafts, reviews
from sinsquiz.training.models import Attempt, ReviewCard
from tests.factories import ANSWER, TraineeFactory, commit, published_case
from tests.training.test_drafts import run_together

# A Monday morning in UTC.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Changes to ANSWER (which agrees with published_case's reference: total 9, potentially unstable) and the rating.
PERFECT = {}
TOMITA_WRONG = {"tomita": 3}  # every component right, another item wrong
PAIN_OCCASIONAL = {"pain": "occasional"}  # a component wrong: 7, still potentially unstable
SUBLUXATION = {"alignment": "subluxation"}  # 13: unstable, the category wrong, both would consult
NO_PAIN = {"pain": "none"}  # 6: stable, under-triage


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, set by the test: drafts.submit stamps a commit with timezone.now(), so committing at a
    given moment needs it."""

    class Clock:
        now = START

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


@pytest.fixture
def case(db):
    return published_case()


@pytest.fixture
def resident(db):
    return TraineeFactory()


def commit_at(clock, trainee, case, when, changes) -> Attempt:
    clock.now = when
    attempt, submitted = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, **changes})
    assert submitted
    return attempt


def card_of(trainee, case) -> ReviewCard:
    return ReviewCard.objects.get(trainee=trainee, case=case)


def test_the_scheduler_runs_with_the_librarys_defaults_as_documented():
    scheduler = reviews.SCHEDULER

    assert scheduler.parameters == fsrs.scheduler.DEFAULT_PARAMETERS
    assert scheduler.desired_retention == 0.9
    assert scheduler.learning_steps == (timedelta(minutes=1), timedelta(minutes=10))
    assert scheduler.relearning_steps == (timedelta(minutes=10),)
    assert scheduler.maximum_interval == 36500
    assert scheduler.enable_fuzzing is True


def test_the_rating_table_reads_in_order_from_the_worst_error():
    assert [(text, given) for text, _, given in reviews.RATINGS] == [
        ("under-triage: the reference calls for a surgical opinion, the trainee's total would not", Rating.Again),
        ("category wrong", Rating.Again),
        ("category right, a component wrong", Rating.Hard),
        ("every component right; the level, absent pedicle, Tomita or ESCC wrong", Rating.Good),
        ("every item right", Rating.Easy),
    ]


@pytest.mark.parametrize(
    ("changes", "consultation", "expected"),
    [
        (PERFECT, "agree", Rating.Easy),
        (TOMITA_WRONG, "agree", Rating.Good),
        (PAIN_OCCASIONAL, "agree", Rating.Hard),
        (SUBLUXATION, "agree", Rating.Again),
        (NO_PAIN, "under_triage", Rating.Again),
    ],
)
def test_a_commit_is_rated_from_its_stored_verdicts(clock, case, resident, changes, consultation, expected):
    attempt = Attempt.objects.get(pk=commit_at(clock, resident, case, START, changes).pk)

    assert attempt.consultation == consultation
    assert reviews.rating(attempt) == expected
    assert card_of(resident, case).rating == expected


def test_the_rating_never_works_sins_out_again(clock, case, resident):
    attempt = Attempt.objects.get(pk=commit_at(clock, resident, case, START, PERFECT).pk)
    attempt.components_right = 5  # as if the commit had stored a component wrong

    assert reviews.rating(attempt) == Rating.Hard


# A trainee's history of one case: under-triage, then the learning steps the same morning, a slip days later,
# and perfect readings weeks apart (intervals long enough to be fuzzed).
HISTORY = [
    (START, NO_PAIN),
    (START + timedelta(minutes=3), TOMITA_WRONG),
    (START + timedelta(minutes=20), PERFECT),
    (START + timedelta(days=4, hours=2), PAIN_OCCASIONAL),
    (START + timedelta(days=4, hours=3), PERFECT),
    (START + timedelta(days=19), PERFECT),
    (START + timedelta(days=75), PERFECT),
    (START + timedelta(days=300), SUBLUXATION),
    (START + timedelta(days=300, minutes=15), PERFECT),
]
HISTORY_RATINGS = [
    Rating.Again,
    Rating.Good,
    Rating.Easy,
    Rating.Hard,
    Rating.Easy,
    Rating.Easy,
    Rating.Easy,
    Rating.Again,
    Rating.Easy,
]


def test_the_schedule_follows_the_librarys_for_a_scripted_history(clock, case, resident, monkeypatch):
    monkeypatch.setattr(fsrs.scheduler, "random", random.Random(19).random)
    stored = []
    for when, changes in HISTORY:
        commit_at(clock, resident, case, when, changes)
        stored.append(card_of(resident, case))

    monkeypatch.setattr(fsrs.scheduler, "random", random.Random(19).random)
    scheduler = Scheduler()
    card = Card(card_id=int(START.timestamp() * 1000), due=START)
    expected = []
    for (when, _), given in zip(HISTORY, HISTORY_RATINGS, strict=True):
        card, _ = scheduler.review_card(card, given, review_datetime=when)
        expected.append(card)

    assert [row.card for row in stored] == [card.to_dict() for card in expected]
    assert [(row.due, row.rating, row.reviewed) for row in stored] == [
        (card.due, given, when) for card, given, (when, _) in zip(expected, HISTORY_RATINGS, HISTORY, strict=True)
    ]
    # The history reaches fuzzed intervals, so the seeded fuzz is compared too.
    assert any(card.due - card.last_review >= timedelta(days=3) for card in expected)
    assert ReviewCard.objects.count() == 1


def test_a_missed_case_is_due_within_minutes_and_one_read_right_days_later(clock, resident):
    missed, read_right = published_case(), published_case()
    commit_at(clock, resident, missed, START, NO_PAIN)
    commit_at(clock, resident, read_right, START, PERFECT)

    assert card_of(resident, missed).due == START + timedelta(minutes=1)
    assert card_of(resident, read_right).due >= START + timedelta(days=3)


def test_a_withheld_attempt_is_not_rated_and_leaves_the_card_alone(clock, case, resident):
    commit_at(clock, resident, case, START, NO_PAIN)
    before = card_of(resident, case)
    draft = drafts.open_draft(resident, case)
    Attempt.objects.filter(pk=draft.pk).update(feedback_from=START + timedelta(days=7))  # an assessment's

    commit_at(clock, resident, case, START + timedelta(hours=1), PERFECT)

    after = card_of(resident, case)
    assert (after.card, after.due, after.rating, after.reviewed) == (before.card, before.due, Rating.Again, START)


def test_an_assessment_attempt_makes_no_card(clock, case, resident):
    draft = drafts.open_draft(resident, case)
    Attempt.objects.filter(pk=draft.pk).update(feedback_from=START + timedelta(days=7))

    commit_at(clock, resident, case, START, NO_PAIN)

    assert not ReviewCard.objects.exists()


def test_an_assessment_answer_is_never_rated_even_when_released_as_it_is_committed(clock, case, resident):
    # The last case of a sitting that releases its results on finishing: feedback from the moment of commit.
    draft = drafts.open_draft(resident, case)
    Attempt.objects.filter(pk=draft.pk).update(feedback_from=START)

    commit_at(clock, resident, case, START, NO_PAIN)
    reviews.rebuild(resident)

    assert not ReviewCard.objects.filter(trainee=resident, case=case).exists()


def test_a_second_submit_of_the_same_draft_reviews_the_card_once(clock, case, resident):
    draft = drafts.open_draft(resident, case)
    drafts.submit(Attempt.objects.get(pk=draft.pk), {**ANSWER, **TOMITA_WRONG})
    clock.now = START + timedelta(minutes=5)
    _, submitted = drafts.submit(Attempt.objects.get(pk=draft.pk), {**ANSWER, **TOMITA_WRONG})

    assert not submitted
    assert card_of(resident, case).card["step"] == 1  # one Good: the second learning step, not graduated
    assert card_of(resident, case).reviewed == START


def make_card(trainee, case, due) -> ReviewCard:
    card = Card(card_id=1, due=due)
    return ReviewCard.objects.create(trainee=trainee, case=case, card=card.to_dict(), due=due, rating=1, reviewed=due)


def test_the_due_list_holds_what_falls_due_by_the_end_of_the_trainees_day_oldest_first(resident, settings):
    settings.TIME_ZONE = "America/New_York"  # 21:00 on Monday there is 02:00 on Tuesday in UTC
    now = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    yesterday, hours_ago, tonight, tomorrow, hidden, elsewhere = (published_case(title=t) for t in "ABCDEF")
    make_card(resident, tonight, now + timedelta(hours=2, minutes=59))  # 23:59 in New York
    make_card(resident, hours_ago, now - timedelta(hours=2))
    make_card(resident, yesterday, now - timedelta(days=1, hours=1))
    make_card(resident, tomorrow, now + timedelta(hours=3))  # midnight in New York
    make_card(resident, hidden, now - timedelta(days=3))
    Case.objects.filter(pk=hidden.pk).update(status=Case.Status.DRAFT)
    make_card(TraineeFactory(), elsewhere, now - timedelta(days=3))

    due = reviews.due_for(resident, now)

    assert [(review.case.title, review.overdue) for review in due] == [
        ("A", timedelta(days=1, hours=1)),
        ("B", timedelta(hours=2)),
        ("C", -timedelta(hours=2, minutes=59)),
    ]


def test_the_home_page_lists_the_reviews_due_with_a_count_and_how_overdue(db, client, trainee):
    old, fresh = published_case(title="Old miss"), published_case(title="Fresh miss")
    make_card(trainee, old, timezone.now() - timedelta(days=3, hours=1))
    make_card(trainee, fresh, timezone.now() - timedelta(minutes=5))

    html = client.get("/").content.decode()

    assert "Due for review" in html
    assert "2 cases to read again today" in html
    assert html.index("Old miss") < html.index("Fresh miss")
    assert f'<a href="{old.get_absolute_url()}">Old miss</a> <span class="muted small">due 3\xa0days ago</span>' in html
    assert "due 5\xa0minutes ago" in html


def test_the_home_page_says_nothing_of_reviews_when_none_is_due(db, client, trainee):
    make_card(trainee, published_case(), timezone.now() + timedelta(days=2))

    assert "Due for review" not in client.get("/").content.decode()


def test_a_review_is_a_normal_attempt_that_is_not_a_first_try(db, client, trainee):
    case = published_case(title="Missed once")
    first = commit(client, case, pain="none")
    assert "Missed once" in client.get("/").content.decode().split("Due for review")[1]

    again = commit(client, case)

    first.refresh_from_db()
    again.refresh_from_db()
    assert (first.first_try, again.first_try) == (True, False)
    card = card_of(trainee, case)
    assert (card.reviewed, card.rating) == (again.submitted, Rating.Easy)
    assert card.due > reviews.end_of_day(again.submitted)
    assert "Due for review" not in client.get("/").content.decode()


def test_rebuilding_replays_the_trainees_commits_in_order(clock, case, resident, monkeypatch):
    monkeypatch.setattr(fsrs.scheduler, "random", random.Random(3).random)
    for when, changes in HISTORY[:5]:
        commit_at(clock, resident, case, when, changes)
    made = card_of(resident, case).card

    monkeypatch.setattr(fsrs.scheduler, "random", random.Random(3).random)
    assert reviews.rebuild(resident) == 1

    assert card_of(resident, case).card == made


def test_concurrent_commits_of_one_draft_review_the_card_once(migration_data):
    case, trainee = published_case(), TraineeFactory()
    draft = drafts.open_draft(trainee, case)

    results = run_together(8, lambda: drafts.submit(Attempt.objects.get(pk=draft.pk), {**ANSWER, **TOMITA_WRONG}))

    assert not [r for r in results if isinstance(r, Exception)], results
    row = card_of(trainee, case)
    assert (row.card["state"], row.card["step"], row.rating) == (fsrs.State.Learning, 1, Rating.Good)


def test_two_commits_of_a_case_scheduled_at_once_are_both_counted(migration_data):
    case, trainee = published_case(), TraineeFactory()
    attempts = []
    for _ in range(2):
        attempt, _ = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, **TOMITA_WRONG})
        attempts.append(attempt)
    one_after_the_other = card_of(trainee, case).card
    ReviewCard.objects.all().delete()
    queue = iter(attempts)

    results = run_together(2, lambda: reviews.schedule(next(queue)))

    assert not [r for r in results if isinstance(r, Exception)], results
    # Two Good reviews graduate a new card; either order gives the card the library gives.
    together = card_of(trainee, case).card
    assert together["state"] == fsrs.State.Review
    assert {**together, "card_id": 0} == {**one_after_the_other, "card_id": 0}
