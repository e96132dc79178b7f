import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from cases.models import Case, PublicSeries, ReferenceReading, Series, Slice
from sinsquiz import sins
from tests.factories import (
    CaseFactory,
    EducatorFactory,
    ReferenceReadingFactory,
    SeriesFactory,
    SliceFactory,
    TraineeFactory,
    published_case,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("user_factory", [TraineeFactory, EducatorFactory])
def test_drafts_are_visible_to_educators_and_published_cases_to_everyone(user_factory):
    user = user_factory()
    draft, published = CaseFactory(status=Case.Status.DRAFT), published_case(series=0)

    shown = set(Case.objects.visible_to(user))

    assert shown == ({draft, published} if user.is_staff else {published})


def test_the_index_level_is_validated_and_normalised():
    case = CaseFactory.build(index_level="C8")
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert "not a vertebral level" in str(error.value)

    case = CaseFactory(index_level="t12", region="thoracolumbar")
    assert case.index_level == "T12"
    assert case.region == "thoracolumbar"  # what the images cover, as the author says; not derived


def test_a_case_can_be_a_draft_without_pain_statement_images_or_readings():
    case = CaseFactory.build(status=Case.Status.DRAFT, pain_statement="")
    case.full_clean()
    case.save()
    assert case.publication_problems() == []


def test_a_published_case_needs_a_pain_statement_images_and_exactly_one_primary_reading():
    case = CaseFactory(status=Case.Status.DRAFT, pain_statement="")
    case.status = Case.Status.PUBLISHED

    problems = case.publication_problems()

    assert (
        "A published case needs a pain statement: pain is scored from the history, never from the images." in problems
    )
    assert any("needs at least one image" in p for p in problems)
    assert "A published case needs exactly one primary expert reading; it has 0." in problems


def test_a_draft_may_leave_the_imaged_region_for_later_and_publication_asks_for_it():
    draft = CaseFactory(status=Case.Status.DRAFT, region="")
    draft.full_clean()  # a draft saves without it

    case = published_case()
    case.region = ""

    assert "A published case needs its imaged region: trainees see it and filter by it." in case.publication_problems()


@pytest.mark.parametrize(
    ("region", "level", "fits"),
    [
        ("cervical", "T8", False),
        ("lumbosacral", "T12", False),
        ("cervicothoracic", "T1", True),
        ("thoracolumbar", "L1", True),
        ("cervical", "occiput", True),
        ("sacral", "S2", True),
    ],
)
def test_a_published_case_shows_its_index_level_within_its_imaged_region(region, level, fits):
    case = published_case(index_level=level)
    ReferenceReading.objects.filter(case=case).update(level=sins.normalise_level(level))
    case.region = region

    problems = case.publication_problems()

    mismatch = f"is not in the imaged region ({region}): correct one of them."
    assert any(mismatch in problem for problem in problems) == (not fits), problems


def test_a_complete_case_can_be_published():
    case = published_case()
    assert case.publication_problems() == []


def test_the_primary_reading_must_score_the_case_index_level():
    case = published_case(index_level="T7")
    ReferenceReading.objects.filter(case=case).update(level="T8")

    assert case.publication_problems() == ["The primary reading scores T8, but the case's index level is T7."]


def test_a_reference_that_contradicts_itself_cannot_be_published():
    case = published_case()
    ReferenceReading.objects.filter(case=case).update(tomita=2, posterolateral="none", escc="0")

    (problem,) = case.publication_problems()

    assert problem.startswith("The primary reading contradicts itself; a trainee answering the same would be told: ")
    assert "Tomita type 2 (body and pedicle) puts tumour in a pedicle" in problem


def test_a_published_case_may_not_name_its_index_level_where_trainees_read_before_committing():
    case = published_case(index_level="T4", presentation="Surveillance; a treated t 4 metastasis.")
    Series.objects.filter(case=case, order=0).update(description="Axials through T4")

    problems = case.publication_problems()

    assert any("names the index level (T4)" in p and "describe the patient" in p for p in problems)
    assert any(p.startswith("A series or an image's text names the index level") for p in problems)
    series = Series.objects.get(case=case, order=0)
    with pytest.raises(ValidationError) as refused:
        series.full_clean()
    assert "description" in refused.value.message_dict


def test_a_published_case_may_not_name_its_index_level_in_a_series_sequence_or_an_images_alt_text():
    case = published_case(index_level="L1", region="lumbar", series=2, slices=2)
    first, second = Series.objects.filter(case=case).order_by("order")
    Series.objects.filter(pk=first.pk).update(sequence="bone window L1")
    Slice.objects.filter(series=second).update(alt_text="Sagittal CT, the L-1 body collapsed")

    (problem,) = case.publication_problems()

    assert problem.startswith("A series or an image's text names the index level:")
    for refused, field in ((Series.objects.get(pk=first.pk), "sequence"), (second.slices.first(), "alt_text")):
        with pytest.raises(ValidationError) as error:
            refused.full_clean()
        assert field in error.value.message_dict


@pytest.mark.parametrize(
    ("modality", "text", "named"),
    [("mri", "T2", False), ("mri", "Sagittal T2 MRI of the thoracic spine, image 1 of 9", False),
     ("ct", "compare the T2-weighted MRI", False), ("ct", "T2W", False), ("ct", "bone window, T2", True),
     ("mri", "T2 body collapsed", False), ("mri", "Th2 body collapsed", True)],
)  # fmt: skip
def test_on_a_t2_case_a_weighting_is_no_level_but_the_level_itself_is(modality, text, named):
    case = published_case(index_level="T2", series=1, slices=1)
    series = Series.objects.get(case=case)
    series.modality = modality

    assert series.names_index_level(text) is named


def test_naming_another_level_or_a_draft_is_fine():
    assert published_case(index_level="T4", presentation="An old L2 fracture.").publication_problems() == []
    draft = CaseFactory(index_level="T4", presentation="Treated T4 metastasis.", status=Case.Status.DRAFT)
    assert draft.publication_problems() == []


def test_a_case_has_at_most_one_primary_reading_in_the_database():
    case = published_case()
    with pytest.raises(IntegrityError):
        ReferenceReadingFactory(case=case, is_primary=True)


def test_several_expert_readings_are_allowed():
    case = published_case()
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B", collapse="gt50")

    assert case.readings.count() == 2
    assert case.primary_reading.reader_name == "Dr A. Expert"


def test_a_reading_whose_location_does_not_follow_its_level_is_refused_with_the_reason():
    reading = ReferenceReadingFactory.build(case=CaseFactory(), level="T7", location="junctional")

    with pytest.raises(ValidationError) as error:
        reading.full_clean()

    assert error.value.message_dict["location"] == [
        "T7 lies in T3–T10: semirigid, 1 point, so the location must be semirigid."
    ]


def test_an_unfinished_expert_reading_saves_and_publication_names_what_each_reading_lacks_once():
    case = published_case(status=Case.Status.DRAFT, asks_escc=True)
    ReferenceReading.objects.filter(case=case).update(pain="")
    second = ReferenceReadingFactory.build(case=case, is_primary=False, reader_name="Dr B", tomita=None)
    second.full_clean()  # a draft's reading may be unfinished
    second.save()
    case.status = Case.Status.PUBLISHED

    problems = case.publication_problems()

    assert problems == [
        "The primary reading must give every item the case asks for; it lacks: pain, ESCC grade.",
        "The reading by Dr B must give every item the case asks for; it lacks: Tomita type, ESCC grade.",
    ]


def test_an_expert_readings_location_class_follows_from_its_level():
    reading = ReferenceReadingFactory(case=CaseFactory(index_level="L1"), level="L1", location="")

    assert reading.location == "junctional"


def test_a_draft_may_leave_the_index_level_for_later_but_publication_asks_for_it():
    case = CaseFactory.build(status=Case.Status.DRAFT, index_level="")
    case.full_clean()
    case.save()
    case.status = Case.Status.PUBLISHED

    assert "A published case needs an index level: the level the expert reading scores." in case.publication_problems()


def test_the_reading_converts_to_the_pure_value_and_stores_its_total_and_category():
    reading = ReferenceReadingFactory(case=CaseFactory())

    value = reading.to_reading()

    assert value == sins.Reading(level="T7", location="semirigid", pain="mechanical", bone_lesion="lytic",
                                 alignment="normal", collapse="lt50", posterolateral="unilateral",
                                 absent_pedicle="present", tomita=2, escc=None)  # fmt: skip
    assert (reading.total, reading.category) == (9, "potentially_unstable")


def test_the_case_version_goes_up_when_its_reference_changes_and_not_otherwise():
    case = published_case()
    start = Case.objects.get(pk=case.pk).version
    reading = case.readings.get()

    reading.save()
    assert Case.objects.get(pk=case.pk).version == start

    reading.collapse = "gt50"
    reading.save()
    assert Case.objects.get(pk=case.pk).version == start + 1

    reading.collapse_rationale = "Look at the sagittal CT."
    reading.save()
    assert Case.objects.get(pk=case.pk).version == start + 2

    case.refresh_from_db()
    case.title = "Renamed"
    case.save()
    assert Case.objects.get(pk=case.pk).version == start + 2

    case.index_level = "T8"
    case.save()
    assert case.version == start + 3


def test_the_version_of_the_answers_moves_with_the_answers_not_with_the_teaching_around_them():
    case = published_case()
    reading = case.readings.get()

    reading.collapse_rationale = "Look at the sagittal CT."
    reading.save()
    taught = Case.objects.get(pk=case.pk)
    reading.collapse = "gt50"
    reading.save()
    corrected = Case.objects.get(pk=case.pk)
    case.refresh_from_db()
    case.index_level = "T8"
    case.save()

    assert taught.answers_version == taught.version - 1  # a new version, the same answers
    assert corrected.answers_version == corrected.version == taught.version + 1
    assert case.answers_version == case.version > corrected.version


@pytest.mark.parametrize(
    ("modality", "plane", "sequence", "label"),
    [
        ("radiograph", "ap", "", "AP radiograph"),
        ("mri", "sagittal", "T2", "Sagittal T2 MRI"),
        ("mri", "axial", "T1 C+ fat-sat", "Axial T1 C+ fat-sat MRI"),
        ("ct", "sagittal", "CT bone window", "Sagittal CT bone window"),
        ("ct", "axial", "", "Axial CT"),
    ],
)
def test_series_are_named_as_a_radiologist_would(modality, plane, sequence, label):
    assert Series(modality=modality, plane=plane, sequence=sequence).label == label


@pytest.mark.parametrize("plane", ["axial", "sagittal", "coronal"])
def test_a_radiograph_is_a_projection_and_a_cross_sectional_plane_is_refused_with_a_message(plane):
    series = Series(case=CaseFactory(), modality="radiograph", plane=plane)

    with pytest.raises(ValidationError) as refused:
        series.full_clean()

    assert refused.value.message_dict["plane"] == ["A radiograph is a projection: choose AP or lateral."]


def test_slices_are_stored_under_random_names_with_their_derivatives():
    slice_ = SliceFactory()

    for field in (slice_.image, slice_.web, slice_.thumbnail):
        assert field.storage.exists(field.name)
        assert "slice" not in field.name.split("/")[-1]
    assert slice_.image.name.startswith("cases/slices/") and slice_.image.name.endswith(".png")
    assert slice_.web.name.startswith("cases/web/") and slice_.thumbnail.name.startswith("cases/thumbs/")
    assert (slice_.width, slice_.height) == (96, 128)


def test_a_slice_whose_row_cannot_be_written_leaves_no_file_behind(monkeypatch, settings):
    series = SeriesFactory()
    from cases import images
    from cases.models import Slice
    from tests.factories import png_upload

    def fail(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Slice, "save", fail)
    with pytest.raises(IntegrityError):
        Slice.create_from_upload(series, images.process(png_upload()), alt_text="x")

    assert not list((settings.MEDIA_ROOT / "cases").rglob("*.*"))


def test_the_viewer_opens_a_stack_in_its_middle_and_gets_derivatives_only():
    series = SeriesFactory()
    slices = [SliceFactory(series=series, position=position) for position in range(5)]

    public = PublicSeries.of(Series.objects.prefetch_related("slices").get(pk=series.pk))

    assert public.start_index == 2
    assert public.start_image.pk == slices[2].pk
    assert public.start_image.web == slices[2].web.url
    assert not hasattr(public, "case") and not hasattr(public.start_image, "image")
