"""Authoring through the admin, as an educator does it, with the test client."""

import pytest
from django.contrib.messages import get_messages

from cases.models import Case, ReferenceReading, Series, Slice
from tests.admin_forms import admin_post_data
from tests.factories import (
    CaseFactory,
    EducatorFactory,
    ReferenceReadingFactory,
    SeriesFactory,
    TraineeFactory,
    png_upload,
    published_case,
)

pytestmark = pytest.mark.django_db

READING = {
    "readings-0-reader_name": "Dr A. Expert",
    "readings-0-is_primary": "on",
    "readings-0-pain": "mechanical",
    "readings-0-bone_lesion": "lytic",
    "readings-0-alignment": "deformity",
    "readings-0-collapse": "gt50",
    "readings-0-posterolateral": "bilateral",
    "readings-0-absent_pedicle": "absent",
    "readings-0-tomita": "4",
    "readings-0-level_rationale": "The most collapsed body is L1.",
}


@pytest.fixture
def educator_client(client):
    client.force_login(EducatorFactory())
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_educator_creates_a_draft_case_with_its_history_and_expert_reading(educator_client):
    page = educator_client.get("/admin/cases/case/add/")
    data = admin_post_data(
        page,
        title="Back pain after breast cancer",
        slug="back-pain-after-breast-cancer",
        index_level="l1",
        region="thoracolumbar",
        age="58",
        sex="female",
        primary_tumour="Breast carcinoma",
        presentation="Six weeks of back pain.",
        pain_statement="Worse on standing, eases lying flat.",
        **READING,
    )

    response = educator_client.post("/admin/cases/case/add/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    case = Case.objects.get(slug="back-pain-after-breast-cancer")
    assert case.status == Case.Status.DRAFT
    assert case.index_level == "L1" and case.region == "thoracolumbar"
    assert case.author.username.startswith("educator")
    reading = case.readings.get()
    assert (reading.total, reading.category) == (3 + 3 + 2 + 2 + 3 + 3, "unstable")
    assert reading.level_rationale == "The most collapsed body is L1."


# --- 13. A draft is saved as it stands; publication checks completeness, once per problem ------------


def test_a_draft_case_saves_with_only_its_history(educator_client):
    page = educator_client.get("/admin/cases/case/add/")
    data = admin_post_data(
        page,
        title="Back pain after lung cancer",
        slug="back-pain-after-lung-cancer",
        region="lumbar",
        primary_tumour="Lung adenocarcinoma",
        presentation="Two months of low back pain.",
    )

    response = educator_client.post("/admin/cases/case/add/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    case = Case.objects.get(slug="back-pain-after-lung-cancer")
    assert (case.status, case.index_level, case.readings.count()) == (Case.Status.DRAFT, "", 0)


def test_a_draft_keeps_an_unfinished_expert_reading(educator_client):
    page = educator_client.get("/admin/cases/case/add/")
    data = admin_post_data(
        page, title="x", slug="x", region="thoracic", index_level="T7", **{"readings-0-bone_lesion": "lytic"}
    )

    response = educator_client.post("/admin/cases/case/add/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    reading = Case.objects.get(slug="x").readings.get()
    assert (reading.bone_lesion, reading.pain, reading.total) == ("lytic", "", None)


def test_publishing_an_unfinished_case_names_each_problem_once(educator_client):
    case = CaseFactory(status=Case.Status.DRAFT, index_level="", pain_statement="")
    ReferenceReadingFactory(case=case, level="", pain="", collapse="", tomita=None)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, status="published"))

    html = response.content.decode()
    for problem in [
        "A published case needs an index level: the level the expert reading scores.",
        "A published case needs a pain statement",
        "A published case needs at least one image",
        "The primary reading must give every item the case asks for; it lacks: index level, pain, vertebral body collapse, tomita type.",
    ]:
        assert html.count(problem) == 1, problem
    assert "This field is required." not in html
    assert "An expert reading gives every item." not in html
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT


# --- 14. The index level is entered once ----------------------------------------------------------------


def test_the_primary_reading_takes_the_case_index_level_and_its_location_class(educator_client):
    page = educator_client.get("/admin/cases/case/add/")
    assert 'name="readings-0-location"' not in page.content.decode()
    data = admin_post_data(page, title="x", slug="x", region="thoracolumbar", index_level="L1", **READING)

    educator_client.post("/admin/cases/case/add/", data)

    reading = Case.objects.get(slug="x").readings.get()
    assert (reading.level, reading.location) == ("L1", "junctional")


def test_readings_that_follow_the_case_follow_a_change_of_its_level_and_a_second_expert_may_disagree(
    educator_client,
):
    case = published_case(status=Case.Status.DRAFT, index_level="T7")
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.context["inline_admin_formsets"][1].formset.forms[0]["level"].value() == ""  # follows the case

    data = admin_post_data(page, index_level="T11", **{"readings-1-level": "T12"})
    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    levels = {r.reader_name: (r.level, r.location) for r in case.readings.all()}
    assert levels == {"Dr A. Expert": ("T11", "junctional"), "Dr B": ("T12", "junctional")}


def test_a_primary_reading_may_not_score_another_level_than_the_case(educator_client):
    case = published_case(status=Case.Status.DRAFT, index_level="T7")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **{"readings-0-level": "T8"})
    )

    assert response.status_code == 200
    assert "The primary reading scores the case&#x27;s index level (T7): leave this blank" in response.content.decode()
    assert case.readings.get().level == "T7"


