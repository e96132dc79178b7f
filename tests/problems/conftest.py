from datetime import timedelta

import pytest
from django.utils import timezone

from sinsquiz.problems.models import ProblemReport
from sinsquiz.progress.models import Cohort
from sinsquiz.training import drafts
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, published_case

HX = {"HX-Request": "true"}


def committed(trainee, case=None, **changes):
    """A submitted attempt of `trainee` at `case` (a fresh published case by default)."""
    case = case or published_case(series=1, slices=1)
    attempt, _ = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, **changes})
    return attempt


def report_on(attempt, *, text="The reference level looks wrong: the lesion is at T8.", **fields):
    fields = {"kind": ProblemReport.Kind.WRONG_REFERENCE, **fields}
    return ProblemReport.objects.create(
        case=attempt.case, attempt=attempt, reporter=attempt.trainee, text=text, **fields
    )


@pytest.fixture
def ada(client):
    """A trainee, logged in on `client`."""
    user = TraineeFactory(first_name="Ada", last_name="Byron")
    client.force_login(user)
    return user


@pytest.fixture
def grace():
    """The educator of Ada's cohort."""
    educator = EducatorFactory(first_name="Grace", last_name="Hopper")
    return educator


@pytest.fixture
def cohort(ada, grace):
    cohort = Cohort.objects.create(name="Residents 2026")
    cohort.trainees.add(ada)
    cohort.educators.add(grace)
    return cohort


@pytest.fixture
def attempt(ada, cohort):
    """Ada's committed reading of a case titled "Lytic T7"."""
    return committed(ada, published_case(series=1, slices=1, title="Lytic T7", slug="lytic-t7"))


@pytest.fixture
def outsiders():
    """Another trainee in another cohort, with that cohort's educator."""
    trainee, educator = TraineeFactory(username="bob"), EducatorFactory(username="alan")
    cohort = Cohort.objects.create(name="Another cohort")
    cohort.trainees.add(trainee)
    cohort.educators.add(educator)
    return trainee, educator


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)
