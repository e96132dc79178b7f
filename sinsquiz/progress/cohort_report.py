"""A cohort's report for its educators: each trainee, each case, each component."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Max

from sinsquiz import sins, stats
from sinsquiz.progress import agreement
from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt, Regrade

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
    pooled: agreement.ComponentAgreement  # all the trainees' first answers against the reference
    fleiss: float | None  # among the trainees, on cases answered by at least two of them
    fleiss_cases: int


@dataclass(frozen=True)
class CohortReport:
    overall: agreement.Agreement
    trainees: list[TraineeRow]
    cases: list[CaseRow]  # the hardest (lowest facility) first
    components: list[ComponentRow]
    cases_answered: int

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
    commits = (
        Attempt.objects.submitted().filter(trainee__cohorts=cohort).aggregate(n=Count("pk"), last=Max("submitted"))
    )
    last_commit = commits["last"] and commits["last"].timestamp()
    # A regrade changes grades without a new commit.
    regraded = Regrade.objects.filter(attempt__trainee__cohorts=cohort).aggregate(last=Max("pk"))["last"]
    key = f"cohort:{cohort.pk}:{members['n']}:{members['last']}:{commits['n']}:{last_commit}:{regraded}"
    return cache.get_or_set(key, lambda: shown(cohort_report(cohort)), REPORT_SECONDS)


def shown(report: CohortReport) -> CohortReport:
    """What the cohort page shows of a report: its hardest cases, not every case (the CSV has them all)."""
    return replace(report, cases=report.hardest_cases)


def cohort_report(cohort: Cohort) -> CohortReport:
    members = list(get_user_model().objects.filter(cohorts=cohort).order_by("last_name", "username"))
    attempts = Attempt.objects.submitted().filter(trainee__cohorts=cohort)
    firsts = agreement.first_tries(attempts, "trainee", "case", "case__title", "case__slug", "components_right")
    by_trainee = defaultdict(list)
    for row in firsts:
        by_trainee[row.trainee].append(row)
    histories = agreement.history_counts_by(attempts, "trainee")
    overall = agreement.Agreement.of(firsts, agreement.history_counts(attempts))
    cases = case_rows(firsts)
    components = []
    for index, pooled in enumerate(overall.components):
        # How many trainees chose each option on each case, for cases at least two of them answered.
        table = [[sum(column) for column in zip(*case.components[index].table, strict=True)] for case in cases]
        table = [row for row in table if sum(row) >= 2]
        components.append(ComponentRow(pooled, stats.fleiss_kappa(table) if table else None, len(table)))
    return CohortReport(
        overall=overall,
        trainees=[
            TraineeRow(t, agreement.Agreement.of(by_trainee[t.pk], histories[t.pk]) if t.pk in histories else None)
            for t in members
        ],
        cases=cases,
        components=components,
        cases_answered=len(cases),
    )


def case_rows(firsts: list) -> list[CaseRow]:
    """Per case, in one pass over the first attempts: facility, confusion tables, discrimination.

    Discrimination is Moodle's index with cases as the items: 100 x the correlation between the case's score
    and each trainee's mean score on their other cases, over the trainees who answered it and at least one
    other (from three of them). The mean, not Moodle's sum: in a library trainees answer different numbers of
    cases, and a sum would measure how many they answered rather than how well.
    """
    by_case, scores = defaultdict(list), defaultdict(dict)  # case -> rows; trainee -> {case: score}
    for row in firsts:
        by_case[row.case].append(row)
        scores[row.trainee][row.case] = row.components_right
    pairs = defaultdict(list)  # case -> [(score, mean of the trainee's other cases)]
    for cases in scores.values():
        total, others = sum(cases.values()), len(cases) - 1
        for case, right in cases.items():
            if others:
                pairs[case].append((right, (total - right) / others))
    rows = []
    for case, answers in by_case.items():
        items, rests = [item for item, _ in pairs[case]], [rest for _, rest in pairs[case]]
        discrimination = stats.discrimination_index(items, rests) if len(items) >= 3 else None
        facility = stats.facility_index([row.components_right for row in answers], len(sins.COMPONENTS))
        components = agreement.component_agreements(answers)
        title, slug = answers[0].case__title, answers[0].case__slug
        rows.append(CaseRow(case, title, slug, len(answers), facility, components, discrimination))
    return sorted(rows, key=lambda row: (row.facility, row.title))
