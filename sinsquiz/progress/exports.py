"""CSV exports: every attempt with both readings item by item, and a cohort report's tables."""

import csv

from django.db.models import Count
from django.http import StreamingHttpResponse
from django.utils.text import slugify

from sinsquiz import sins
from sinsquiz.progress.cohort_report import CohortReport


class _Echo:
    def write(self, value):
        return value


def _safe(value) -> object:
    """Keep spreadsheets from running a text cell as a formula (names and titles are typed by people).

    Only text: numbers are passed as numbers (never pre-formatted), so a negative one stays a number."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def csv_lines(rows):
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([_safe(value) for value in row])


def csv_response(filename: str, rows) -> StreamingHttpResponse:
    """A streamed CSV download of `rows`, its file name slugified from `filename`."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.csv"'
    response["Cache-Control"] = "no-store, private"
    return response


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
    "assessment",  # answered in an assessment (its feedback was withheld), not in practice
    "regraded",  # times regraded against a corrected reference; the grades above are the latest
]


def attempt_rows(attempts):
    """One row per submitted attempt: every item, both readings (streamed, in a constant amount of memory)."""
    yield ATTEMPT_COLUMNS
    attempts = (
        attempts.submitted()
        .select_related("trainee", "case")
        .annotate(regraded=Count("regrades"))
        .order_by("submitted", "pk")
    )
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
            a.submitted.isoformat(timespec="seconds"),
            a.first_try,
            round(a.time_spent.total_seconds()),
            *items,
            a.total,
            a.reference_total,
            a.category,
            a.reference_category,
            a.consultation,
            a.components_right,
            a.feedback_from is not None,
            a.regraded,
        ]


def rounded(value: float | None, digits: int) -> float | str:
    """A figure to `digits` decimals, kept a number; an empty cell when there is nothing to measure."""
    return "" if value is None else round(value, digits)


def trainee_rows(report: CohortReport):
    # The category κ is weighted (linear), as the page says beside it.
    yield ["trainee", "name", "cases", "attempts", "components_right_share", "category_kappa_linear", "under_triage"]
    for row in report.trainees:
        a = row.agreement
        yield [
            row.trainee.username,
            row.trainee.get_full_name(),
            a.first if a else 0,
            a.attempts if a else 0,
            rounded(a.accuracy if a else None, 3),
            rounded(a.category_kappa if a else None, 3),
            a.under_triage if a else 0,
        ]


def case_rows(report: CohortReport):
    names = [c.name for c in sins.COMPONENTS]
    yield ["case", "title", "trainees", "facility", "discrimination", *(f"most_common_mistake_{n}" for n in names)]
    for row in report.cases:
        mistakes = []
        for component in row.components:
            mistake = component.repeated_mistake
            mistakes.append(f"{mistake[1].code} for {mistake[0].code} ({mistake[2]})" if mistake else "")
        discrimination = rounded(row.discrimination, 1)
        yield [row.slug, row.title, row.trainees, rounded(row.facility, 3), discrimination, *mistakes]
