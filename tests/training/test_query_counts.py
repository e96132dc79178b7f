"""Every training page costs the same queries with one case and ten attempts as with fifty cases, a long
stack of images and ten thousand attempts: nothing is read case by case, image by image or attempt by attempt."""

import pytest

from tests.factories import ANSWER, SeriesFactory, SliceFactory, bulk_attempts, commit, published_case
from tests.queries import count_queries

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def costs(client, case, attempt) -> dict[str, int]:
    draft = client.get(case.get_absolute_url()).context["attempt_id"]
    return {
        "home": count_queries(client, "/"),
        "case list": count_queries(client, "/cases/"),
        "case page": count_queries(client, case.get_absolute_url()),
        "autosave": count_queries(client, f"/attempts/{draft}/save/", method="post", data=ANSWER, headers=HX),
        "commit": count_queries(client, f"/attempts/{draft}/commit/", method="post", data=ANSWER, headers=HX),
        "feedback": count_queries(client, attempt.get_absolute_url()),
        "next case": count_queries(client, "/practice/next/", status=302),
        "calculator": count_queries(client, "/calculator/", data={"level": "T7"}, headers=HX),
    }


def test_each_page_costs_the_same_queries_at_1_and_50_cases_and_at_10_and_10_000_attempts(client, trainee):
    case = published_case(series=1, slices=1)
    attempt = commit(client, case)
    bulk_attempts(trainee, [case], 9)
    small = costs(client, case, attempt)

    library = [case, *(published_case(series=1, slices=1) for _ in range(49))]
    for order in range(1, 4):
        series = SeriesFactory(case=case, order=order)
        for position in range(8):
            SliceFactory(series=series, position=position)
    bulk_attempts(trainee, library, 9_990)
    large = costs(client, case, attempt)

    assert large == small
