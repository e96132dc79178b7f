"""A cohort's report for its educators, and the CSV exports."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from sinsquiz import literature, progress, sins, stats
from sinsquiz.models import Attempt, Cohort


@dataclass(frozen=True)
class TraineeRow:
    trainee: object
    agreement: progress.Agreement | None


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    title: str
    slug: str
    agreement: progress.Agreement  # first attempts of the cohort's trainees
    discrimination: float | None

    @property
    def facility(self) -> float | None:
        return self.agreement.accuracy


@dataclass(frozen=True)
class ComponentRow:
    component: sins.Component
    fleiss: float | None  # among the trainees, on cases answered by at least two of them
    fleiss_cases: int
    kappa: float | None  # all the trainees' first answers against the reference
    accuracy: float | None
    published: list[tuple[literature.Study, float]]


@dataclass(frozen=True)
class CohortReport:
    overall: progress.Agreement
    trainees: list[TraineeRow]
    cases: list[CaseRow]
    components: list[ComponentRow]


def cohort_report(cohort: Cohort) -> CohortReport:
    members = get_user_model().objects.filter(cohorts=cohort)
    attempts = Attempt.objects.submitted().filter(trainee__in=members)
    by_trainee = {a.extra["trainee"]: a for a in progress.agreement_by(attempts, "trainee")}
    overall = progress.Agreement.combine(list(by_trainee.values()))
    firsts = attempts.filter(first_try=True)
    by_case = progress.agreement_by(firsts, "case", "case__title", "case__slug", first_only=True)
    discrimination = _discrimination(firsts.values_list("trainee", "case", "components_right"))
    cases = [
        CaseRow(a.extra["case"], a.extra["case__title"], a.extra["case__slug"], a, discrimination.get(a.extra["case"]))
        for a in by_case
    ]
    components = []
    for index, component in enumerate(sins.COMPONENTS):
        # How many trainees chose each option on each case, for cases at least two of them answered.
        table = [[sum(column) for column in zip(*case.agreement.components[index].table, strict=True)]
                 for case in cases]  # fmt: skip
        table = [row for row in table if sum(row) >= 2]
        pooled = overall.components[index]
        components.append(
            ComponentRow(
                component,
                stats.fleiss_kappa(table) if table else None,
                len(table),
                pooled.kappa,
                pooled.accuracy,
                pooled.published,
            )
        )
    return CohortReport(
        overall=overall,
        trainees=[TraineeRow(t, by_trainee.get(t.pk)) for t in members.order_by("last_name", "username")],
        cases=cases,
        components=components,
    )


def _discrimination(scores) -> dict[int, float | None]:
    """Per case: 100 x the correlation between the case score and the rest of each trainee's cases, over
    the trainees who answered it (Moodle's discrimination index, with cases as the items)."""
    by_trainee: dict[int, dict[int, int]] = defaultdict(dict)
    for trainee, case, right in scores:
        by_trainee[trainee][case] = right
    totals = {trainee: sum(cases.values()) for trainee, cases in by_trainee.items()}
    by_case: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for trainee, cases in by_trainee.items():
        for case, right in cases.items():
            by_case[case].append((right, totals[trainee] - right))
    return {
        case: stats.discrimination_index([item for item, _ in pairs], [rest for _, rest in pairs])
        if len(pairs) >= 3
        else None
        for case, pairs in by_case.items()
    }


# --- CSV ------------------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _safe(value) -> object:
    """Keep spreadsheets from running a cell as a formula (names and titles are typed by people)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def csv_lines(rows):
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([_safe(value) for value in row])


ATTEMPT_COLUMNS = [
    "attempt",
    "trainee",
    "trainee_name",
    "case",
    "case_title",
    "case_version",
    "submitted",
    "first_try",
    "seconds_spent",
    *(f"{which}_{item}" for item in sins.READING_ITEMS for which in ("trainee", "reference", "correct")),
    "trainee_total",
    "reference_total",
    "trainee_category",
    "reference_category",
    "consultation",
    "components_right",
]


def attempt_rows(attempts):
    """One row per submitted attempt: every item, both readings (streamed, in a constant amount of memory)."""
    yield ATTEMPT_COLUMNS
    attempts = attempts.submitted().select_related("trainee", "case").order_by("submitted", "pk")
    for a in attempts.iterator(chunk_size=2000):
        items = []
        for item in sins.READING_ITEMS:
            items += [getattr(a, item), a.reference_answer(item), a.correct(item)]
        yield [
            a.pk,
            a.trainee.username,
            a.trainee.get_full_name(),
            a.case.slug,
            a.case.title,
            a.case_version,
            a.submitted.isoformat(),
            a.first_try,
            round(a.time_spent.total_seconds()),
            *items,
            a.total,
            a.reference_total,
            a.category,
            a.reference_category,
            a.consultation,
            a.components_right,
        ]


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def trainee_rows(report: CohortReport):
    yield ["trainee", "name", "cases", "attempts", "components_right_share", "category_kappa", "under_triage"]
    for row in report.trainees:
        a = row.agreement
        yield [
            row.trainee.username,
            row.trainee.get_full_name(),
            a.first if a else 0,
            a.attempts if a else 0,
            _share(a.accuracy if a else None),
            _share(a.category_kappa if a else None),
            a.under_triage if a else 0,
        ]


def case_rows(report: CohortReport):
    names = [c.name for c in sins.COMPONENTS]
    yield ["case", "title", "trainees", "facility", "discrimination", *(f"most_common_mistake_{n}" for n in names)]
    for row in report.cases:
        mistakes = []
        for component in row.agreement.components:
            mistake = component.most_common_mistake
            mistakes.append(f"{mistake[1].code} for {mistake[0].code} ({mistake[2]})" if mistake else "")
        discrimination = "" if row.discrimination is None else f"{row.discrimination:.1f}"
        yield [row.slug, row.title, row.agreement.first, _share(row.facility), discrimination, *mistakes]
