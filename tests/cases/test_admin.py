"""Authoring through the admin, as an educator does it, with the test client."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import modelform_factory

from cases.admin import SeriesForm
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
        "The primary reading must give every item the case asks for; "
        "it lacks: pain, vertebral body collapse, Tomita type.",
    ]:
        assert html.count(problem) == 1, problem
    assert "lacks: index level" not in html  # the case says it, once
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


def test_a_reading_credited_before_the_educators_rule_still_saves_with_its_reader(educator_client):
    case = published_case()
    outsider = TraineeFactory(first_name="Old", last_name="Colleague")
    case.readings.update(reader=outsider)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, teaching_points="Look at the pedicles.")
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.teaching_points == "Look at the pedicles."
    assert case.readings.get().reader == outsider


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


def test_publishing_from_its_page_a_case_whose_image_text_names_the_level_is_refused(educator_client):
    case = published_case(status=Case.Status.DRAFT)  # index level T7
    Slice.objects.filter(series__case=case).update(alt_text="Sagittal CT at T7 showing the lesion")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, status="published"))

    assert response.status_code == 200
    assert "text names the index level in" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT


def test_a_published_cases_new_index_level_is_checked_against_its_images_text(educator_client):
    case = published_case()  # T7
    Slice.objects.filter(series__case=case).update(alt_text="Sagittal CT, the T8 body collapsed")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, index_level="T8"))

    assert "text names the index level in" in response.content.decode()
    assert Case.objects.get(pk=case.pk).index_level == "T7"


def test_an_answer_changed_beside_unchanged_reasoning_is_pointed_out(educator_client):
    case = published_case()
    ReferenceReading.objects.filter(case=case).update(
        pain_rationale="Pain on standing and eased lying down: mechanical.", collapse_rationale="Less than half lost."
    )
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    changes = {
        "readings-0-pain": "occasional",
        "readings-0-collapse": "gt50",
        "readings-0-collapse_rationale": "Over half.",
    }

    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **changes))

    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert ReferenceReading.objects.get(case=case, is_primary=True).pain == "occasional"  # saved all the same
    assert (
        "In the reading by Dr A. Expert, the answer for pain changed, but not the reasoning beside it: check that it "
        "still explains the new answer."
    ) in said


def test_a_new_index_level_points_out_the_level_reasoning_of_the_readings_that_follow_it(educator_client):
    case = published_case()  # T7
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B. Second", level="T8")  # T8 all along
    ReferenceReading.objects.filter(case=case).update(
        level_rationale="The collapsed body.", location_rationale="Mid-thoracic, held by the ribs."
    )
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    to_t8 = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, index_level="T8"))
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    to_t11 = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, index_level="T11"))

    said = [str(m) for m in get_messages(to_t8.wsgi_request)]  # T7 and T8 are both semirigid: the class stays
    assert "In the reading by Dr A. Expert, the answer for index level changed, but not the reasoning" in " ".join(said)
    assert not any("Dr B. Second" in m for m in said)
    said = " ".join(str(m) for m in get_messages(to_t11.wsgi_request))  # T11 is junctional
    assert "In the reading by Dr A. Expert, the answer for index level and location changed" in said


def test_an_age_no_patient_reaches_is_refused_at_its_field(educator_client):
    case = published_case(age=63)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, age="999"))

    assert response.context["adminform"].form.errors["age"] == ["Ensure this value is less than or equal to 120."]
    assert Case.objects.get(pk=case.pk).age == 63


def test_a_series_stays_with_its_case(educator_client):
    """Moved to another case, it left the first published without images and showed a patient's images in another."""
    case, other = published_case(slug="first"), published_case(slug="second")
    series = case.series.first()

    page = educator_client.get(f"/admin/cases/series/{series.pk}/change/")
    educator_client.post(f"/admin/cases/series/{series.pk}/change/", admin_post_data(page, case=str(other.pk)))

    assert "case" not in page.context["adminform"].form.fields
    assert Series.objects.get(pk=series.pk).case == case


