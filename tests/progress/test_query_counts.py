"""Every progress page costs the same queries at ten attempts as at ten thousand, and with one case as with
fifty: the figures are aggregated by the database, never attempt by attempt."""

import pytest

from sinsquiz.progress.models import Cohort
from tests.factories import EducatorFactory, TraineeFactory, bulk_attempts, published_case
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def costs(client, trainee, educator, cohort) -> dict[str, int]:
    client.force_login(trainee)
    mine = count_queries(client, "/progress/")
    client.force_login(educator)
    return {
        "dashboard": mine,
        "a trainee's dashboard": count_queries(client, f"/progress/{trainee.pk}/"),
        "cohort list": count_queries(client, "/cohorts/"),
        "cohort page": count_queries(client, cohort.get_absolute_url()),
    }


def test_each_page_costs_the_same_queries_at_10_and_10_000_attempts_and_at_1_and_50_cases(client):
    trainee, classmate, educator = TraineeFactory(), TraineeFactory(), EducatorFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.trainees.add(trainee, classmate)
    cohort.educators.add(educator)
    case = published_case(series=1, slices=1)
    bulk_attempts(trainee, [case], 10)
    small = costs(client, trainee, educator, cohort)

    library = [case, *(published_case(series=1, slices=1) for _ in range(49))]
    bulk_attempts(trainee, library, 9_990)
    bulk_attempts(classmate, library, 500)
    large = costs(client, trainee, educator, cohort)

    assert large == small
