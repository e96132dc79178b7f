import pytest

from tests.factories import commit, published_case

# Ten cases, each as (the reference's pain, the trainee's), worked out by hand. Observed agreement 7/10; by chance
# 0.5 x 0.5 (mechanical) + 0.5 x 0.3 (pain-free) = 0.4, so unweighted kappa (0.7 - 0.4) / 0.6 = 0.50. Linear
# weights (half for a neighbouring option): disagreement 0.2 observed, 0.5 by chance, so weighted kappa 0.60.
PAIN_TABLE = [
    *[("mechanical", "mechanical")] * 4,
    ("mechanical", "occasional"),
    ("none", "mechanical"),
    ("none", "occasional"),
    *[("none", "none")] * 3,
]


@pytest.fixture
def pain_table(client, trainee):
    """The trainee commits a first attempt at each of the ten cases of PAIN_TABLE."""
    for reference, given in PAIN_TABLE:
        case = published_case(series=1, slices=1)
        reading = case.readings.get()
        reading.pain = reference
        reading.save()
        commit(client, case, pain=given)
    return trainee
