"""Demo case sets: an assessment the demo cohort sat last week, with its results, and an open practice set.

Call after create_history (it needs the demo cohort and the practising residents); safe to call once on a fresh
demo database, and a second call changes nothing.
"""

import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from cases.demo.library import CASES, DEMO_COHORT, PRACTISING, simulated_answers
from cases.models import Case
from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment, CaseSet, SetAnswer, Sitting
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt

ASSESSMENT = "Spinal metastases: end-of-block assessment"
PRACTICE = "Warm-up: five cases to start with"
NEWCOMERS = "Demo newcomers"


def create_assignments() -> int:
    """The demo's two sets, once; returns the set answers made."""
    if CaseSet.objects.filter(title=ASSESSMENT).exists():
        return 0
    educator = User.objects.filter(username="educator").first()
    cohort = Cohort.objects.get(name=DEMO_COHORT)
    cases = list(Case.objects.published().filter(slug__in=[c.slug for c in CASES]).order_by("pk"))
    now = timezone.now()

    assessment = _case_set(ASSESSMENT, cases[:5], educator, shuffled=True,
                           description="Five cases, 30 minutes, one attempt each. Your results open when the set "
                                       "closes.")  # fmt: skip
    closes = now - timedelta(days=7)
    taken = Assignment.objects.create(
        case_set=assessment, opens=closes - timedelta(days=5), closes=closes, mode=Assignment.Mode.ASSESSMENT,
        feedback_at=Assignment.FeedbackAt.CLOSE, time_limit=30, created_by=educator,
    )  # fmt: skip
    taken.cohorts.add(cohort)
    rng = random.Random(19)
    made = 0
    for skill, trainee in enumerate(User.objects.filter(username__in=PRACTISING).order_by("username")):
        if skill == len(PRACTISING) - 1:
            continue  # one resident never sat it: the results show who did not
        started = taken.opens + timedelta(days=skill % 4, hours=9 + skill)
        order = [case.pk for case in assessment.cases.all()]
        random.Random(f"{taken.pk}:{trainee.pk}").shuffle(order)
        sitting = Sitting.objects.create(assignment=taken, trainee=trainee, order=order,
                                         deadline=started + timedelta(minutes=30))  # fmt: skip
        answered = order if skill % 3 else order[:4]  # some ran out of time on the last case
        when = started
        for pk in answered:
            case = next(case for case in cases if case.pk == pk)
            attempt, _ = drafts.submit(drafts.open_draft(trainee, case), simulated_answers(case, rng, 0.6))
            spent = timedelta(minutes=rng.randrange(3, 6))
            when += spent
            Attempt.objects.filter(pk=attempt.pk).update(
                submitted=when, started=when - spent, time_spent=spent, feedback_from=closes
            )
            SetAnswer.objects.create(sitting=sitting, case=case, attempt=attempt)
            made += 1
        Sitting.objects.filter(pk=sitting.pk).update(
            started=started, finished=when if len(answered) == len(order) else None
        )

    practice = _case_set(PRACTICE, cases[-5:], educator,
                         description="Practice with feedback after each case, in your own time.")  # fmt: skip
    newcomers, _ = Cohort.objects.get_or_create(name=NEWCOMERS)
    newcomers.trainees.add(*User.objects.filter(username="resident1"))
    newcomers.educators.add(*User.objects.filter(username="educator"))
    warm_up = Assignment.objects.create(
        case_set=practice, opens=now - timedelta(days=1), closes=now + timedelta(days=10), created_by=educator
    )
    warm_up.cohorts.add(newcomers)
    return made


def _case_set(title: str, cases: list, author, **fields) -> CaseSet:
    case_set = CaseSet.objects.create(title=title, author=author, **fields)
    for position, case in enumerate(cases, 1):
        case_set.items.create(case=case, position=position)
    return case_set
