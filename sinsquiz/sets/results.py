"""An assignment's results for its educators: completion, scores, components, and each case."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from sinsquiz import sins
from sinsquiz.progress import agreement, cohort_report, exports
from sinsquiz.sets.models import Assignment, Sitting
from sinsquiz.training.models import Attempt

# The score distribution's bins: the share of SINS components right, in tenths.
BINS = 10


@dataclass(frozen=True)
class TraineeResult:
    trainee: object
    started: object  # datetime or None
    finished: object
    unfinished: str  # of a sitting started and not finished: "in progress", or how it ended; else ""
    answered: int
    components_right: int  # summed over the cases answered
    categories_right: int
    under_triage: int

    @property
    def share(self) -> float | None:
        return self.components_right / (self.answered * len(sins.COMPONENTS)) if self.answered else None


@dataclass(frozen=True)
class Results:
    assignment: Assignment
    cases: int
    trainees: list[TraineeResult]
    overall: agreement.Agreement
    case_rows: list[cohort_report.CaseRow]  # by facility, lowest first
    distribution: list[tuple[str, int]]  # ("40–50 %", trainees)

    @property
    def started(self) -> int:
        return sum(1 for t in self.trainees if t.started)

    @property
    def finished(self) -> int:
        return sum(1 for t in self.trainees if t.finished)

    @property
    def peak(self) -> int:
        return max((n for _, n in self.distribution), default=0) or 1


def attempts_of(assignment: Assignment):
    return Attempt.objects.submitted().filter(set_answer__sitting__assignment=assignment)


def results(assignment: Assignment, educator) -> Results:
    """The results of the trainees of the assignment's cohorts that the educator follows (a superuser, all)."""
    members = list(
        get_user_model()
        .objects.filter(cohorts__in=assignment.cohorts.for_educator(educator))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    sittings = {s.trainee_id: s for s in assignment.sittings.all()}
    now = timezone.now()
    attempts = attempts_of(assignment).filter(trainee__in=[member.pk for member in members])
    # Every answer in the set counts (one a case a trainee), first try at the case or not.
    answers = list(
        attempts.order_by().values_list(
            "trainee", "case", "case__title", "case__slug", "components_right", "consultation",
            *agreement.FIRST_TRY_COLUMNS, named=True,
        )
    )  # fmt: skip
    by_trainee = defaultdict(list)
    for row in answers:
        by_trainee[row.trainee].append(row)
    trainees = []
    for member in members:
        rows, sitting = by_trainee[member.pk], sittings.get(member.pk)
        trainees.append(
            TraineeResult(
                member,
                sitting and sitting.started,
                sitting and sitting.finished,
                unfinished(sitting, now),
                len(rows),
                sum(r.components_right for r in rows),
                sum(r.category == r.reference_category for r in rows),
                sum(r.consultation == Attempt.Consultation.UNDER_TRIAGE for r in rows),
            )
        )
    return Results(
        assignment=assignment,
        cases=assignment.case_set.items.count(),
        trainees=trainees,
        overall=agreement.Agreement.of(answers, agreement.history_counts(attempts)),
        case_rows=cohort_report.case_rows(answers),
        distribution=distribution([t.share for t in trainees if t.share is not None]),
    )


def unfinished(sitting: Sitting | None, now) -> str:
    """What a sitting started and not finished comes to: still in progress, or over with cases left."""
    if sitting is None or sitting.finished:
        return ""
    if now < sitting.deadline:
        return "in progress"
    return "not finished: time up" if sitting.deadline < sitting.assignment.closes else "not finished: set closed"


def distribution(shares: list[float]) -> list[tuple[str, int]]:
    """How many trainees got each tenth of the SINS components right."""
    counts = [0] * BINS
    for share in shares:
        counts[min(BINS - 1, int(share * BINS))] += 1
    return [(f"{10 * i}–{10 * (i + 1)}\u00a0%", n) for i, n in enumerate(counts)]


def trainee_rows(report: Results):
    """One row per trainee, as the page's table, in the columns of the cohort's trainee summary where they agree."""
    yield ["trainee", "name", "started", "finished", "unfinished", "cases_answered", "set_cases", "components_right",
           "components_right_share", "categories_right", "under_triage"]  # fmt: skip
    for t in report.trainees:
        yield [
            t.trainee.get_username(),
            t.trainee.get_full_name(),
            t.started.isoformat(timespec="seconds") if t.started else "",
            t.finished.isoformat(timespec="seconds") if t.finished else "",
            t.unfinished,  # "in progress", or how a sitting left unfinished ended
            t.answered,
            report.cases,
            t.components_right,
            exports.rounded(t.share, 3),
            t.categories_right,
            t.under_triage,
        ]


def case_rows(report: Results):
    """One row per case, hardest first, with the share of each SINS component right."""
    yield ["case", "title", "trainees", "facility", "discrimination",
           *(f"{c.component.name}_right_share" for c in report.overall.components)]  # fmt: skip
    for row in report.case_rows:
        yield [
            row.slug,
            row.title,
            row.trainees,
            round(row.facility, 3),
            exports.rounded(row.discrimination, 1),
            *(exports.rounded(c.accuracy, 3) for c in row.components),
        ]


CSV_TABLES = {"trainees": trainee_rows, "cases": case_rows}