def test_a_stack_is_uploaded_in_one_go_and_added_in_file_name_order(educator_client, settings):
    series = SeriesFactory(case=CaseFactory(index_level="T7"), modality="mri", plane="sagittal", sequence="T2")
    page = educator_client.get(f"/admin/cases/series/{series.pk}/change/")
    names = ["IM10.png", "IM2.png", "IM1.png"]
    files = [png_upload(name, shade=10 * n) for n, name in enumerate(names)]

    response = educator_client.post(f"/admin/cases/series/{series.pk}/change/", admin_post_data(page, add_images=files))

    assert response.status_code == 302
    slices = list(series.slices.order_by("position"))
    assert [s.position for s in slices] == [0, 1, 2]
    assert [s.alt_text for s in slices] == [f"Sagittal T2 MRI of the thoracic spine, image {n} of 3" for n in (1, 2, 3)]
    contents = []
    for slice_ in slices:
        with slice_.image.open() as stored:
            contents.append(stored.read())
    assert len(set(contents)) == 3
    assert "Added 3 images to Sagittal T2 MRI." in messages_of(response)


def test_a_second_upload_is_appended_after_the_existing_images(educator_client):
    series = SeriesFactory()
    for _ in range(2):
        page = educator_client.get(f"/admin/cases/series/{series.pk}/change/")
        educator_client.post(
            f"/admin/cases/series/{series.pk}/change/",
            admin_post_data(page, add_images=[png_upload("a.png"), png_upload("b.png")]),
        )

    assert list(series.slices.values_list("position", flat=True)) == [0, 1, 2, 3]


def hostile_upload(name="evil.png"):
    """HTML under an image's name."""
    upload = png_upload(name)
    upload.file.seek(0)
    upload.file.truncate()
    upload.file.write(b"<html><script>alert(1)</script></html>")
    upload.size = upload.file.tell()
    upload.file.seek(0)
    return upload


def test_a_hostile_file_in_a_stack_is_named_with_its_reason_and_the_good_files_are_kept(educator_client, settings):
    series = SeriesFactory()
    page = educator_client.get(f"/admin/cases/series/{series.pk}/change/")

    response = educator_client.post(
        f"/admin/cases/series/{series.pk}/change/",
        admin_post_data(
            page, add_images=[png_upload("good.png"), hostile_upload(), SimpleUploadedFile("empty.png", b"")]
        )
        | {"_save": "Save"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/admin/cases/series/{series.pk}/change/"  # still where they were
    text = " ".join(messages_of(response))
    assert "Added 1 image to" in text
    assert "2 files could not be added to Sagittal T2 MRI: " in text
    assert "evil.png is not an image we accept. Upload JPEG, PNG or WebP files" in text
    assert "empty.png is empty." in text
    assert series.slices.count() == 1
    stored = list((settings.MEDIA_ROOT / "cases").rglob("*.*"))
    assert len(stored) == 3  # the good file's original, web derivative and thumbnail; nothing of the others


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
    assert "Published 1 case." in text


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
        ("tomita=abc", set()),  # an edited address: nothing matches, as in Django's own filters
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


# --- 16. Images from the case page -------------------------------------------------------------------


def test_an_educator_adds_a_series_and_its_stack_from_the_case_page(educator_client):
    case = CaseFactory(status=Case.Status.DRAFT, region="lumbar")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    assert 'enctype="multipart/form-data"' in page.content.decode()
    series = {"series-TOTAL_FORMS": "1", "series-0-modality": "ct", "series-0-plane": "axial", "series-0-order": "0"}
    files = [png_upload(name, shade=20 * n) for n, name in enumerate(["s2.png", "s10.png", "s1.png"])]

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **series, **{"series-0-add_images": files})
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    added = case.series.get()
    assert [s.alt_text for s in added.slices.all()] == [
        f"Axial CT of the lumbar spine, image {n} of 3" for n in (1, 2, 3)
    ]
    assert "Added 3 images to Axial CT." in messages_of(response)


@pytest.mark.parametrize("case_id", ["abc", "99999999999999999999", "²"])
def test_an_edited_case_in_the_add_series_address_starts_the_form_without_a_case(educator_client, case_id):
    response = educator_client.get(f"/admin/cases/series/add/?case={case_id}")

    assert response.status_code == 200
    assert "case" not in response.context["adminform"].form.initial


def test_an_image_id_that_is_no_number_in_the_arrangement_is_ignored(educator_client):
    case = published_case(series=1, slices=2)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **{"series-0-arrangement": ["²"]})
    )

    assert response.status_code == 302
    assert Slice.objects.filter(series__case=case).count() == 2


