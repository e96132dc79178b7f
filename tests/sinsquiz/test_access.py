"""The access helpers agree with the named QuerySet methods whose rules they write out in SQL."""

from types import SimpleNamespace

import pytest
from django.http import Http404

from cases.access import get_case_for_user
from cases.models import Case
from sinsquiz.access import get_cohort_for_user
from sinsquiz.models import Cohort
from tests.factories import CaseFactory, EducatorFactory, TraineeFactory, UserFactory, published_case

pytestmark = pytest.mark.django_db


def found(helper, user, key) -> bool:
    try:
        helper(SimpleNamespace(user=user), key)
    except Http404:
        return False
    return True


def test_the_case_helper_finds_exactly_the_cases_visible_to_the_user():
    cases = [CaseFactory(status=Case.Status.DRAFT), published_case(series=0)]

    for user in (TraineeFactory(), EducatorFactory()):
        shown = set(Case.objects.visible_to(user))
        assert {case for case in cases if found(get_case_for_user, user, case.slug)} == shown
    assert not found(get_case_for_user, TraineeFactory(), "no-such-case")


def test_the_cohort_helper_finds_exactly_the_cohorts_an_educator_follows():
    mine, theirs = Cohort.objects.create(name="Mine"), Cohort.objects.create(name="Theirs")
    educator, other, trainee = EducatorFactory(), EducatorFactory(), TraineeFactory()
    mine.educators.add(educator)
    theirs.educators.add(other)
    theirs.trainees.add(trainee)

    for user in (educator, other, trainee, UserFactory(is_superuser=True, is_staff=True)):
        followed = set(Cohort.objects.for_educator(user))
        assert {c for c in (mine, theirs) if found(get_cohort_for_user, user, c.pk)} == followed
    assert not found(get_cohort_for_user, educator, theirs.pk + 1000)
