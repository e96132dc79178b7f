"""The stamps that key cached pages: the same figures as the ORM gives, and a new stamp for every change."""

import pytest
from django.db.models import Max

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
    assert library.committed == Attempt.objects.submitted().of(trainee).count() == 1
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
    before = stamps.library(other).stamp

    commit(client, case)

    assert stamps.library(other).stamp == before
    assert (stamps.library(trainee).committed, stamps.library(other).committed) == (1, 0)


def test_the_library_stamp_moves_for_an_attempt_inserted_already_submitted(trainee):
    case = published_case(series=0)
    before = stamps.library(trainee)

    Attempt.objects.create(trainee=trainee, case=case, state=Attempt.State.SUBMITTED, submitted=case.created)

    assert before.committed == 0  # no tally yet: nothing committed
    assert stamps.library(trainee).committed == 1


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
    before = stamps.cohort(cohort)

    commit(client, published_case())
    other.trainees.add(TraineeFactory())

    assert stamps.cohort(cohort) == before
