"""The demo review queue: cards made again from a back-dated practice history, as create_history leaves it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.demo.reviews import create_review_queue
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt, ReviewCard
from tests.factories import ANSWER, TraineeFactory, published_case

pytestmark = pytest.mark.django_db


def back_dated(trainee, case, ago, **changes) -> Attempt:
    """Committed through the real commit, then dated back (as create_history does)."""
    attempt, _ = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, **changes})
    Attempt.objects.filter(pk=attempt.pk).update(submitted=timezone.now() - ago)
    return Attempt.objects.get(pk=attempt.pk)


def test_the_queue_is_made_from_the_history_in_order_so_old_misses_are_due_and_fresh_successes_are_not():
    trainee = TraineeFactory()
    missed, right_long_ago, right_lately = published_case(), published_case(), published_case()
    first = back_dated(trainee, missed, timedelta(days=20), pain="none")
    back_dated(trainee, right_long_ago, timedelta(days=20))
    lately = back_dated(trainee, right_lately, timedelta(hours=1))
    retry = back_dated(trainee, missed, timedelta(days=19))

    assert create_review_queue(trainee) == 2

    cards = {card.case_id: card for card in ReviewCard.objects.filter(trainee=trainee)}
    assert cards[missed.pk].reviewed == retry.submitted > first.submitted
    assert cards[right_lately.pk].reviewed == lately.submitted
    assert cards[right_lately.pk].due > timezone.now() + timedelta(days=2)


def test_calling_it_again_makes_the_same_queue():
    trainee = TraineeFactory()
    back_dated(trainee, published_case(), timedelta(days=5), pain="none")

    assert create_review_queue(trainee) == create_review_queue(trainee) == 1
    assert ReviewCard.objects.filter(trainee=trainee).count() == 1
