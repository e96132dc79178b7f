"""The library as trainees see it: the case list, the case page, and the images behind them."""

import pytest

from cases.models import Case, Series
from tests.factories import (
    CaseFactory,
    EducatorFactory,
    published_case,
)

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [case.title for case in response.context["page"].object_list]


def test_the_list_shows_published_cases_only(trainee_client):
    published_case(title="Published")
    CaseFactory(title="Draft", status=Case.Status.DRAFT)

    response = trainee_client.get("/cases/")

    assert titles(response) == ["Published"]
    assert "Draft" not in response.content.decode()


def test_educators_see_drafts_marked_as_such(client):
    client.force_login(EducatorFactory())
    CaseFactory(title="Draft", status=Case.Status.DRAFT)

    html = client.get("/cases/").content.decode()

    assert "Draft" in html and '<span class="tag draft">Draft</span>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=kidney", ["Renal"]),
        ("q=BREAST", ["Thoracic breast"]),
        ("region=lumbar", ["Renal"]),
        ("region=thoracic", ["Thoracic breast"]),
        ("modality=ct", ["Renal"]),
        ("difficulty=3", ["Renal"]),
        ("difficulty=9", ["Renal", "Thoracic breast"]),  # an invalid filter is ignored, not an error
        ("region=nowhere&page=99", ["Renal", "Thoracic breast"]),
    ],
)
def test_the_list_filters_and_searches(trainee_client, query, expected):
    published_case(title="Thoracic breast", index_level="T7")
    renal = published_case(title="Renal", index_level="L3", region="lumbar", primary_tumour="Kidney carcinoma",
                           difficulty=3)  # fmt: skip
    Series.objects.filter(case=renal).update(modality="ct")

    response = trainee_client.get(f"/cases/?{query}")

    assert response.status_code == 200
    assert titles(response) == expected


def test_an_htmx_request_returns_only_the_results(trainee_client):
    published_case(title="Only")

    response = trainee_client.get("/cases/?q=only", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"') and "<html" not in html
    assert "Only" in html


def test_the_list_is_paginated(trainee_client):
    for n in range(14):
        CaseFactory(title=f"Case {n:02}")

    first, second = trainee_client.get("/cases/"), trainee_client.get("/cases/?page=2")

    assert len(titles(first)) == 12 and len(titles(second)) == 2
    assert "Page 1 of 2" in first.content.decode()
