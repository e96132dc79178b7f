"""The stamps that key cached pages: the same figures as the ORM gives, and a new stamp for every change."""

from datetime import timedelta

import pytest
from django.db.models import Max
from django.utils import timezone

from cases.models import Case
from sinsquiz import stamps
from sinsquiz.models import Attempt, Cohort
from tests.factories import CaseFactory, TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db


def test_the_library_stamp_counts_what_the_orm_counts(client, trainee):
    commit(client, published_case())
    published_case()
    CaseFactory(status=Case.Status.DRAFT)

    library = stamps.library(trainee)

    assert library.published == Case.objects.published().count() == 2
    assert library.cases == Case.objects.count() == 3
    assert library.recent == Attempt.objects.submitted().of(trainee).filter(submitted__gte=library.since).count() == 1
    assert str(library.changed)[:19] == Case.objects.aggregate(last=Max("updated"))["last"].isoformat(" ")[:19]


def test_the_library_stamp_moves_with_every_change_a_page_could_show(client, trainee):
    case = published_case()
    seen = {stamps.library(trainee).stamp}

    def changed() -> bool:
        stamp = stamps.library(trainee).stamp
        new = stamp not in seen
        seen.add(stamp)
        return new

    draft = CaseFactory(status=Case.Status.DRAFT)
    assert changed()  # a new case (an educator sees drafts)
    draft.status = Case.Status.PUBLISHED
    draft.save()
    assert changed()  # published
    case.title = "Renamed"
    case.save()
    assert changed()  # renamed
    commit(client, case)
    assert changed()  # committed
    draft.delete()
    assert changed()  # deleted


def test_the_library_stamp_of_a_user_counts_only_their_commits(client, trainee):
    case = published_case()
    other = TraineeFactory()
    at = timezone.now()
    before = stamps.library(other, at).stamp

    commit(client, case)

    assert stamps.library(other, at).stamp == before
    assert stamps.library(trainee, at).recent == 1


def test_the_library_stamp_counts_the_commits_since_the_start_of_the_period_before_this_one(client, trainee):
    attempt = commit(client, published_case())
    at = attempt.submitted

    now, much_later = stamps.library(trainee, at), stamps.library(trainee, at + timedelta(minutes=25))

    assert (now.recent, much_later.recent) == (1, 0)
    assert now.since <= at - timedelta(minutes=10) < at + timedelta(minutes=5) <= much_later.since
    assert now.stamp != much_later.stamp


def test_the_library_stamp_moves_for_a_commit_that_lands_after_a_later_one(client, trainee):
    late = commit(client, published_case())
    at = late.submitted
    before = stamps.library(trainee, at).stamp

    early = commit(client, published_case())
    Attempt.objects.filter(pk=early.pk).update(submitted=at - timedelta(seconds=5))

    assert stamps.library(trainee, at).stamp != before


def test_the_cohort_stamp_moves_when_a_member_commits_joins_or_leaves(client, trainee):
    cohort = Cohort.objects.create(name="Year 3")
    first, second = TraineeFactory(), TraineeFactory()
    cohort.trainees.add(trainee, first)
    seen = {stamps.cohort(cohort)}

    def changed() -> bool:
        stamp = stamps.cohort(cohort)
        new = stamp not in seen
        seen.add(stamp)
        return new

    commit(client, published_case())
    assert changed()  # a member committed
    cohort.trainees.add(second)
    assert changed()  # joined
    cohort.trainees.remove(first)
    assert changed()  # left
    cohort.trainees.remove(second)
    cohort.trainees.add(first)
    assert changed()  # one left and another (back) in their place: as many members as before


def test_the_cohort_stamp_ignores_other_cohorts(client, trainee):
    cohort, other = Cohort.objects.create(name="Year 3"), Cohort.objects.create(name="Year 4")
    cohort.trainees.add(TraineeFactory())
    other.trainees.add(trainee)
    at = timezone.now()
    before = stamps.cohort(cohort, at)

    commit(client, published_case())
    other.trainees.add(TraineeFactory())

    assert stamps.cohort(cohort, at) == before


def test_the_cohort_stamp_moves_for_a_commit_that_lands_after_a_later_one(client, trainee):
    cohort = Cohort.objects.create(name="Year 3")
    cohort.trainees.add(trainee)
    late = commit(client, published_case())
    at = late.submitted
    before = stamps.cohort(cohort, at)

    early = commit(client, published_case())
    Attempt.objects.filter(pk=early.pk).update(submitted=at - timedelta(seconds=5))

    assert stamps.cohort(cohort, at) != before
