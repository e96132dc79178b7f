"""sinsquiz/stats.py against scikit-learn, statsmodels and numpy as oracles, and hand-worked examples."""

import math
import random

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from statsmodels.formula.api import ols
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from sinsquiz import stats

SEEDS = range(25)


def random_ratings(seed, categories=4, n=40, agreement=0.6):
    rng = random.Random(seed)
    a = [rng.randrange(categories) for _ in range(n)]
    b = [x if rng.random() < agreement else rng.randrange(categories) for x in a]
    return a, b


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", SEEDS)
def test_cohen_kappa_equals_scikit_learn(seed, weights):
    a, b = random_ratings(seed, categories=2 + seed % 4)

    assert stats.cohen_kappa(a, b, weights) == pytest.approx(cohen_kappa_score(a, b, weights=weights))


def test_cohen_kappa_by_hand():
    # 2 x 2: agree on 20 yes and 15 no, disagree on 10 + 5. po = 0.7; pe = 0.6 * 0.5 + 0.4 * 0.5 = 0.5.
    a = ["yes"] * 20 + ["yes"] * 10 + ["no"] * 5 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 10 + ["yes"] * 5 + ["no"] * 15

    assert stats.cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_is_one_for_perfect_agreement_and_defined_when_everything_is_the_same():
    assert stats.cohen_kappa([1, 2, 3], [1, 2, 3]) == 1
    assert stats.cohen_kappa([2, 2, 2], [2, 2, 2]) == 1.0
    assert stats.cohen_kappa([2, 2, 2], [2, 2, 2], "linear") == 1.0
    assert stats.kappa_from_table([[5]]) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_confusion_matrix_equals_scikit_learn(seed):
    a, b = random_ratings(seed)

    assert stats.confusion_matrix(a, b, labels=[0, 1, 2, 3]) == sk_confusion_matrix(a, b, labels=[0, 1, 2, 3]).tolist()


def test_kappa_from_a_table_equals_kappa_from_the_ratings():
    a, b = random_ratings(3)
    table = stats.confusion_matrix(a, b)

    for weights in (None, "linear", "quadratic"):
        assert stats.kappa_from_table(table, weights) == pytest.approx(stats.cohen_kappa(a, b, weights))


@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_kappa_equals_statsmodels(seed):
    rng = np.random.default_rng(seed)
    subjects, categories, raters = 12, 3 + seed % 3, 5
    table = [rng.multinomial(raters, rng.dirichlet(np.ones(categories))).tolist() for _ in range(subjects)]

    assert stats.fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(np.array(table), method="fleiss"))


def test_fleiss_kappa_by_hand_from_fleiss_1971():
    # Wikipedia's worked example of Fleiss (1971): 10 subjects, 14 raters, 5 categories; kappa = 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip

    assert stats.fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_allows_subjects_with_different_numbers_of_raters():
    assert stats.fleiss_kappa([[2, 0], [0, 3], [1, 1]]) == pytest.approx(
        ((1 + 1 + 0) / 3 - ((3 / 7) ** 2 + (4 / 7) ** 2)) / (1 - ((3 / 7) ** 2 + (4 / 7) ** 2))
    )
    assert stats.fleiss_kappa([[3, 0], [4, 0]]) == 1.0  # everyone chose the same category


def icc_by_statsmodels(matrix):
    """ICC(2,1) from the mean squares of a two-way ANOVA fitted by statsmodels."""
    n, k = matrix.shape
    data = pd.DataFrame(
        [(i, j, matrix[i, j]) for i in range(n) for j in range(k)], columns=["subject", "rater", "score"]
    )
    table = anova_lm(ols("score ~ C(subject) + C(rater)", data).fit())
    ms_rows, ms_cols, ms_error = table["mean_sq"].iloc[0], table["mean_sq"].iloc[1], table["mean_sq"].iloc[2]
    return (ms_rows - ms_error) / (ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n)


@pytest.mark.parametrize("seed", SEEDS)
def test_icc_2_1_equals_a_statsmodels_anova(seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 19, size=(15, 1))
    matrix = np.clip(truth + rng.integers(-3, 4, size=(15, 2 + seed % 4)), 0, 18)

    assert stats.icc_2_1(matrix.tolist()) == pytest.approx(icc_by_statsmodels(matrix.astype(float)))


def test_icc_2_1_by_hand_from_shrout_and_fleiss():
    # Shrout and Fleiss (1979), Table 2: six targets, four judges; ICC(2,1) = 0.29.
    matrix = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]

    assert stats.icc_2_1(matrix) == pytest.approx(0.29, abs=0.005)
    assert stats.icc_2_1([[5, 5], [5, 5], [5, 5]]) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_discrimination_index_is_a_hundred_times_numpys_correlation(seed):
    rng = np.random.default_rng(seed)
    item = rng.integers(0, 7, 30)
    rest = item * 3 + rng.integers(0, 20, 30)

    assert stats.discrimination_index(item.tolist(), rest.tolist()) == pytest.approx(
        100 * np.corrcoef(item, rest)[0, 1]
    )


