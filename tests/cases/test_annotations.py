"""Key images and their annotations: the model's checks, the admin pages that pick and annotate them, and the
feedback that shows them after the commit."""

import json

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from cases.admin import duplicate_case
from cases.models import Annotation, Case, ReferenceReading, Series
from tests.admin_forms import admin_post_data
from tests.factories import SeriesFactory, SliceFactory, TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db

ARROW = {"kind": "arrow", "x1": 0.2, "y1": 0.3, "x2": 0.45, "y2": 0.5, "label": "lytic pedicle"}
CIRCLE = {"kind": "circle", "x1": 0.4, "y1": 0.4, "x2": 0.6, "y2": 0.7, "label": ""}
LABEL = {"kind": "label", "x1": 0.1, "y1": 0.9, "x2": 0.1, "y2": 0.9, "label": "T7"}


@pytest.fixture
def case():
    return published_case(series=2, slices=3)


@pytest.fixture
def reading(case):
    return case.readings.get(is_primary=True)


@pytest.fixture
def key(case):
    return case.series.last().slices.all()[1]


def annotation(reading, key, **fields) -> Annotation:
    return Annotation(reading=reading, item="collapse", slice=key, **{**ARROW, **fields})


def errors_of(shape: Annotation) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        shape.full_clean()
    return caught.value.messages


# --- The model ------------------------------------------------------------------------------------------


def test_an_arrow_a_circle_and_a_label_inside_the_image_are_valid(reading, key):
    for shape in (ARROW, CIRCLE, LABEL):
        annotation(reading, key, **shape).full_clean()


@pytest.mark.parametrize(("field", "value"), [("x1", -0.1), ("y2", 1.5), ("x2", float("nan")), ("y1", float("inf"))])
def test_a_shape_off_the_image_is_refused_with_a_message(reading, key, field, value):
    assert "A shape must lie on the image" in " ".join(errors_of(annotation(reading, key, **{field: value})))


def test_an_unknown_kind_of_shape_is_refused(reading, key):
    assert errors_of(annotation(reading, key, kind="star")) == ["Value 'star' is not a valid choice."]


def test_a_label_longer_than_forty_characters_is_refused(reading, key):
    messages = errors_of(annotation(reading, key, label="x" * 41))

    assert messages == ["Ensure this value has at most 40 characters (it has 41)."]


def test_a_label_needs_its_text_and_an_arrow_its_length(reading, key):
    assert errors_of(annotation(reading, key, kind="label", label="  ")) == ["A label needs its text."]
    assert errors_of(annotation(reading, key, x2=0.2, y2=0.3)) == [
        "An arrow needs a length: drag from its tail to what it points at."
    ]
    assert errors_of(annotation(reading, key, kind="circle", y2=0.3)) == [
        "A circle needs a size: drag across what it should surround."
    ]


def test_a_shape_must_be_drawn_on_an_image_of_the_readings_case(reading):
    other = published_case(series=1, slices=1).series.get().slices.get()

    assert errors_of(annotation(reading, other)) == ["The key image must be one of this case's images."]


def test_only_the_shapes_on_an_items_current_key_image_count(reading, key, case):
    ReferenceReading.objects.filter(pk=reading.pk).update(collapse_key_slice=key)
    reading.refresh_from_db()
    annotation(reading, key).save()
    annotation(reading, case.series.first().slices.first()).save()  # left on an earlier key image

    assert Annotation.objects.on_key_images(reading) == {"collapse": [ARROW]}


# --- The admin ------------------------------------------------------------------------------------------


def edit_url(case, reading, item="collapse") -> str:
    return f"/admin/cases/case/{case.pk}/key-images/{reading.pk}/{item}/"


def test_the_case_page_links_to_the_key_images_and_they_list_every_item_an_image_shows(educator_client, case, reading):
    change = educator_client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert f'href="/admin/cases/case/{case.pk}/key-images/"' in change

    page = educator_client.get(f"/admin/cases/case/{case.pk}/key-images/").content.decode()

    assert "Dr A. Expert — primary reference" in page
    for label in ("Index level", "Location", "Vertebral body collapse", "Tomita type"):
        assert f'<th scope="row">{label}</th>' in page
    assert "ESCC grade" not in page  # the case does not ask for it
    assert '<th scope="row">Pain</th>' not in page  # scored from the history, never from the images
    assert f'href="{edit_url(case, reading)}"' in page


def test_the_key_image_pages_name_the_case_library_in_their_breadcrumbs_like_the_rest_of_the_admin(
    educator_client, case, reading
):
    for url in (f"/admin/cases/case/{case.pk}/key-images/", edit_url(case, reading)):
        page = educator_client.get(url).content.decode()
        assert '<a href="/admin/cases/">Case library</a>' in page, url


