"""Agreement and item statistics: numbers in, numbers out. Pure: no Django (numpy only for the bootstrap).

Every function refuses empty or mismatched input with StatsError (a ValueError) and gives a defined answer,
not a crash, when every rating is the same: a kappa of 1.0 when the raters agree perfectly on a single
category, and None where a correlation, sensitivity or specificity has nothing to measure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence

import numpy as np


class StatsError(ValueError):
    """Input that a statistic cannot be computed from: empty, of unequal lengths, or malformed."""


def _paired(a: Sequence, b: Sequence) -> None:
    if len(a) != len(b):
        raise StatsError(f"The two ratings differ in length ({len(a)} and {len(b)}).")
    if not a:
        raise StatsError("There are no ratings.")


def confusion_matrix(reference: Sequence, yours: Sequence, labels: Sequence | None = None) -> list[list[int]]:
    """Counts of (reference, yours) pairs: rows follow the reference label, columns your label."""
    _paired(reference, yours)
    labels = list(labels) if labels is not None else sorted(set(reference) | set(yours))
    index = {label: n for n, label in enumerate(labels)}
    table = [[0] * len(labels) for _ in labels]
    for expected, given in zip(reference, yours, strict=True):
        if expected not in index or given not in index:
            raise StatsError(f"A rating is not among the labels: {expected!r} or {given!r}.")
        table[index[expected]][index[given]] += 1
    return table


def kappa_from_table(table: Sequence[Sequence[float]], weights: str | None = None) -> float:
    """Cohen's kappa from a square table of counts whose rows and columns share one ordered set of labels.

    weights: None (nominal), "linear" or "quadratic" (ordinal, by distance between label positions).
    """
    size = len(table)
    if size == 0 or any(len(row) != size for row in table):
        raise StatsError("A kappa needs a square table of counts.")
    total = sum(sum(row) for row in table)
    if total <= 0:
        raise StatsError("There are no ratings.")
    if weights not in (None, "linear", "quadratic"):
        raise StatsError(f"Unknown weights {weights!r}: use None, 'linear' or 'quadratic'.")
    rows = [sum(row) / total for row in table]
    cols = [sum(table[i][j] for i in range(size)) / total for j in range(size)]

    def disagreement(i: int, j: int) -> float:
        if weights is None:
            return 0.0 if i == j else 1.0
        distance = abs(i - j) / (size - 1) if size > 1 else 0.0
        return distance if weights == "linear" else distance**2

    observed = sum(disagreement(i, j) * table[i][j] / total for i in range(size) for j in range(size))
    expected = sum(disagreement(i, j) * rows[i] * cols[j] for i in range(size) for j in range(size))
    if expected == 0:
        return 1.0  # every rating fell in one category, on both sides: perfect, if trivial, agreement
    return 1 - observed / expected


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable], weights: str | None = None) -> float:
    """Cohen's kappa between two raters; the categories are the sorted union of the values seen."""
    _paired(a, b)
    return kappa_from_table(confusion_matrix(a, b), weights)


def fleiss_kappa(table: Sequence[Sequence[float]]) -> float:
    """Fleiss' kappa from a subjects x categories table of how many raters chose each category.

    Subjects may have different numbers of raters (each needs at least two); with equal numbers this is
    Fleiss' original statistic.
    """
    rows = [list(row) for row in table]
    if not rows or not rows[0]:
        raise StatsError("Fleiss' kappa needs at least one subject and one category.")
    if any(len(row) != len(rows[0]) for row in rows):
        raise StatsError("Every subject needs a count for every category.")
    raters = [sum(row) for row in rows]
    if any(n < 2 for n in raters):
        raise StatsError("Every subject needs at least two ratings.")
    agreement = [(sum(c * c for c in row) - n) / (n * (n - 1)) for row, n in zip(rows, raters, strict=True)]
    observed = sum(agreement) / len(rows)
    total = sum(raters)
    proportions = [sum(row[j] for row in rows) / total for j in range(len(rows[0]))]
    expected = sum(p * p for p in proportions)
    if expected == 1:
        return 1.0
    return (observed - expected) / (1 - expected)


