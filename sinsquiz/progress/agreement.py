"""Where trainees stand: agreement with the reference, bias, safety and the learning curve.

Agreement is counted from first attempts, at most one a case, into small confusion tables that stats.py
turns into statistics; the counts over a whole history (every attempt) are aggregated by the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q, QuerySet

from sinsquiz import literature, sins, stats
from sinsquiz.training.access import results_open_to
from sinsquiz.training.models import Attempt, Regrade

# Fewer first attempts than this and a kappa says more about chance than about the trainee.
KAPPA_MINIMUM = 10
# A component needs this many answers before it can be called the weakest.
WEAKEST_MINIMUM = 3
CONSULT = sins.SURGICAL_CONSULTATION_THRESHOLD
CATEGORY_CODES = [c.code for c in sins.CATEGORIES]


# What the confusion tables are counted from, for each first attempt.
FIRST_TRY_COLUMNS = (
    *(column for c in sins.COMPONENTS for column in (f"reference_{c.name}", c.name)),
    *("reference_category", "category", "reference_total", "total", "level_correct"),
)


def first_tries(attempts: QuerySet, *also: str) -> list:
    """The first attempts among `attempts`, each with FIRST_TRY_COLUMNS and the columns named in `also`."""
    # In no order: sorted, the database would read a trainee's every attempt rather than their first ones.
    return list(attempts.filter(first_try=True).order_by().values_list(*also, *FIRST_TRY_COLUMNS, named=True))


def _all_counts() -> dict:
    """Over every attempt, not only first ones: each missed surgical opinion matters, and so does practice."""
    return {
        "attempts": Count("pk"),
        "under_triage": Count("pk", filter=Q(consultation=Attempt.Consultation.UNDER_TRIAGE)),
        "over_triage": Count("pk", filter=Q(consultation=Attempt.Consultation.OVER_TRIAGE)),
        "mean_right": Avg("components_right"),
        "last": Max("submitted"),
    }


def history_counts(attempts: QuerySet) -> dict:
    """The counts over a whole history (one query on the attempt_history index)."""
    return attempts.aggregate(**_all_counts())


def history_counts_by(attempts: QuerySet, field: str) -> dict[object, dict]:
    """The same counts for each value of `field` (each trainee, say), keyed by it."""
    return {row[field]: row for row in attempts.values(field).order_by(field).annotate(**_all_counts())}


def table(counts: Counter, codes) -> list[list[int]]:
    """A confusion table from (reference, given) counts: rows the reference's answer, columns the given one."""
    return [[counts[expected, given] for given in codes] for expected in codes]


