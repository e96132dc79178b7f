"""Test–retest: how a cohort's readings of the baseline's cases agree with their own readings after the washout,
and how their agreement with the reference changed (the training effect).

A pair is one trainee's committed attempts at one case, in the baseline and in its retest. Intra-rater agreement
is Cohen's unweighted κ between the two readings, the statistic the reliability studies report; for a cohort it is
one κ over every trainee's pairs pooled (see `Retest`). The change is retest minus baseline in the share of answers
that agree with the reference, with a 95 % percentile bootstrap interval over cases (stats.paired_bootstrap_ci).
A pair whose case the trainee also committed in between (practice, with its feedback) is left out: its retest
would measure memory of the answer, not reading.
"""

from collections import defaultdict
from dataclasses import dataclass

from sinsquiz import literature, sins, stats
from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment, SetAnswer
from sinsquiz.training.models import Attempt

# Fewer paired cases than this (per trainee; distinct cases for a cohort) and we say there are too few to conclude:
# a κ or an interval from a handful of cases moves with every case added. The cohort pages use the same floor.
MINIMUM = 10
SEED = 19  # the bootstrap's: the same answers always give the same interval
RESAMPLES = 2000
LEVEL = 0.95

_COMPONENTS = [component.name for component in sins.COMPONENTS]
_FIELDS = ("category", "total", "reference_category", "components_right", *_COMPONENTS)
_FIELDS += tuple(f"{name}_correct" for name in _COMPONENTS)


@dataclass(frozen=True)
class Pair:
    trainee_id: int
    case_id: int
    baseline: dict  # the attempt's columns (_FIELDS)
    retest: dict


@dataclass(frozen=True)
class Change:
    """Retest minus baseline in the share of answers that agree with the reference, with its interval."""

    baseline: float
    retest: float
    estimate: float
    low: float
    high: float
    cases: int  # the units the bootstrap resampled

    @property
    def enough(self) -> bool:
        return self.cases >= MINIMUM

    # In percentage points, for the page: "+12 points (−3 to +25)".
    @property
    def points(self) -> int:
        return round(100 * self.estimate)

    @property
    def low_points(self) -> int:
        return round(100 * self.low)

    @property
    def high_points(self) -> int:
        return round(100 * self.high)

    @property
    def verdict(self) -> str:
        if not self.enough:
            return "too few cases to conclude"
        if self.low > 0:
            return "better at retest"
        if self.high < 0:
            return "worse at retest"
        return "no clear change"


@dataclass(frozen=True)
class ComponentRetest:
    component: sins.Component
    kappa: float | None  # intra-rater, None below MINIMUM pairs
    published: float  # Fourney 2011's intra-rater κ
    change: Change

    @property
    def label(self) -> str:
        return stats.kappa_label(self.kappa)


@dataclass(frozen=True)
class Retest:
    """Test–retest figures over a group of pairs: one trainee's, or a cohort's pooled.

    A cohort's intra-rater κ is computed over every trainee's pairs pooled, not as the mean of the trainees' own
    κ: a trainee with a few pairs gives a κ too unstable to average (and none at all when every answer is the same),
    pooling weighs each trainee by the cases they read twice, and it gives one figure for a group of readers, the
    form in which the studies publish theirs. Differences between trainees show in the per-trainee rows.
    """

    pairs: int
    cases: int
    trainees: int
    components: list[ComponentRetest]
    category_kappa: float | None  # stable / potentially unstable / unstable
    binary_kappa: float | None  # stable (0-6) vs surgical consultation (7-18), as Fisher 2014
    total_icc: float | None  # ICC(2,1) of the totals, baseline against retest
    components_right: Change
    category_right: Change

    @property
    def enough(self) -> bool:
        return self.pairs >= MINIMUM

    @property
    def category_label(self) -> str:
        return stats.kappa_label(self.category_kappa)

    @property
    def binary_label(self) -> str:
        return stats.kappa_label(self.binary_kappa)


@dataclass(frozen=True)
class TraineeRetest:
    trainee: object
    retest: Retest | None  # None: no case read in both sittings


@dataclass(frozen=True)
class CohortRetest:
    cohort: Cohort
    retest: Retest | None
    trainees: list[TraineeRetest]
    baseline_sittings: int
    retest_sittings: int
    read_between: int  # pairs left out: the trainee committed the case between the two sittings


def _answers(assignment: Assignment, trainees) -> dict[tuple[int, int], dict]:
    columns = (*_FIELDS, "submitted")
    rows = SetAnswer.objects.filter(
        sitting__assignment=assignment, sitting__trainee__in=trainees, attempt__state=Attempt.State.SUBMITTED
    ).values("sitting__trainee_id", "case_id", *(f"attempt__{column}" for column in columns))
    return {
        (row["sitting__trainee_id"], row["case_id"]): {column: row[f"attempt__{column}"] for column in columns}
        for row in rows
    }