def test_the_case_page_shows_every_thumbnail_and_reorders_and_removes_images(educator_client):
    case = published_case(series=1, slices=7)
    stack = list(Slice.objects.filter(series__case=case))
    Slice.objects.filter(pk__in=[s.pk for s in stack]).update(alt_text="Sagittal T2 MRI, image 1 of 7")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    html = page.content.decode()
    assert all(slice_.thumbnail.url in html for slice_ in stack)
    assert "7 images" in html

    arrangement = {"series-0-arrangement": [str(s.pk) for s in stack]}
    arrangement |= {f"series-0-arrangement-{s.pk}-position": str(n) for n, s in enumerate(stack, start=1)}
    arrangement[f"series-0-arrangement-{stack[6].pk}-position"] = "1"  # the last image first
    arrangement[f"series-0-arrangement-{stack[2].pk}-remove"] = "on"  # the third one out
    response = educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **arrangement))

    assert response.status_code == 302, response.context and response.context["errors"]
    remaining = list(Slice.objects.filter(series__case=case).order_by("position"))
    assert [s.pk for s in remaining] == [stack[n].pk for n in (6, 0, 1, 3, 4, 5)]
    assert [s.position for s in remaining] == [0, 1, 2, 3, 4, 5]
    assert remaining[0].alt_text == "Sagittal T2 MRI, image 1 of 6"
    assert remaining[5].alt_text == "Sagittal T2 MRI, image 6 of 6"


@pytest.mark.parametrize(("moves", "order"), [({0: 2}, [1, 0, 2, 3, 4, 5]), ({0: 6}, [1, 2, 3, 4, 5, 0]),
                                               ({5: 1, 1: 4}, [5, 0, 2, 1, 3, 4])])  # fmt: skip
def test_an_image_moved_down_or_up_ends_at_the_number_typed(educator_client, moves, order):
    case = published_case(series=1, slices=6)
    stack = list(Slice.objects.filter(series__case=case).order_by("position"))
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    arrangement = {"series-0-arrangement": [str(s.pk) for s in stack]}
    arrangement |= {f"series-0-arrangement-{s.pk}-position": str(n) for n, s in enumerate(stack, start=1)}
    for index, number in moves.items():
        arrangement[f"series-0-arrangement-{stack[index].pk}-position"] = str(number)

    educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **arrangement))

    assert list(Slice.objects.filter(series__case=case).order_by("position").values_list("pk", flat=True)) == [
        stack[n].pk for n in order
    ]


def test_removing_a_published_cases_last_images_puts_it_back_to_draft_and_says_so(educator_client):
    case = published_case(series=1, slices=2)
    stack = list(Slice.objects.filter(series__case=case))
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    arrangement = {"series-0-arrangement": [str(s.pk) for s in stack]}
    arrangement |= {f"series-0-arrangement-{s.pk}-position": str(n) for n, s in enumerate(stack, start=1)}
    arrangement |= {f"series-0-arrangement-{s.pk}-remove": "on" for s in stack}

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **arrangement), follow=True
    )

    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT and not Slice.objects.filter(series__case=case).exists()
    assert "has no images left, so it is back to draft" in response.content.decode()


def test_deleting_a_published_cases_last_series_on_its_page_puts_the_case_back_to_draft(educator_client):
    case = published_case(series=1, slices=2)

    response = educator_client.post(f"/admin/cases/series/{case.series.get().pk}/delete/", {"post": "yes"}, follow=True)

    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT
    assert "has no images left, so it is back to draft" in response.content.decode()