@dataclass(frozen=True)
class ComponentAgreement:
    component: sins.Component
    table: list[list[int]]  # rows: the reference's option; columns: the trainee's

    @property
    def n(self) -> int:
        return sum(map(sum, self.table))

    @property
    def right(self) -> int:
        return sum(self.table[i][i] for i in range(len(self.table)))

    @property
    def accuracy(self) -> float | None:
        return self.right / self.n if self.n else None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa, unweighted, against the reference: the statistic the published studies report."""
        return self._kappa(None)

    @property
    def weighted_kappa(self) -> float | None:
        """Linear-weighted kappa against the reference: a near miss between neighbouring options counts in part."""
        return self._kappa("linear")

    def _kappa(self, weights: str | None) -> float | None:
        return stats.kappa_from_table(self.table, weights) if self.n >= KAPPA_MINIMUM else None

    @property
    def bias(self) -> float | None:
        """Mean points given minus points of the reference: positive means over-calling."""
        if not self.n:
            return None
        points = [option.points for option in self.component.options]
        difference = sum(
            self.table[i][j] * (points[j] - points[i]) for i in range(len(points)) for j in range(len(points))
        )
        return difference / self.n

    @property
    def bias_text(self) -> str:
        bias = self.bias
        name = self.component.short_label.lower()
        if bias is None:
            return ""
        if abs(bias) < 0.25:
            # Said of the points, not of the answers: a frequent mistake may still leave the points even.
            return f"On {name}, no clear lean to more or fewer points than the reference."
        # Said of the component, not of "you": an educator reads it about a trainee.
        direction = "over-called" if bias > 0 else "under-called"
        # Halves away from zero: a lean of exactly 0.25, which the threshold counts, prints as 0.3, not 0.2.
        shown = Decimal(str(bias)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)  # str: 0.35, not 0.34999…
        return f"{name.capitalize()} {direction}: {shown:+} points a case on average."

    @property
    def published(self) -> list[tuple[literature.Study, float]]:
        return [(study, study.components[self.component.name]) for study in literature.COMPONENT_STUDIES]

    @property
    def rows(self) -> list[tuple[sins.Option, list[int]]]:
        return list(zip(self.component.options, self.table, strict=True))

    @property
    def most_common_mistake(self) -> tuple[sins.Option, sins.Option, int] | None:
        """(reference option, option given instead, how often) for the most frequent wrong answer."""
        options = self.component.options
        mistakes = [(self.table[i][j], i, j) for i in range(len(options)) for j in range(len(options)) if i != j]
        count, i, j = max(mistakes, default=(0, 0, 0))
        return (options[i], options[j], count) if count else None

    @property
    def repeated_mistake(self) -> tuple[sins.Option, sins.Option, int] | None:
        """The most common mistake when it was made more than once: what a cohort's case summary lists."""
        mistake = self.most_common_mistake
        return mistake if mistake and mistake[2] > 1 else None


@dataclass(frozen=True)
class Agreement:
    """Everything the dashboards say about a set of attempts."""

    first: int  # cases answered (first attempts)
    attempts: int
    components: list[ComponentAgreement]
    category_table: list[list[int]]
    consult_table: dict[tuple[bool, bool], int]  # (reference needs an opinion, trainee would ask) -> count
    level_right: int
    under_triage: int
    over_triage: int
    mean_right: float | None

    @classmethod
    def of(cls, firsts: list, history: dict) -> Agreement:
        """From the first attempts (first_tries) and the counts over the whole history (history_counts)."""
        categories, consultations = Counter(), Counter()
        for row in firsts:
            categories[row.reference_category, row.category] += 1
            if row.reference_total is not None and row.total is not None:
                consultations[row.reference_total >= CONSULT, row.total >= CONSULT] += 1
        return cls(
            first=len(firsts),
            attempts=history["attempts"],
            components=component_agreements(firsts),
            category_table=table(categories, CATEGORY_CODES),
            consult_table={(e, g): consultations[e, g] for e in (True, False) for g in (True, False)},
            level_right=sum(bool(row.level_correct) for row in firsts),
            under_triage=history["under_triage"],
            over_triage=history["over_triage"],
            mean_right=history["mean_right"],
        )

    @property
    def accuracy(self) -> float | None:
        """Share of SINS components right, over every attempt."""
        return self.mean_right / len(sins.COMPONENTS) if self.mean_right is not None else None

    @property
    def category_accuracy(self) -> float | None:
        return sum(self.category_table[i][i] for i in range(3)) / self.first if self.first else None

    @property
    def category_kappa(self) -> float | None:
        return stats.kappa_from_table(self.category_table, "linear") if self.first >= KAPPA_MINIMUM else None

    @property
    def consultation_needed(self) -> int:
        """First attempts whose reference calls for a surgical opinion (what the sensitivity is a share of)."""
        return self.consult_table[True, True] + self.consult_table[True, False]

    @property
    def sensitivity(self) -> float | None:
        """Of the first attempts whose reference calls for a surgical opinion, the share that asked for one."""
        needed = self.consultation_needed
        return self.consult_table[True, True] / needed if needed else None

    @property
    def specificity(self) -> float | None:
        clear = self.consult_table[False, False] + self.consult_table[False, True]
        return self.consult_table[False, False] / clear if clear else None

    @property
    def binary_kappa(self) -> float | None:
        table = [[self.consult_table[e, g] for g in (False, True)] for e in (False, True)]
        return stats.kappa_from_table(table) if self.first >= KAPPA_MINIMUM else None

    @property
    def weakest(self) -> ComponentAgreement | None:
        candidates = [c for c in self.components if c.n >= WEAKEST_MINIMUM and c.accuracy < 1]
        return min(candidates, key=lambda c: (c.accuracy, c.component.name), default=None)

    @property
    def kappa_needed(self) -> int:
        return max(0, KAPPA_MINIMUM - self.first)


