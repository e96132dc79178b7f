from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment, CaseSet
from tests.factories import TraineeFactory, published_case

# Every test's "now": a Wednesday morning.
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def move(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """django's timezone.now, held at NOW until a test moves it (commits and deadlines read it)."""
    clock = Clock(NOW)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def make_assignment(cohort, cases, *, opens=NOW - timedelta(days=1), closes=NOW + timedelta(days=2), **fields):
    case_set = CaseSet.objects.create(title=fields.pop("title", "Spine metastases, week 1"),
                                      shuffled=fields.pop("shuffled", False))  # fmt: skip
    for position, case in enumerate(cases, 1):
        case_set.items.create(case=case, position=position)
    assignment = Assignment.objects.create(case_set=case_set, opens=opens, closes=closes, **fields)
    assignment.cohorts.add(cohort)
    return assignment


@pytest.fixture
def cohort(trainee):
    cohort = Cohort.objects.create(name="Residents 2026")
    cohort.trainees.add(trainee)
    return cohort


@pytest.fixture
def cases():
    return [published_case(series=1, slices=1, title=f"Set case {n}", slug=f"set-case-{n}") for n in range(1, 4)]


@pytest.fixture
def outsider():
    return TraineeFactory()