# --- 15. Readers are educators; the person and the credit are told apart -----------------------------


def test_only_educators_are_offered_as_readers_and_the_new_reading_is_credited_to_its_author(client):
    educator = EducatorFactory(first_name="Ada", last_name="Okafor")
    EducatorFactory(first_name="Ben", last_name="Second")
    TraineeFactory(first_name="Tess", last_name="Trainee")
    client.force_login(educator)

    page = client.get("/admin/cases/case/add/")

    html = page.content.decode()
    assert ">Ada Okafor</option>" in html and ">Ben Second</option>" in html
    assert "Tess Trainee" not in html
    assert "Educator account" in html and "Credited as" in html
    assert ">Reader:<" not in html
    form = page.context["inline_admin_formsets"][1].formset.forms[0]
    assert (form["reader"].value(), form["reader_name"].value(), form["is_primary"].value()) == (
        educator.pk,
        "Ada Okafor",
        True,
    )


def test_a_trainee_cannot_be_made_a_reader(educator_client):
    trainee = TraineeFactory()
    page = educator_client.get("/admin/cases/case/add/")
    data = admin_post_data(
        page, title="x", slug="x", region="thoracic", index_level="T7", **{**READING, "readings-0-reader": trainee.pk}
    )

    response = educator_client.post("/admin/cases/case/add/", data)

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Case.objects.exists()


def test_publishing_without_pain_statement_or_images_says_why(educator_client):
    case = CaseFactory(status=Case.Status.DRAFT, pain_statement="")
    ReferenceReadingFactory(case=case)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, status="published"))

    html = response.content.decode()
    assert "A published case needs a pain statement: pain is scored from the history" in html
    assert "A published case needs at least one image" in html
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT


def test_publishing_with_two_primary_readings_is_refused(educator_client):
    case = published_case(status=Case.Status.DRAFT)
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    data = admin_post_data(page, status="published", **{"readings-1-is_primary": "on"})
    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", data)

    assert "A published case needs exactly one primary expert reading; it has 2." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT


def test_a_complete_case_is_published_from_its_page_and_shows_the_computed_reference(educator_client):
    case = published_case(status=Case.Status.DRAFT)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    assert "T7 lies in T3–T10: semirigid, 1 point; total 9 of 18, potentially unstable" in page.content.decode()
    assert f'href="/cases/{case.slug}/"' in page.content.decode()  # preview as trainee

    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, status="published"))

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.PUBLISHED


def test_a_stack_is_uploaded_in_one_go_and_added_in_file_name_order(educator_client, settings):
    series = SeriesFactory(case=CaseFactory(index_level="T7"), modality="mri", plane="sagittal", sequence="T2")
    page = educator_client.get(f"/admin/cases/series/{series.pk}/change/")
    names = ["IM10.png", "IM2.png", "IM1.png"]
    files = [png_upload(name, shade=10 * n) for n, name in enumerate(names)]

    response = educator_client.post(f"/admin/cases/series/{series.pk}/change/", admin_post_data(page, add_slices=files))

    assert response.status_code == 302
    slices = list(series.slices.order_by("position"))
    assert [s.position for s in slices] == [0, 1, 2]
    assert [s.alt_text for s in slices] == [f"Sagittal T2 MRI of the thoracic spine, image {n} of 3" for n in (1, 2, 3)]
    contents = []
    for slice_ in slices:
        with slice_.image.open() as stored:
            contents.append(stored.read())
    assert len(set(contents)) == 3
    assert "Added 3 image(s) to Sagittal T2 MRI." in messages_of(response)


