"""Where trainees stand: agreement with the reference, bias, safety and the learning curve.

Every figure is aggregated by the database into small tables of counts, so a page costs the same few queries
and nearly the same time at ten attempts and at ten thousand; stats.py turns the tables into statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Sum, Window
from django.db.models.functions import Ntile

from sinsquiz import literature, sins, stats
from sinsquiz.training.models import Attempt

# Fewer first attempts than this and a kappa says more about chance than about the trainee.
KAPPA_MINIMUM = 10
# A component needs this many answers before it can be called the weakest.
WEAKEST_MINIMUM = 3
CONSULT = sins.SURGICAL_CONSULTATION_THRESHOLD
CATEGORY_CODES = [c.code for c in sins.CATEGORIES]


def _first_tables() -> dict:
    """Conditional counts that fill every confusion table in one pass over the first attempts."""
    counts = {"first": Count("pk")}
    for component in sins.COMPONENTS:
        for expected in component.codes:
            for given in component.codes:
                condition = Q(**{f"reference_{component.name}": expected, component.name: given})
                counts[f"{component.name}|{expected}|{given}"] = Count("pk", filter=condition)
    for expected in CATEGORY_CODES:
        for given in CATEGORY_CODES:
            counts[f"category|{expected}|{given}"] = Count("pk", filter=Q(reference_category=expected, category=given))
    for expected in (True, False):
        for given in (True, False):
            condition = Q(reference_total__gte=CONSULT) if expected else Q(reference_total__lt=CONSULT)
            condition &= Q(total__gte=CONSULT) if given else Q(total__lt=CONSULT)
            counts[f"consult|{expected}|{given}"] = Count("pk", filter=condition)
    counts["level_right"] = Count("pk", filter=Q(level_correct=True))
    return counts


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


def history_counts_by(attempts: QuerySet, *fields: str) -> list[dict]:
    return list(attempts.values(*fields).order_by(*fields).annotate(**_all_counts()))


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
        """Linear-weighted kappa against the reference, once there are enough answers."""
        return stats.kappa_from_table(self.table, "linear") if self.n >= KAPPA_MINIMUM else None

    @property
    def kappa_label(self) -> str:
        return stats.kappa_label(self.kappa)

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
            return f"No clear bias on {name}."
        direction = "over-call" if bias > 0 else "under-call"
        return f"You {direction} {name}: {bias:+.1f} points a case on average."

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


@dataclass(frozen=True)
class Agreement:
    """Everything the dashboards say about a set of attempts, from one row of counts."""

    first: int  # cases answered (first attempts)
    attempts: int
    components: list[ComponentAgreement]
    category_table: list[list[int]]
    consult_table: dict[tuple[bool, bool], int]  # (reference needs an opinion, trainee would ask) -> count
    level_right: int
    under_triage: int
    over_triage: int
    mean_right: float | None
    extra: dict = field(default_factory=dict)

    @classmethod
    def combine(cls, agreements: list[Agreement]) -> Agreement:
        """The agreement of several groups together (a cohort from its trainees), without a query."""

        def add(tables):
            return [[sum(cells) for cells in zip(*rows, strict=True)] for rows in zip(*tables, strict=True)]

        attempts = sum(a.attempts for a in agreements)
        right = sum(a.mean_right * a.attempts for a in agreements if a.mean_right is not None)
        return cls(
            first=sum(a.first for a in agreements),
            attempts=attempts,
            components=[
                ComponentAgreement(
                    c,
                    add([a.components[i].table for a in agreements])
                    if agreements
                    else [[0] * len(c.codes) for _ in c.codes],
                )
                for i, c in enumerate(sins.COMPONENTS)
            ],  # fmt: skip
            category_table=add([a.category_table for a in agreements]) if agreements else [[0] * 3 for _ in range(3)],
            consult_table={
                key: sum(a.consult_table[key] for a in agreements)
                for key in [(e, g) for e in (True, False) for g in (True, False)]
            },  # fmt: skip
            level_right=sum(a.level_right for a in agreements),
            under_triage=sum(a.under_triage for a in agreements),
            over_triage=sum(a.over_triage for a in agreements),
            mean_right=right / attempts if attempts else None,
        )

    @classmethod
    def from_row(cls, row: dict, **extra) -> Agreement:
        def table(name: str, codes) -> list[list[int]]:
            return [[row[f"{name}|{expected}|{given}"] for given in codes] for expected in codes]

        return cls(
            first=row["first"],
            attempts=row["attempts"],
            components=[ComponentAgreement(c, table(c.name, c.codes)) for c in sins.COMPONENTS],
            category_table=table("category", CATEGORY_CODES),
            consult_table={(e, g): row[f"consult|{e}|{g}"] for e in (True, False) for g in (True, False)},
            level_right=row["level_right"],
            under_triage=row["under_triage"],
            over_triage=row["over_triage"],
            mean_right=row["mean_right"],
            extra=extra,
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
    def category_rows(self) -> list[tuple[sins.Category, list[int]]]:
        return list(zip(sins.CATEGORIES, self.category_table, strict=True))

    @property
    def sensitivity(self) -> float | None:
        """Of the first attempts whose reference calls for a surgical opinion, the share that asked for one."""
        needed = self.consult_table[True, True] + self.consult_table[True, False]
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


def agreement(attempts: QuerySet) -> Agreement:
    """The agreement of a set of submitted attempts (one trainee's, or a cohort's), in two queries."""
    first = attempts.filter(first_try=True).aggregate(**_first_tables())
    return Agreement.from_row({**first, **history_counts(attempts)})


def agreement_by(attempts: QuerySet, *fields: str, first_only: bool = False) -> list[Agreement]:
    """The same per group (per trainee, per case), in two grouped queries; the group keys are in .extra.

    With first_only, `attempts` are first attempts already and one grouped query does.
    """
    if first_only:
        rows = attempts.values(*fields).order_by(*fields).annotate(**_first_tables(), **_all_counts())
        return [Agreement.from_row(row, **{f: row[f] for f in fields}) for row in rows]
    firsts = {
        tuple(row[f] for f in fields): row
        for row in attempts.filter(first_try=True).values(*fields).order_by(*fields).annotate(**_first_tables())
    }
    empty = dict.fromkeys(_first_tables(), 0)
    agreements = []
    for row in history_counts_by(attempts, *fields):
        key = tuple(row[f] for f in fields)
        agreements.append(
            Agreement.from_row({**empty, **firsts.get(key, {}), **row}, **dict(zip(fields, key, strict=True)))
        )
    return agreements


@dataclass(frozen=True)
class CurvePoint:
    first: int  # attempt numbers covered, 1-based
    last: int
    share_right: float  # SINS components right
    category_right: float


CURVE_POINTS = 8  # a few attempts a point: single attempts zigzag too much to read


def learning_curve(attempts: QuerySet) -> list[CurvePoint]:
    """The attempts in the order they were committed, in at most CURVE_POINTS groups as equal as can be."""
    numbered = attempts.annotate(point=Window(Ntile(CURVE_POINTS), order_by=F("submitted").asc()))
    counts = {}
    for point in range(1, CURVE_POINTS + 1):
        counts[f"n{point}"] = Count("pk", filter=Q(point=point))
        counts[f"right{point}"] = Sum("components_right", filter=Q(point=point))
        counts[f"category{point}"] = Count("pk", filter=Q(point=point, category=F("reference_category")))
    row = numbered.aggregate(**counts)
    points, last = [], 0
    for point in range(1, CURVE_POINTS + 1):
        if n := row[f"n{point}"]:
            share_right = row[f"right{point}"] / n / len(sins.COMPONENTS)
            points.append(CurvePoint(last + 1, last + n, share_right, row[f"category{point}"] / n))
            last += n
    return points


# Long enough to spare the database, short enough that a change of the library or the code soon shows.
SUMMARY_SECONDS = 3600


def summary(trainee) -> tuple[Agreement, list[CurvePoint]]:
    """A trainee's agreement and learning curve, kept in the cache until they commit again."""
    attempts = Attempt.objects.submitted().of(trainee)
    committed = attempts.aggregate(n=Count("pk"), last=Max("submitted"))
    key = f"progress:{trainee.pk}:{committed['n']}:{committed['last'] and committed['last'].timestamp()}"
    return cache.get_or_set(key, lambda: (agreement(attempts), learning_curve(attempts)), SUMMARY_SECONDS)