def test_the_editor_shows_the_cases_thumbnails_grouped_by_series(educator_client, case, reading):
    page = educator_client.get(edit_url(case, reading)).content.decode()

    for series in case.series.all():
        assert f'<h3 class="ki-series">{series.label}</h3>' in page
        for slice_ in series.slices.all():
            assert f'value="{slice_.pk}"' in page and slice_.thumbnail.url in page
    assert "Dr A. Expert answers <strong>&lt; 50 % collapse</strong>." in page


def test_an_educator_picks_a_key_image_and_saves_its_shapes(educator_client, case, reading, key):
    version = Case.objects.get(pk=case.pk).version

    response = educator_client.post(edit_url(case, reading), {"slice": key.pk, "shapes": json.dumps([ARROW, LABEL])})

    assert response.status_code == 302 and response["Location"] == f"/admin/cases/case/{case.pk}/key-images/"
    reading.refresh_from_db()
    assert reading.collapse_key_slice == key
    assert [a.as_data() for a in reading.annotations.all()] == [ARROW, LABEL]
    assert Case.objects.get(pk=case.pk).version > version  # the reference changed
    overview = educator_client.get(response["Location"]).content.decode()
    assert "Saved the key image of vertebral body collapse with 2 shapes." in overview
    assert "2 shapes" in overview and "lytic pedicle" in overview  # in the thumbnail's data, drawn by the script


def test_saving_again_replaces_the_shapes_and_no_key_image_removes_them(educator_client, case, reading, key):
    educator_client.post(edit_url(case, reading), {"slice": key.pk, "shapes": json.dumps([ARROW, LABEL])})
    educator_client.post(edit_url(case, reading), {"slice": key.pk, "shapes": json.dumps([CIRCLE])})
    assert [a.kind for a in reading.annotations.all()] == ["circle"]

    educator_client.post(edit_url(case, reading), {"slice": "", "shapes": "[]"})

    reading.refresh_from_db()
    assert reading.collapse_key_slice is None and not reading.annotations.exists()


# --- The case page: one way to choose a key image, and no key image lost without a word ------------------


def annotated(reading, key, *shapes):
    ReferenceReading.objects.filter(pk=reading.pk).update(collapse_key_slice=key)
    Annotation.objects.bulk_create(annotation(reading, key, **shape) for shape in shapes)


def test_the_reading_on_the_case_page_summarises_each_key_image_and_links_to_its_picker(
    educator_client, case, reading, key
):
    annotated(reading, key, ARROW, LABEL)

    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()

    assert "_key_slice" not in page  # no drop-down to choose a key image with beside the picker
    summary = page[page.index('class="reading-key-images"') :]
    assert f'<img src="{key.thumbnail.url}"' in summary
    assert f"{key.series.label}, image 2 · 2 annotations" in summary
    assert "none yet" in summary  # the items without a key image
    assert f'href="{edit_url(case, reading)}"' in summary  # "Change or annotate the key image of …collapse"
    assert f'href="{edit_url(case, reading, "tomita")}"' in summary  # "Choose the key image of Tomita type"
    assert f'href="{edit_url(case, reading, "pain")}"' not in summary  # pain is scored from the history


def test_saving_the_case_page_keeps_the_key_images_and_their_annotations(educator_client, case, reading, key):
    annotated(reading, key, ARROW, LABEL)
    other = case.series.first().slices.first()
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/",
        admin_post_data(
            page,
            title="A new title",
            **{"readings-0-collapse_key_slice": other.pk, "readings-0-pain_key_slice": other.pk},
        ),
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    reading.refresh_from_db()
    assert (reading.collapse_key_slice, reading.pain_key_slice) == (key, None)
    assert [a.as_data() for a in reading.annotations.all()] == [ARROW, LABEL]