def icc_2_1(matrix: Sequence[Sequence[float]]) -> float:
    """ICC(2,1): two-way random effects, absolute agreement, single rater (Shrout and Fleiss 1979).

    matrix: subjects x raters, complete.
    """
    rows = [list(map(float, row)) for row in matrix]
    n = len(rows)
    k = len(rows[0]) if rows else 0
    if n < 2 or k < 2:
        raise StatsError("ICC(2,1) needs at least two subjects and two raters.")
    if any(len(row) != k for row in rows):
        raise StatsError("Every subject needs a rating from every rater.")
    grand = sum(map(sum, rows)) / (n * k)
    row_means = [sum(row) / k for row in rows]
    col_means = [sum(row[j] for row in rows) / n for j in range(k)]
    ss_rows = k * sum((m - grand) ** 2 for m in row_means)
    ss_cols = n * sum((m - grand) ** 2 for m in col_means)
    ss_total = sum((x - grand) ** 2 for row in rows for x in row)
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    denominator = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    if denominator == 0:
        return 1.0  # every rating identical
    return (ms_rows - ms_error) / denominator


def facility_index(scores: Sequence[float], max_score: float) -> float:
    """Moodle's facility index: the mean score as a fraction of the maximum (0 = nobody, 1 = everybody)."""
    if not scores:
        raise StatsError("There are no scores.")
    if max_score <= 0:
        raise StatsError("The maximum score must be positive.")
    return sum(scores) / len(scores) / max_score


def correlation(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Pearson's r; None when either side does not vary."""
    _paired(a, b)
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    if var_a == 0 or var_b == 0:
        return None
    return cov / math.sqrt(var_a * var_b)


def discrimination_index(item_scores: Sequence[float], rest_scores: Sequence[float]) -> float | None:
    """Moodle's discrimination index: 100 x the correlation of an item with the rest of the test."""
    r = correlation(item_scores, rest_scores)
    return None if r is None else 100 * r


KAPPA_LABELS = (
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (1.00, "almost perfect"),
)


def kappa_label(kappa: float | None) -> str:
    """Landis and Koch's words for a kappa: slight, fair, moderate, substantial, almost perfect; for the kappa as
    the pages show it, to two decimals (0.7971 and 0.8025 both read 0.80, and alike)."""
    if kappa is None:
        return ""
    kappa = round(kappa, 2)
    if kappa < 0:
        return "poor"
    return next(label for limit, label in KAPPA_LABELS if kappa <= limit + 1e-12)


def paired_bootstrap_ci(
    before: Sequence,
    after: Sequence,
    statistic: Callable,
    *,
    resamples: int = 2000,
    seed: int = 19,
    level: float = 0.95,
    vectorized: bool = False,
) -> tuple[float, float, float]:
    """A statistic of paired observations with its percentile bootstrap interval: (estimate, low, high).

    The pairs are resampled together, with replacement (what is resampled is a case read twice, never one reading
    alone), from a seeded numpy Generator, so the same data always give the same interval; the interval's ends are
    the linearly interpolated quantiles of the resampled statistics, as scipy.stats.bootstrap(paired=True,
    method="percentile") computes them. `before[i]` and `after[i]` are the two sides of unit i: a number, or a row
    of numbers (a case with several readers: say, how many readings and how many were right).

    statistic(before, after) takes two arrays whose first axis is the units; with `vectorized`, it takes arrays of
    shape (resamples, units, ...) and returns one value per resample.
    """
    _paired(before, after)
    if resamples < 1:
        raise StatsError("The bootstrap needs at least one resample.")
    if not 0 < level < 1:
        raise StatsError(f"The confidence level is a fraction between 0 and 1, not {level!r}.")
    first, second = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if first.shape != second.shape:
        raise StatsError("Each pair needs the same number of values on both sides.")
    n = len(first)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n, (resamples, n))
    if vectorized:
        estimate = float(np.asarray(statistic(first[np.newaxis], second[np.newaxis]))[0])
        values = np.asarray(statistic(first[index], second[index]), dtype=float)
    else:
        estimate = float(statistic(first, second))
        values = np.array([statistic(first[rows], second[rows]) for rows in index], dtype=float)
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return estimate, float(low), float(high)


def pooled_share_change(before, after):
    """Retest minus baseline share right, pooled over units whose rows are (readings, right): a case read by
    several trainees weighs by its readings. Works on one sample (units, 2) and, for paired_bootstrap_ci's
    `vectorized`, on (resamples, units, 2)."""

    def share(rows):
        rows = np.asarray(rows, dtype=float)
        return rows[..., 1].sum(axis=-1) / rows[..., 0].sum(axis=-1)

    return share(after) - share(before)