def pairs(retest: Assignment, trainees) -> tuple[list[Pair], int]:
    """Each trainee's committed readings of a case in the baseline and in the retest, ordered by trainee, case; and
    how many such pairs are left out because the trainee committed the case in between."""
    before, after = _answers(retest.baseline, trainees), _answers(retest, trainees)
    paired = before.keys() & after.keys()
    commits = Attempt.objects.submitted().filter(
        trainee__in={trainee for trainee, _ in paired}, case__in={case for _, case in paired}
    )
    read_between = set()
    for trainee, case, submitted in commits.values_list("trainee_id", "case_id", "submitted"):
        key = trainee, case
        if key in paired and before[key]["submitted"] < submitted < after[key]["submitted"]:
            read_between.add(key)
    kept = [Pair(trainee, case, before[trainee, case], after[trainee, case]) for trainee, case in sorted(paired)]
    return [pair for pair in kept if (pair.trainee_id, pair.case_id) not in read_between], len(read_between)


def _enough(pairs: list[Pair]) -> bool:
    """At least MINIMUM distinct cases: ten trainees on one case are one case's worth of evidence, not ten."""
    return len({pair.case_id for pair in pairs}) >= MINIMUM


def _kappa(pairs: list[Pair], value) -> float | None:
    if not _enough(pairs):
        return None
    return stats.cohen_kappa([value(p.baseline) for p in pairs], [value(p.retest) for p in pairs])


def _change(pairs: list[Pair], right) -> Change:
    """The change in the share right, resampling cases: a case carries every reading of it, so a cohort's
    interval does not pretend that ten trainees on one case are ten independent cases."""
    by_case = defaultdict(lambda: [[0, 0], [0, 0]])
    for pair in pairs:
        unit = by_case[pair.case_id]
        unit[0][0] += 1
        unit[0][1] += right(pair.baseline)
        unit[1][0] += 1
        unit[1][1] += right(pair.retest)
    units = [by_case[case] for case in sorted(by_case)]
    before, after = [unit[0] for unit in units], [unit[1] for unit in units]
    estimate, low, high = stats.paired_bootstrap_ci(
        before, after, stats.pooled_share_change, resamples=RESAMPLES, seed=SEED, level=LEVEL, vectorized=True
    )
    readings = len(pairs)
    return Change(
        baseline=sum(u[1] for u in before) / readings,
        retest=sum(u[1] for u in after) / readings,
        estimate=estimate,
        low=low,
        high=high,
        cases=len(units),
    )


def _consults(reading: dict) -> bool:
    return sins.needs_surgical_consultation(reading["total"])


def retest_figures(pairs: list[Pair]) -> Retest | None:
    if not pairs:
        return None
    published = literature.INTRA_COMPONENT_STUDY.components
    components = [
        ComponentRetest(
            component=component,
            kappa=_kappa(pairs, lambda reading, name=component.name: reading[name]),
            published=published[component.name],
            change=_change(pairs, lambda reading, name=component.name: bool(reading[f"{name}_correct"])),
        )
        for component in sins.COMPONENTS
    ]
    enough = _enough(pairs)
    return Retest(
        pairs=len(pairs),
        cases=len({p.case_id for p in pairs}),
        trainees=len({p.trainee_id for p in pairs}),
        components=components,
        category_kappa=_kappa(pairs, lambda reading: reading["category"]),
        binary_kappa=_kappa(pairs, _consults),
        total_icc=stats.icc_2_1([[p.baseline["total"], p.retest["total"]] for p in pairs]) if enough else None,
        components_right=_change(pairs, lambda reading: reading["components_right"] / len(sins.COMPONENTS)),
        category_right=_change(pairs, lambda reading: reading["category"] == reading["reference_category"]),
    )


def cohort_retest(retest: Assignment, cohort: Cohort) -> CohortRetest:
    trainees = list(cohort.trainees.order_by("last_name", "first_name", "username"))
    found, read_between = pairs(retest, trainees)
    per_trainee = defaultdict(list)
    for pair in found:
        per_trainee[pair.trainee_id].append(pair)
    return CohortRetest(
        cohort=cohort,
        retest=retest_figures(found),
        trainees=[TraineeRetest(trainee, retest_figures(per_trainee[trainee.pk])) for trainee in trainees],
        baseline_sittings=retest.baseline.sittings.filter(trainee__in=trainees).count(),
        retest_sittings=retest.sittings.filter(trainee__in=trainees).count(),
        read_between=read_between,
    )


def report(retest: Assignment, user) -> list[CohortRetest]:
    """One report per cohort of the retest that the user educates (a superuser: every cohort of it)."""
    cohorts = Cohort.objects.for_educator(user).filter(assignments=retest).distinct()
    return [cohort_retest(retest, cohort) for cohort in cohorts]
