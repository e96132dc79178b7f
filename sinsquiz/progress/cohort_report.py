"""A cohort's report for its educators: each trainee, each case, each component."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Max

from sinsquiz import literature, sins, stats
from sinsquiz.progress import agreement
from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt

# The cohort page lists the cases with the lowest facility; the CSV has them all.
HARDEST_SHOWN = 25


@dataclass(frozen=True)
class TraineeRow:
    trainee: object
    agreement: agreement.Agreement | None


@dataclass(frozen=True)
class CaseRow:
    """One case, over the first attempts of the cohort's trainees."""

    case_id: int
    title: str
    slug: str
    trainees: int
    facility: float  # the share of SINS components right
    components: list[agreement.ComponentAgreement]
    discrimination: float | None


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
    overall: agreement.Agreement
    trainees: list[TraineeRow]
    cases: list[CaseRow]  # the hardest (lowest facility) first
    components: list[ComponentRow]

    @property
    def hardest_cases(self) -> list[CaseRow]:
        return self.cases[:HARDEST_SHOWN]


# The report is kept until a member commits or the membership changes, but five minutes at most, so that a
# trainee's new name does not wait for either.
REPORT_SECONDS = 300


def cached_report(cohort: Cohort) -> CohortReport:
    """The cohort's report, from the cache while neither its members nor their commits have changed."""
    # A trainee who joins adds a membership with a new, higher id; one who leaves takes one away.
    members = Cohort.trainees.through.objects.filter(cohort=cohort).aggregate(n=Count("pk"), last=Max("pk"))
    commits = Attempt.objects.submitted().filter(trainee__cohorts=cohort)
    commits = commits.aggregate(n=Count("pk"), last=Max("submitted"))
    last_commit = commits["last"] and commits["last"].timestamp()
    key = f"cohort:{cohort.pk}:{members['n']}:{members['last']}:{commits['n']}:{last_commit}"
    return cache.get_or_set(key, lambda: cohort_report(cohort), REPORT_SECONDS)


def cohort_report(cohort: Cohort) -> CohortReport:
    members = list(get_user_model().objects.filter(cohorts=cohort).order_by("last_name", "username"))
    attempts = Attempt.objects.submitted().filter(trainee__cohorts=cohort)
    trainee_rows = agreement.agreement_by(attempts, "trainee")
    by_trainee = {a.extra["trainee"]: a for a in trainee_rows}
    overall = agreement.Agreement.combine(trainee_rows)
    cases = _case_rows(attempts.filter(first_try=True))
    components = []
    for index, component in enumerate(sins.COMPONENTS):
        # How many trainees chose each option on each case, for cases at least two of them answered.
        table = [[sum(column) for column in zip(*case.components[index].table, strict=True)] for case in cases]
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
        trainees=[TraineeRow(t, by_trainee.get(t.pk)) for t in members],
        cases=cases,
        components=components,
    )


COMPONENT_NAMES = [c.name for c in sins.COMPONENTS]


def _case_rows(firsts) -> list[CaseRow]:
    """Per case, in one pass over the first attempts: facility, confusion tables, discrimination.

    Discrimination is Moodle's index with cases as the items: 100 x the correlation between the case's score
    and the rest of each trainee's cases, over the trainees who answered it (from three of them).
    """
    columns = ["case", "case__title", "case__slug", "trainee", "components_right"]
    columns += [name for c in COMPONENT_NAMES for name in (f"reference_{c}", c)]
    titles, scores = {}, defaultdict(dict)  # case -> (title, slug); trainee -> {case: score}
    tables = defaultdict(lambda: [defaultdict(int) for _ in COMPONENT_NAMES])  # case -> per component counts
    for case, title, slug, trainee, right, *answers in firsts.values_list(*columns).iterator(chunk_size=5000):
        titles[case] = (title, slug)
        scores[trainee][case] = right
        for index, counts in enumerate(tables[case]):
            counts[answers[2 * index], answers[2 * index + 1]] += 1
    totals = {trainee: sum(cases.values()) for trainee, cases in scores.items()}
    pairs = defaultdict(list)  # case -> [(score, rest of the trainee's cases)]
    for trainee, cases in scores.items():
        for case, right in cases.items():
            pairs[case].append((right, totals[trainee] - right))
    rows = []
    for case, (title, slug) in titles.items():
        answered = pairs[case]
        components = [
            agreement.ComponentAgreement(c, [[counts[e, g] for g in c.codes] for e in c.codes])
            for c, counts in zip(sins.COMPONENTS, tables[case], strict=True)
        ]
        discrimination = (
            stats.discrimination_index([item for item, _ in answered], [rest for _, rest in answered])
            if len(answered) >= 3
            else None
        )
        facility = sum(item for item, _ in answered) / len(answered) / len(sins.COMPONENTS)
        rows.append(CaseRow(case, title, slug, len(answered), facility, components, discrimination))
    return sorted(rows, key=lambda row: (row.facility, row.title))