def test_item_statistics_by_hand():
    assert stats.facility_index([6, 3, 0, 3], 6) == pytest.approx(0.5)
    assert stats.discrimination_index([1, 1, 1], [3, 4, 5]) is None  # nobody differs on the item


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.cohen_kappa([], []), "no ratings"),
        (lambda: stats.cohen_kappa([1, 2], [1]), "differ in length"),
        (lambda: stats.cohen_kappa([1], [1], "cubic"), "Unknown weights"),
        (lambda: stats.kappa_from_table([[1, 2]]), "square table"),
        (lambda: stats.fleiss_kappa([]), "at least one subject"),
        (lambda: stats.fleiss_kappa([[1, 0], [1, 1]]), "at least two ratings"),
        (lambda: stats.fleiss_kappa([[1, 1], [1, 1, 0]]), "every category"),
        (lambda: stats.icc_2_1([[1, 2]]), "two subjects"),
        (lambda: stats.icc_2_1([[1, 2], [1]]), "every rater"),
        (lambda: stats.facility_index([], 6), "no scores"),
        (lambda: stats.facility_index([1], 0), "positive"),
        (lambda: stats.confusion_matrix([1], [9], labels=[1, 2]), "not among the labels"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(stats.StatsError, match=message):
        call()


@pytest.mark.parametrize(
    ("kappa", "label"),
    [(-0.1, "poor"), (0.1, "slight"), (0.25, "fair"), (0.5, "moderate"), (0.712, "substantial"),
     (0.9, "almost perfect"), (1.0, "almost perfect"), (None, "")],
)  # fmt: skip
def test_kappa_labels_follow_landis_and_koch(kappa, label):
    assert stats.kappa_label(kappa) == label


def test_a_kappa_is_labelled_as_it_is_shown_to_two_decimals():
    assert stats.kappa_label(0.7971) == stats.kappa_label(0.8025) == "substantial"  # both read 0.80
    assert stats.kappa_label(0.8051) == "almost perfect"  # 0.81


def test_the_module_is_pure():
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, sinsquiz.stats; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(stats.__file__).parents[1]
    )
    assert result.stdout.strip() == "False"
    assert not math.isnan(stats.cohen_kappa([0, 1], [1, 0]))


# --- The paired bootstrap of test–retest ------------------------------------------------------------------


def mean_difference(before, after, axis=-1):
    return np.mean(after, axis=axis) - np.mean(before, axis=axis)


@pytest.mark.parametrize("seed", range(10))
def test_paired_bootstrap_equals_scipys_percentile_interval(seed):
    from scipy.stats import bootstrap

    rng = np.random.default_rng(100 + seed)
    before = rng.integers(0, 2, 15 + seed).astype(float)
    after = np.where(rng.random(len(before)) < 0.7, before, rng.integers(0, 2, len(before)))

    estimate, low, high = stats.paired_bootstrap_ci(
        before.tolist(), after.tolist(), lambda b, a: mean_difference(b, a), resamples=999, seed=seed
    )
    oracle = bootstrap(
        (before, after), mean_difference, paired=True, vectorized=True, method="percentile",
        n_resamples=999, confidence_level=0.95, rng=np.random.default_rng(seed),
    )  # fmt: skip

    assert estimate == pytest.approx(mean_difference(before, after))
    assert low == pytest.approx(oracle.confidence_interval.low)
    assert high == pytest.approx(oracle.confidence_interval.high)


def test_the_vectorised_bootstrap_gives_the_same_interval_as_the_loop():
    rng = np.random.default_rng(7)
    # Units of (readings, right): a case read by several trainees, at baseline and at retest.
    readings = rng.integers(1, 5, 12)
    before = np.stack([readings, rng.binomial(readings, 0.5)], axis=1).tolist()
    after = np.stack([readings, rng.binomial(readings, 0.7)], axis=1).tolist()

    loop = stats.paired_bootstrap_ci(before, after, stats.pooled_share_change, resamples=500, seed=3)
    vectorised = stats.paired_bootstrap_ci(
        before, after, stats.pooled_share_change, resamples=500, seed=3, vectorized=True
    )

    assert vectorised == pytest.approx(loop)


def test_the_pooled_share_change_weighs_cases_by_their_readings():
    # 3 of 4 right at baseline, then 4 of 4; one case read by three trainees, one by one.
    before, after = [[3, 2], [1, 1]], [[3, 3], [1, 1]]

    assert stats.pooled_share_change(before, after) == pytest.approx(1 - 3 / 4)


def test_the_bootstrap_is_seeded_and_its_interval_holds_the_estimate():
    before = [3, 9, 4, 8, 11, 6, 10, 5, 7, 12, 4, 9]
    after = [5, 9, 6, 12, 12, 8, 13, 5, 10, 12, 7, 9]

    first = stats.paired_bootstrap_ci(before, after, mean_difference, seed=5)
    again = stats.paired_bootstrap_ci(before, after, mean_difference, seed=5)
    other = stats.paired_bootstrap_ci(before, after, mean_difference, seed=6)

    assert first == again
    assert first != other
    estimate, low, high = first
    assert estimate == pytest.approx(20 / 12)
    assert low <= estimate <= high


def test_identical_pairs_give_a_zero_width_interval():
    assert stats.paired_bootstrap_ci([1, 0, 1], [1, 0, 1], mean_difference) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"before": [], "after": []}, "no ratings"),
        ({"before": [1, 2], "after": [1]}, "differ in length"),
        ({"before": [1], "after": [1], "resamples": 0}, "at least one resample"),
        ({"before": [1], "after": [1], "level": 95}, "between 0 and 1"),
        ({"before": [[1, 2]], "after": [[1]]}, "same number of values"),
    ],
)
def test_the_bootstrap_refuses_what_it_cannot_resample(kwargs, message):
    with pytest.raises(stats.StatsError, match=message):
        stats.paired_bootstrap_ci(statistic=mean_difference, **kwargs)
