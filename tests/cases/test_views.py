"""The library as trainees see it: the case list, the case page, and the images behind them."""

import re

import pytest

from cases.models import Case, ReferenceReading, Series
from tests.factories import (
    CaseFactory,
    EducatorFactory,
    SeriesFactory,
    SliceFactory,
    TraineeFactory,
    published_case,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee_client(client):
    client.force_login(TraineeFactory())
    return client


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


def test_the_case_page_shows_the_history_and_every_series(trainee_client):
    case = published_case(series=2, slices=3, presentation="Six weeks of back pain.", age=71)

    html = trainee_client.get(f"/cases/{case.slug}/").content.decode()

    assert "Six weeks of back pain." in html and "71 years" in html
    assert case.pain_statement in html
    for series in case.series.all():
        assert f'id="series-{series.pk}"' in html
        for slice_ in series.slices.all():
            assert slice_.web.url in html
            assert slice_.image.url not in html  # originals are never sent to the page


def test_a_draft_is_404_for_trainees_and_previewable_by_educators(client):
    draft = published_case(status=Case.Status.DRAFT)
    client.force_login(TraineeFactory())
    assert client.get(f"/cases/{draft.slug}/").status_code == 404

    client.force_login(EducatorFactory())
    response = client.get(f"/cases/{draft.slug}/")
    assert response.status_code == 200
    assert "Draft — preview" in response.content.decode()


def test_no_reference_data_reaches_a_trainee_before_they_answer(trainee_client):
    sentinel = "SENTINEL-REFERENCE"
    case = published_case(index_level="L5", teaching_points=f"{sentinel} teaching", discussion=f"{sentinel} talk")
    fields = {f"{item}_rationale": f"{sentinel} {item}" for item in ("level", "pain", "collapse", "tomita")}
    ReferenceReading.objects.filter(case=case).update(reader_name=f"{sentinel} reader", **fields)

    for url in ("/cases/", f"/cases/{case.slug}/", "/cases/?q=breast", "/"):
        html = trainee_client.get(url).content.decode()
        assert sentinel not in html, url
        assert "Dr A. Expert" not in html
    html = trainee_client.get(f"/cases/{case.slug}/").content.decode()
    assert not re.search(r'<input type="radio"[^>]* checked', html)  # nothing is pre-answered
    assert not re.search(r'<option value="\w+" selected>', html)


def test_images_need_a_login_and_are_served_safely(client):
    slice_ = SliceFactory()

    assert client.get(slice_.web.url).status_code == 302

    client.force_login(TraineeFactory())
    response = client.get(slice_.web.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("path", ["/media/../sinsquiz/settings.py", "/media/cases/../../pyproject.toml",
                                  "/media/cases/slices/missing.png", "/media/other/file.png"])  # fmt: skip
def test_only_stored_case_images_can_be_fetched(trainee_client, path):
    assert trainee_client.get(path).status_code == 404


def test_the_list_costs_the_same_queries_for_one_case_and_for_fifty(trainee_client):
    published_case(series=3, slices=2)
    one = count_queries(trainee_client, "/cases/")
    for _ in range(49):
        published_case(series=3, slices=2)

    fifty = count_queries(trainee_client, "/cases/")

    assert fifty == one
    assert one


def test_the_case_page_costs_the_same_queries_for_one_slice_and_for_forty(
    trainee_client, django_assert_max_num_queries
):
    small = published_case(series=2, slices=1)
    big = published_case(series=2, slices=1)
    for series in big.series.all():
        for position in range(1, 40):
            SliceFactory(series=series, position=position)
    SeriesFactory(case=big)

    for case in (small, big):  # the first visit also opens the trainee's draft
        trainee_client.get(f"/cases/{case.slug}/")

    one = count_queries(trainee_client, f"/cases/{small.slug}/")
    forty = count_queries(trainee_client, f"/cases/{big.slug}/")

    assert forty == one
    assert one


def test_images_of_a_draft_case_are_not_served_to_trainees(client):
    draft = published_case(status=Case.Status.DRAFT)
    web = draft.series.first().slices.first().web.url

    client.force_login(TraineeFactory())
    assert client.get(web).status_code == 404
    client.force_login(EducatorFactory())
    response = client.get(web)
    assert response.status_code == 200
    response.close()


def test_deleting_a_case_removes_its_files_unless_a_copy_shares_them(settings, django_capture_on_commit_callbacks):
    kept, removed = published_case(series=1, slices=1), published_case(series=1, slices=1)
    shared = kept.series.get().slices.get()
    own = removed.series.get().slices.get()
    copy = SliceFactory.build(series=SeriesFactory(), image=shared.image.name, web=shared.web.name,
                              thumbnail=shared.thumbnail.name, width=1, height=1)  # fmt: skip
    copy.save()

    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.filter(pk__in=[kept.pk, removed.pk]).delete()

    storage = own.image.storage
    assert not storage.exists(own.image.name) and not storage.exists(own.web.name)
    assert storage.exists(shared.image.name)  # still used by the copy