def test_a_second_upload_is_appended_after_the_existing_images(educator_client):
    series = SeriesFactory()
    for _ in range(2):
        page = educator_client.get(f"/admin/cases/series/{series.pk}/change/")
        educator_client.post(
            f"/admin/cases/series/{series.pk}/change/",
            admin_post_data(page, add_slices=[png_upload("a.png"), png_upload("b.png")]),
        )

    assert list(series.slices.values_list("position", flat=True)) == [0, 1, 2, 3]


def test_a_hostile_file_in_a_stack_is_refused_by_name_and_nothing_is_added(educator_client, settings):
    series = SeriesFactory()
    page = educator_client.get(f"/admin/cases/series/{series.pk}/change/")
    html_file = png_upload("evil.png")
    html_file.file.seek(0)
    html_file.file.truncate()
    html_file.file.write(b"<html><script>alert(1)</script></html>")
    html_file.size = html_file.file.tell()
    html_file.file.seek(0)

    response = educator_client.post(
        f"/admin/cases/series/{series.pk}/change/",
        admin_post_data(page, add_slices=[png_upload("good.png"), html_file]),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "evil.png is not an image we accept. Upload JPEG, PNG or WebP files" in html
    assert "Nothing was added" in html
    assert not Slice.objects.exists()
    assert not (settings.MEDIA_ROOT / "cases").exists() or not list((settings.MEDIA_ROOT / "cases").rglob("*.*"))


def test_the_publish_action_publishes_complete_drafts_and_explains_the_others(educator_client):
    ready = published_case(status=Case.Status.DRAFT, title="Ready")
    unready = CaseFactory(status=Case.Status.DRAFT, title="Unready", pain_statement="")

    response = educator_client.post(
        "/admin/cases/case/", {"action": "publish", "_selected_action": [ready.pk, unready.pk]}, follow=True
    )

    assert Case.objects.get(pk=ready.pk).status == Case.Status.PUBLISHED
    assert Case.objects.get(pk=unready.pk).status == Case.Status.DRAFT
    text = " ".join(messages_of(response))
    assert "“Unready” was not published: A published case needs a pain statement" in text
    assert "Published 1 case(s)." in text


def test_unpublish_and_duplicate_actions(educator_client):
    case = published_case(series=2, slices=3)
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B", collapse="gt50")
    key = case.series.first().slices.first()
    ReferenceReading.objects.filter(case=case, is_primary=True).update(collapse_key_slice=key)

    educator_client.post("/admin/cases/case/", {"action": "duplicate", "_selected_action": [case.pk]})
    educator_client.post("/admin/cases/case/", {"action": "unpublish", "_selected_action": [case.pk]})

    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT
    copy = Case.objects.exclude(pk=case.pk).get()
    assert copy.title == f"{case.title} (copy)" and copy.status == Case.Status.DRAFT and copy.version == 1
    assert Slice.objects.filter(series__case=copy).count() == 6
    assert copy.readings.count() == 2
    copied_key = copy.readings.get(is_primary=True).collapse_key_slice
    assert copied_key.series.case == copy and copied_key.image.name == key.image.name


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("location=semirigid", {"T7 lytic"}),
        ("location=junctional", {"L1 blastic"}),
        ("bone_lesion=blastic", {"L1 blastic"}),
        ("category=potentially_unstable", {"T7 lytic"}),
        ("tomita=2", {"T7 lytic"}),
        ("status=draft", {"L1 blastic"}),
        ("q=breast", {"T7 lytic", "L1 blastic"}),
    ],
)
def test_the_case_list_filters_by_the_primary_reading(educator_client, query, expected):
    published_case(title="T7 lytic", index_level="T7")
    l1 = published_case(title="L1 blastic", index_level="L1", status=Case.Status.DRAFT)
    ReferenceReading.objects.filter(case=l1).update(bone_lesion="blastic", tomita=1, category="stable", total=6)

    response = educator_client.get(f"/admin/cases/case/?{query}")

    assert {str(case) for case in response.context["cl"].result_list} == expected


def test_trainees_cannot_open_the_authoring_pages(client):
    client.force_login(TraineeFactory())

    response = client.get("/admin/cases/case/")

    assert response.status_code == 302 and "/admin/login/" in response.url


def test_educators_may_author_without_being_superusers(educator_client):
    assert educator_client.get("/admin/cases/case/add/").status_code == 200
    assert educator_client.get("/admin/cases/series/add/").status_code == 200
    assert educator_client.get("/admin/auth/user/").status_code == 403


def test_the_series_list_in_the_case_shows_thumbnails(educator_client):
    case = published_case(series=1, slices=3)
    series = Series.objects.get(case=case)

    html = educator_client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()

    for slice_ in series.slices.all():
        assert slice_.thumbnail.url in html
    assert "3 images" in html
