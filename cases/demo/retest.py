"""A baseline and its retest for the demo cohort, so the test–retest report has something to show on `make run`.

Ten demo cases: the baseline opened seventeen weeks ago and closed sixteen weeks ago; the retest opened after the
six-week washout and closed nine weeks ago, before the residents' practice history (the last eight weeks) began, so
that no case is practised in between, which would leave its pair out of the report. The practising residents read
both, without feedback until each closed, and agree more with the reference at the retest (training in between).
Seeded: the same answers on every fresh database. Ten cases are the report's minimum for a verdict, so the demo
shows one.
"""

import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from cases.demo.library import CASES, DEMO_COHORT, PRACTISING, simulated_answers
from cases.models import Case
from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment, CaseSet, SetAnswer, SetCase, Sitting
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt

TITLE = "Ten cases, before and after training"
CASES_IN_SET = 10  # the report's minimum for a verdict (sinsquiz/sets/retest.py)


def create_retest_pair(now=None) -> Assignment | None:
    """The baseline and retest, with the residents' sittings, once; returns the retest (None if it exists already
    or the demo cohort and cases are missing)."""
    if Assignment.objects.filter(purpose=Assignment.Purpose.RETEST, cohorts__name=DEMO_COHORT).exists():
        return None
    cohort = Cohort.objects.filter(name=DEMO_COHORT).first()
    cases = list(Case.objects.published().filter(slug__in=[c.slug for c in CASES]).order_by("pk")[:CASES_IN_SET])
    if cohort is None or len(cases) < CASES_IN_SET:
        return None
    now = now or timezone.now()
    author = User.objects.filter(username="educator").first()
    case_set = CaseSet.objects.create(
        title=TITLE, description="Score each case as you would on call. No feedback until the set closes.",
        author=author,
    )  # fmt: skip
    SetCase.objects.bulk_create(SetCase(case_set=case_set, case=case, position=n) for n, case in enumerate(cases))
    common = {"case_set": case_set, "mode": Assignment.Mode.ASSESSMENT, "feedback_at": Assignment.FeedbackAt.CLOSE,
              "created_by": author}  # fmt: skip
    baseline = Assignment.objects.create(
        **common, opens=now - timedelta(weeks=17), closes=now - timedelta(weeks=16), purpose=Assignment.Purpose.BASELINE
    )
    retest = Assignment(
        **common, opens=baseline.closes + timedelta(weeks=6), closes=now - timedelta(weeks=9),
        purpose=Assignment.Purpose.RETEST, baseline=baseline, washout_weeks=6,
    )  # fmt: skip
    retest.full_clean()
    retest.save()
    for assignment in (baseline, retest):
        assignment.cohorts.add(cohort)

    rng = random.Random(1919)
    residents = User.objects.filter(username__in=PRACTISING).order_by("username")
    for skill, resident in enumerate(residents):
        # Errors fall from the baseline to the retest: the training effect the report should find.
        for assignment, care in ((baseline, 1.0 - 0.05 * skill), (retest, 0.45 - 0.03 * skill)):
            _sit(assignment, resident, cases, rng, care)
    return retest


def _sit(assignment: Assignment, trainee: User, cases: list[Case], rng: random.Random, care: float) -> None:
    order = cases[:]
    rng.shuffle(order)  # the retest meets the cases in another order, as the studies re-ordered them
    started = assignment.opens + timedelta(days=rng.randrange(1, 4), minutes=rng.randrange(600))
    sitting = Sitting.objects.create(
        assignment=assignment, trainee=trainee, deadline=assignment.closes, order=[case.pk for case in order],
        finished=started + timedelta(minutes=5 * len(order) + 3),
    )  # fmt: skip
    Sitting.objects.filter(pk=sitting.pk).update(started=started)
    for n, case in enumerate(order):
        attempt, _ = drafts.submit(drafts.open_draft(trainee, case), simulated_answers(case, rng, care))
        spent = timedelta(seconds=rng.randrange(150, 420))
        when = started + timedelta(minutes=5 * n) + spent
        Attempt.objects.filter(pk=attempt.pk).update(
            submitted=when, started=when - spent, time_spent=spent, feedback_from=assignment.closes
        )
        SetAnswer.objects.create(sitting=sitting, case=case, attempt=attempt)