def test_a_bad_file_added_from_the_case_page_is_named_there_and_the_good_ones_are_kept(educator_client):
    case = published_case(series=1, slices=1, status=Case.Status.DRAFT)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    files = [png_upload("a.png"), hostile_upload("notes.png"), png_upload("b.png")]

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/",
        admin_post_data(page, **{"series-0-add_images": files, "_save": "Save"}),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/admin/cases/case/{case.pk}/change/"
    text = " ".join(messages_of(response))
    assert "Added 2 images to Sagittal T2 MRI." in text
    assert "1 file could not be added to Sagittal T2 MRI: notes.png is not an image we accept." in text
    assert Slice.objects.filter(series__case=case).count() == 3


def test_files_chosen_on_a_page_sent_back_with_errors_are_not_lost_quietly(educator_client):
    case = CaseFactory(status=Case.Status.DRAFT)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    series = {"series-TOTAL_FORMS": "1", "series-0-modality": "ct", "series-0-plane": "axial", "series-0-order": "0"}
    files = [png_upload("a.png"), png_upload("b.png")]

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/",
        admin_post_data(page, title="", **series, **{"series-0-add_images": files}),
    )

    assert response.status_code == 200
    assert "The 2 image files you chose were not uploaded: correct the errors below, then choose the files again." in [
        str(m) for m in response.context["messages"]
    ]
    assert not Slice.objects.exists()


def test_saving_a_case_without_touching_its_images_leaves_them_as_they_are(educator_client):
    case = published_case(series=1, slices=2)
    Slice.objects.filter(series__case=case, position=1).update(position=7, alt_text="Hand-written, image 2 of 9")
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    educator_client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, title="A new title"))

    assert list(Slice.objects.values_list("position", "alt_text")) == [
        (0, Slice.objects.get(position=0).alt_text),
        (7, "Hand-written, image 2 of 9"),
    ]


def test_a_picture_series_cannot_be_ultrasound_or_other_imaging_but_an_imported_one_keeps_its_own():
    form_class = modelform_factory(Series, form=SeriesForm, fields=["modality", "plane"])
    offered = [value for value, _ in form_class().fields["modality"].choices]
    assert "us" not in offered and "other" not in offered and "ct" in offered
    assert not form_class(data={"modality": "us", "plane": "axial"}).is_valid()

    imported = SeriesFactory(modality="us")
    offered = [value for value, _ in form_class(instance=imported).fields["modality"].choices]
    assert "us" in offered and "other" not in offered


def test_the_case_page_names_its_author_without_a_link_to_an_account_an_educator_may_not_open(client):
    author = EducatorFactory(first_name="Ada", last_name="Lovelace")
    case = published_case(author=author)
    client.force_login(author)

    html = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()

    assert "Ada Lovelace" in html
    assert f"/admin/auth/user/{author.pk}/change/" not in html


def test_the_index_level_filter_lists_the_levels_in_the_spines_order_and_filters_by_one(client):
    for level in ("T10", "T2", "L1", "C7"):
        published_case(index_level=level, slug=f"at-{level.lower()}")
    client.force_login(EducatorFactory())

    response = client.get("/admin/cases/case/")
    levels = next(spec for spec in response.context["cl"].filter_specs if spec.title == "index level")
    filtered = client.get("/admin/cases/case/?index_level=T10").context["cl"].result_list

    assert [label for _, label in levels.lookup_choices] == ["C7", "T2", "T10", "L1"]
    assert [case.slug for case in filtered] == ["at-t10"]


def test_the_case_list_sorts_by_index_level_in_the_spines_order(client):
    for level in ("T10", "T2", "L1", "C7"):
        published_case(index_level=level, slug=f"at-{level.lower()}")
    client.force_login(EducatorFactory())
    column = 1 + ["title", "status", "level"].index("level")

    ascending = client.get(f"/admin/cases/case/?o={column}").context["cl"].result_list
    descending = client.get(f"/admin/cases/case/?o=-{column}").context["cl"].result_list

    assert [case.index_level for case in ascending] == ["C7", "T2", "T10", "L1"]
    assert [case.index_level for case in descending] == ["L1", "T10", "T2", "C7"]


def test_an_index_level_that_is_no_level_in_the_address_lists_no_case_rather_than_failing(client):
    published_case(index_level="T7")
    client.force_login(EducatorFactory())

    response = client.get("/admin/cases/case/?index_level=Z9")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