def test_removing_a_key_image_on_the_case_page_says_which_items_lost_it(educator_client, case, reading, key):
    annotated(reading, key, ARROW, LABEL)
    ReferenceReading.objects.filter(pk=reading.pk).update(pain_key_slice=key)
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/")
    stack = {"series-1-arrangement": [str(s.pk) for s in key.series.slices.all()]}
    stack[f"series-1-arrangement-{key.pk}-remove"] = "on"

    response = educator_client.post(
        f"/admin/cases/case/{case.pk}/change/",
        admin_post_data(page, **stack, **{"readings-0-collapse_rationale": "The body has lost half its height."}),
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    reading.refresh_from_db()
    assert (reading.collapse_key_slice, reading.pain_key_slice) == (None, None)
    assert (
        f"{key.series.label}, image 2 was the key image of pain and of vertebral body collapse (with its "
        "2 annotations) in Dr A. Expert’s reading: choose another on the key images page."
    ) in [str(m) for m in get_messages(response.wsgi_request)]


def test_deleting_a_key_image_on_the_series_page_says_which_items_lost_it(educator_client, case, reading, key):
    annotated(reading, key, CIRCLE)
    page = educator_client.get(f"/admin/cases/series/{key.series_id}/change/")

    response = educator_client.post(
        f"/admin/cases/series/{key.series_id}/change/", admin_post_data(page, **{"slices-1-DELETE": "on"})
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert not key.series.slices.filter(pk=key.pk).exists()
    assert (
        f"{key.series.label}, image 2 was the key image of vertebral body collapse (with its 1 annotation) in "
        "Dr A. Expert’s reading: choose another on the key images page."
    ) in [str(m) for m in get_messages(response.wsgi_request)]


def test_a_removed_key_image_is_a_correction_the_readings_history_and_the_cases_version_record(
    educator_client, case, reading, key
):
    reading.collapse_key_slice = key
    reading.save()
    version = Case.objects.get(pk=case.pk).version
    page = educator_client.get(f"/admin/cases/series/{key.series_id}/change/")

    educator_client.post(
        f"/admin/cases/series/{key.series_id}/change/", admin_post_data(page, **{"slices-1-DELETE": "on"})
    )

    record = ReferenceReading.history.filter(id=reading.pk).latest()
    assert record.collapse_key_slice_id is None and record.history_user is not None
    assert record.prev_record.collapse_key_slice_id == key.pk
    assert Case.objects.get(pk=case.pk).version > version


def delete_series(client, case, series_pk: int, where: str):
    """Delete a series as an educator does: ticked Delete on the case's page, or on the series' own delete page."""
    if where == "on the case page":
        page = client.get(f"/admin/cases/case/{case.pk}/change/")
        return client.post(f"/admin/cases/case/{case.pk}/change/", admin_post_data(page, **{"series-1-DELETE": "on"}))
    return client.post(f"/admin/cases/series/{series_pk}/delete/", {"post": "yes"})


@pytest.mark.parametrize("where", ["on the case page", "on its own page"])
def test_deleting_the_series_of_a_key_image_is_a_correction_said_and_recorded(
    educator_client, case, reading, key, where
):
    annotated(reading, key, CIRCLE)
    reading.refresh_from_db()
    reading.save()  # recorded in its history, as the key images page saves it
    version = Case.objects.get(pk=case.pk).version

    response = delete_series(educator_client, case, key.series_id, where)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert not Series.objects.filter(pk=key.series_id).exists()
    record = ReferenceReading.history.filter(id=reading.pk).latest()
    assert record.collapse_key_slice_id is None and record.prev_record.collapse_key_slice_id == key.pk
    assert Case.objects.get(pk=case.pk).version > version
    assert (
        f"{key.series.label}, image 2 was the key image of vertebral body collapse (with its 1 annotation) in "
        "Dr A. Expert’s reading: choose another on the key images page."
    ) in [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        ([{**ARROW, "x2": 1.2}], "Shape 1 (arrow): end: A shape must lie on the image"),
        ([CIRCLE, {**ARROW, "kind": "star"}], "Shape 2 (shape): kind: Value &#x27;star&#x27; is not a valid choice."),
        ([{**LABEL, "label": "a much too long label for a key image, really"}], "Shape 1 (label): label: Ensure"),
        ([{**ARROW, "x1": "left"}], "Shape 1 (arrow): position: “left” value must be a float."),
        ("not json", "The drawing could not be read; draw it again."),
        ('[{"kind": "arrow", "x1": NaN}]', "The drawing could not be read; draw it again."),
        ('[{"kind": "arrow", "x1": 1%s, "y1": 0.5, "x2": 0.5, "y2": 0.5}]' % ("0" * 400), "Shape 1 (arrow): position"),
        ({"kind": "arrow"}, "The drawing could not be read; draw it again."),
        ("[" * 100_000 + "]" * 100_000, "The drawing could not be read; draw it again."),
        ([{**LABEL, "label": "a\u0000b"}], "The drawing could not be read; draw it again."),
        ([{**LABEL, "label": {"x": 1}}], "The drawing could not be read; draw it again."),
        ([{**ARROW, "x1": True}], "The drawing could not be read; draw it again."),
        ([ARROW] * 13, "At most 12 shapes per key image"),
    ],
)
def test_bad_shapes_are_refused_with_a_message_and_nothing_is_saved(
    educator_client, case, reading, key, shapes, message
):
    posted = shapes if isinstance(shapes, str) else json.dumps(shapes)

    response = educator_client.post(edit_url(case, reading), {"slice": key.pk, "shapes": posted})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved:" in page and message in page
    assert f'value="{key.pk}" checked' in page  # the choice is kept, and the drawing with it
    assert 'name="shapes"' in page
    reading.refresh_from_db()
    assert reading.collapse_key_slice is None and not reading.annotations.exists()


def test_shapes_need_a_key_image(educator_client, case, reading):
    response = educator_client.post(edit_url(case, reading), {"slice": "", "shapes": json.dumps([ARROW])})

    assert response.status_code == 400
    assert "Choose the key image the shapes are drawn on, or remove the shapes." in response.content.decode()


def test_an_image_of_another_case_cannot_be_the_key_image(educator_client, case, reading):
    other = published_case(series=1, slices=1).series.get().slices.get()

    response = educator_client.post(edit_url(case, reading), {"slice": other.pk, "shapes": "[]"})

    assert response.status_code == 400
    reading.refresh_from_db()
    assert reading.collapse_key_slice is None


@pytest.mark.parametrize(
    "path",
    [
        lambda case, reading: edit_url(case, reading, item="colour"),
        lambda case, reading: edit_url(case, reading, item="escc"),  # the case does not ask for the ESCC grade
        lambda case, reading: edit_url(case, reading, item="pain"),  # scored from the history
        lambda case, reading: edit_url(published_case(), reading),  # the reading of another case
        lambda case, reading: "/admin/cases/case/999999/key-images/",
    ],
    ids=["no such item", "an item the case does not ask", "pain", "another case's reading", "no such case"],
)
def test_a_wrong_address_is_a_404(educator_client, case, reading, path):
    assert educator_client.get(path(case, reading)).status_code == 404


def test_trainees_are_sent_to_the_admins_login(client, case, reading):
    client.force_login(TraineeFactory())

    response = client.get(edit_url(case, reading))

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_duplicated_case_keeps_its_annotated_key_images(case, reading, key):
    ReferenceReading.objects.filter(pk=reading.pk).update(collapse_key_slice=key)
    annotation(reading, key).save()

    copy = duplicate_case(case, author=None)

    copied = copy.readings.get(is_primary=True)
    shapes = list(copied.annotations.all())
    assert [a.as_data() for a in shapes] == [ARROW]
    assert shapes[0].slice == copied.collapse_key_slice and shapes[0].slice.series.case == copy


# --- The feedback ---------------------------------------------------------------------------------------


def test_the_feedback_shows_the_shapes_of_each_key_image_after_the_commit(client, case, reading, key):
    ReferenceReading.objects.filter(pk=reading.pk).update(collapse_key_slice=key, pain_key_slice=key)
    reading.refresh_from_db()
    for shape in (ARROW, LABEL):
        annotation(reading, key, **shape).save()
    client.force_login(TraineeFactory())
    assert "lytic pedicle" not in client.get(f"/cases/{case.slug}/").content.decode()

    attempt = commit(client, case)
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "Marked on it: arrow “lytic pedicle”; “T7”." in html
    assert html.count("Show annotations") == 1  # collapse has shapes; pain's key image has none
    assert f'data-key-item="collapse" data-slice="{key.pk}"' in html
    assert "&quot;label&quot;: &quot;lytic pedicle&quot;" in html  # the shapes, for the script to draw


def test_the_feedback_keeps_the_shapes_the_attempt_was_graded_with(client, case, reading, key):
    ReferenceReading.objects.filter(pk=reading.pk).update(collapse_key_slice=key)
    reading.refresh_from_db()
    annotation(reading, key).save()
    client.force_login(TraineeFactory())
    attempt = commit(client, case)

    Annotation.objects.update(label="changed later")

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "lytic pedicle" in html and "changed later" not in html


def test_an_attempt_committed_before_annotations_existed_shows_its_key_image_without_them(client, case, reading, key):
    ReferenceReading.objects.filter(pk=reading.pk).update(collapse_key_slice=key)
    client.force_login(TraineeFactory())
    attempt = commit(client, case)
    attempt.reference["primary"].pop("annotations")
    attempt.save(update_fields=["reference"])

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert f'href="#series-{key.series_id}:2"' in html and "Show annotations" not in html


def test_the_key_image_pages_leave_out_the_images_of_an_import_still_running(educator_client, case, reading):
    running = SeriesFactory(case=case, ready=False)
    unfinished = SliceFactory(series=running)

    editor = educator_client.get(edit_url(case, reading)).content.decode()
    assert f'value="{unfinished.pk}"' not in editor and unfinished.thumbnail.url not in editor
    response = educator_client.post(edit_url(case, reading), {"slice": unfinished.pk, "shapes": "[]"})
    assert response.status_code == 400  # not a valid choice: the form comes back
    reading.refresh_from_db()
    assert reading.collapse_key_slice_id != unfinished.pk
