"""Every change to a case and its readings is kept, with who made it and when, and the case's History page says it."""

import io
import json

import pytest
from django.utils import timezone

from cases import archive
from cases.admin import duplicate_case
from cases.models import Annotation, Case, ReferenceReading
from tests.admin_forms import admin_post_data
from tests.archives import exported, teaching_case
from tests.factories import EducatorFactory, published_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def educator(client):
    user = EducatorFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    return user


def correct_the_pain(client, case, **changes):
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    data = admin_post_data(
        page, **{"readings-0-pain": "none", "readings-0-pain_rationale": "No pain at all.", **changes}
    )
    response = client.post(f"/admin/cases/case/{case.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]


def test_a_reading_changed_in_the_admin_is_recorded_with_its_author_its_time_and_its_rationale(client, educator):
    case = published_case(series=1, slices=1)
    before = timezone.now()

    correct_the_pain(client, case)

    record = ReferenceReading.history.filter(case_id=case.pk).latest()
    assert record.history_type == "~" and record.history_user == educator and record.history_date >= before
    assert (record.pain, record.pain_rationale) == ("none", "No pain at all.")
    changed = record.diff_against(record.prev_record).changed_fields
    assert set(changed) == {"pain", "pain_rationale"}


def test_every_item_has_its_rationale_and_key_image_in_the_history():
    fields = {field.name for field in ReferenceReading.history.model._meta.fields}

    assert {"pain_rationale", "escc_rationale", "pain_key_slice", "tomita_key_slice"} <= fields


def test_a_correction_of_the_reference_moves_the_version_and_says_when(client, educator):
    case = published_case(series=1, slices=1)
    version = Case.objects.get(pk=case.pk).version

    correct_the_pain(client, case)

    case.refresh_from_db()
    assert case.version > version
    assert case.reference_changed is not None and timezone.now() - case.reference_changed < timezone.timedelta(
        minutes=1
    )
    page = client.get(f"/admin/cases/case/{case.pk}/history/").content.decode()
    # "changed", not "corrected": a draft's first readings move the version too.
    assert f"The reference is at version {case.version}, last changed on " in page


def test_the_history_page_of_a_case_lists_the_changes_to_its_readings_with_who_and_what(client, educator):
    case = published_case(series=1, slices=1)
    correct_the_pain(client, case, title="A corrected title")

    page = client.get(f"/admin/cases/case/{case.pk}/history/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Changed: Primary reading by Dr A. Expert" in text
    assert "Ada Lovelace" in text
    assert "<strong>Pain</strong>: Mechanical" in text and "No pain at all." in text
    assert "Changed: The case" in text and "A corrected title" in text


def test_a_save_that_changes_nothing_but_line_breaks_is_not_listed(client, educator):
    case = published_case(series=1, slices=1, teaching_points="First point.\nSecond point.")
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    response = client.post(
        f"/admin/cases/case/{case.pk}/change/",
        admin_post_data(page, teaching_points="First point.\r\nSecond point."),  # as a browser sends it
    )
    assert response.status_code == 302

    text = client.get(f"/admin/cases/case/{case.pk}/history/").content.decode()

    assert case.history.count() == 2 and "Changed: The case" not in text and "Added: The case" in text


def test_a_shape_drawn_in_the_key_image_editor_is_listed_as_added_with_who_drew_it(client, educator):
    case = published_case(series=1, slices=2)
    reading = case.readings.get()
    key = case.series.get().slices.last()
    arrow = {"kind": "arrow", "x1": 0.2, "y1": 0.3, "x2": 0.45, "y2": 0.5, "label": "lytic pedicle"}

    client.post(
        f"/admin/cases/case/{case.pk}/key-images/{reading.pk}/collapse/",
        {"slice": key.pk, "shapes": json.dumps([arrow])},
    )

    text = client.get(f"/admin/cases/case/{case.pk}/history/").content.decode()
    assert "Added: Arrow on the key image of vertebral body collapse" in text
    record = Annotation.history.get(reading_id=reading.pk)
    assert (record.history_type, record.history_user, record.label) == ("+", educator, "lytic pedicle")


def test_a_key_image_chosen_is_listed_by_its_series_and_position_and_one_removed_since_says_so(client, educator):
    case = published_case(series=1, slices=3)
    reading = case.readings.get()
    series = case.series.get()
    first, second = series.slices.all()[:2]
    for key in (first, second):
        client.post(f"/admin/cases/case/{case.pk}/key-images/{reading.pk}/collapse/", {"slice": key.pk, "shapes": "[]"})
    first.delete()

    text = client.get(f"/admin/cases/case/{case.pk}/history/").content.decode()

    field = "<strong>Key image: vertebral body collapse</strong>"
    assert f"{field}: — → an image since removed</li>" in text
    assert f"{field}: an image since removed → {series.label} · image 2</li>" in text
    assert f"→ {first.pk}<" not in text and f"→ {second.pk}<" not in text


def test_the_shapes_of_a_duplicated_or_imported_case_are_in_its_history_from_the_start(educator):
    case = teaching_case()

    copy = duplicate_case(case, author=educator)
    imported = Case.objects.get(pk=archive.import_archive(io.BytesIO(exported(case)), educator).cases[0].pk)

    for new in (copy, imported):
        readings = ReferenceReading.objects.filter(case=new)
        added = Annotation.history.filter(reading_id__in=readings.values("pk"), history_type="+")
        assert sorted((record.kind, record.history_user) for record in added) == [
            ("arrow", educator),
            ("circle", educator),
        ], new


def test_unpublishing_cases_from_the_case_list_is_recorded_with_who_did_it(client, educator):
    cases = [published_case(series=1, slices=1), published_case(series=1, slices=1)]

    client.post("/admin/cases/case/", {"action": "unpublish", "_selected_action": [case.pk for case in cases]})

    for case in cases:
        record = case.history.latest()
        assert (record.history_type, record.history_user, record.status) == ("~", educator, Case.Status.DRAFT)
        text = client.get(f"/admin/cases/case/{case.pk}/history/").content.decode()
        assert "Changed: The case" in text and "<strong>Status</strong>: Published → Draft" in text


def test_a_deleted_reading_stays_in_the_history(client, educator):
    case = published_case(series=1, slices=1, status=Case.Status.DRAFT)
    case.readings.get().delete()

    page = client.get(f"/admin/cases/case/{case.pk}/history/")

    assert "Deleted: Primary reading by Dr A. Expert" in page.content.decode()


def test_a_trainee_cannot_open_a_case_history(client, trainee):
    case = published_case(series=1, slices=1)

    response = client.get(f"/admin/cases/case/{case.pk}/history/")

    assert response.status_code == 302 and "/login/" in response.url