def component_agreements(firsts: list) -> list[ComponentAgreement]:
    """Each SINS component's confusion table over these first attempts (first_tries)."""
    return [
        ComponentAgreement(c, table(Counter(map(attrgetter(f"reference_{c.name}", c.name), firsts)), c.codes))
        for c in sins.COMPONENTS
    ]


def agreement(attempts: QuerySet) -> Agreement:
    """The agreement of a set of submitted attempts (one trainee's, or a cohort's)."""
    return Agreement.of(first_tries(attempts), history_counts(attempts))


@dataclass(frozen=True)
class CurvePoint:
    first: int  # attempt numbers covered, 1-based
    last: int
    share_right: float  # SINS components right
    category_right: float

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    @property
    def label(self) -> str:
        return f"{self.first}–{self.last}" if self.last > self.first else str(self.first)


CURVE_POINTS = 8  # a few attempts a point: single attempts zigzag too much to read


def learning_curve(attempts: QuerySet) -> list[CurvePoint]:
    """The attempts in the order they were committed, in at most CURVE_POINTS groups of equal size."""
    results = list(attempts.order_by("submitted").values_list("components_right", "category", "reference_category"))
    size = max(1, -(-len(results) // CURVE_POINTS))  # ceiling division
    points = []
    for start in range(0, len(results), size):
        group = results[start : start + size]
        share_right = sum(right for right, _, _ in group) / len(group) / len(sins.COMPONENTS)
        category_right = sum(given == expected for _, given, expected in group) / len(group)
        points.append(CurvePoint(start + 1, start + len(group), share_right, category_right))
    return points


def curve_axis(curve: list[CurvePoint]) -> str:
    """What the learning curve's x-axis shows: "Attempts, in the order committed; each point: 10 attempts"."""
    if not curve:
        return ""
    size, last = curve[0].size, curve[-1].size
    text = f"Attempts, in the order committed; each point: {size} attempt{'s' if size > 1 else ''}"
    return text + (f" (the last: {last})" if last != size else "")


# Long enough to spare the database, short enough that a change of the library or the code soon shows.
SUMMARY_SECONDS = 3600


def summary(trainee, own: bool = False) -> tuple[Agreement, list[CurvePoint]]:
    """A trainee's agreement and learning curve. The counts over their history are read every time; the rest
    is kept in the cache under those counts, so until the trainee commits again. `own`: only the attempts whose
    results the trainee may see (access.results_open_to), for their own dashboard."""
    attempts = results_open_to(trainee) if own else Attempt.objects.submitted().of(trainee)
    history = history_counts(attempts)
    # An assessment's results, once out, change the counts: the key moves with them. So does a regrade, which
    # changes grades without a new commit.
    regraded = Regrade.objects.filter(attempt__trainee=trainee).aggregate(last=Max("pk"))["last"]
    last = history["last"] and history["last"].timestamp()
    key = f"progress:{trainee.pk}:{own}:{history['attempts']}:{last}:{regraded}"
    return cache.get_or_set(
        key, lambda: (Agreement.of(first_tries(attempts), history), learning_curve(attempts)), SUMMARY_SECONDS
    )
