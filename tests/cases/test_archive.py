"""Case archives (cases/archive.py): a case leaves with everything it teaches and comes back the same."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases import images
from cases.models import Annotation, Case, ReferenceReading, Slice
from tests.archives import exported, files_of, imported, library_state, manifest_of, rezipped, teaching_case
from tests.factories import EducatorFactory

pytestmark = pytest.mark.django_db


def test_a_case_exported_then_imported_where_it_is_missing_exports_the_same_manifest_and_bytes():
    data = exported(teaching_case(slug="spine-case"))
    Case.objects.all().delete()

    report = imported(data)

    assert report.summary == "Imported 1 case, 6 images."
    case = Case.objects.get(slug="spine-case")
    assert case.status == Case.Status.PUBLISHED and case.version == 1
    assert exported(case) == data  # the manifest, the image files and the zip around them
    primary, second = case.readings.all()
    assert primary.pain_rationale == "Mechanical: worse on standing, eased lying down."
    assert primary.level_key_slice.series.case == case and second.reader_name == "Dr B. Second"
    assert [a.label for a in Annotation.objects.filter(reading=primary)] == ["T7", ""]


def test_a_stored_file_larger_than_an_upload_may_be_still_travels(settings):
    # A 16-bit original from DICOM can be larger than MAX_UPLOAD_BYTES: the site reads back what it exports.
    data = exported(teaching_case(slug="spine-case"))
    Case.objects.all().delete()
    settings.MAX_UPLOAD_BYTES = 100

    assert imported(data).summary == "Imported 1 case, 6 images."


def test_a_stored_file_may_have_four_bytes_a_pixel_and_its_framing(settings):
    settings.MAX_IMAGE_PIXELS = 40_000_000

    assert images.stored_max_bytes() == 160_000_000 + 400_000 + 65_536  # above a 40 MP RGB or 16-bit PNG


def test_the_manifest_holds_the_history_series_readings_and_images_without_database_ids():
    case = teaching_case(slug="spine-case", age=71)
    manifest = manifest_of(exported(case))

    assert (manifest["format"], manifest["version"]) == ("sinsquiz-case-archive", 1)
    [entry] = manifest["cases"]
    assert entry["age"] == 71 and entry["index_level"] == "T7" and "id" not in entry and "updated" not in entry
    assert [len(series["images"]) for series in entry["series"]] == [3, 3]
    primary = entry["readings"][0]
    assert primary["is_primary"] and primary["pain"] == "mechanical"
    assert primary["key_images"]["collapse"] == {"series": 1, "image": 2}
    assert primary["annotations"][0]["on"] == {"series": 0, "image": 1}
    first = entry["series"][0]["images"][0]["files"]
    assert first["original"].endswith(".png") and first["web"].endswith(".jpg") and first["bone"] is None


def test_identical_image_files_travel_once():
    case = teaching_case()
    files = files_of(exported(case))
    twin = Slice.objects.filter(series__case=case).first()
    twin.pk, twin.position = None, 9
    twin.save()  # shares the stored files, as a duplicated case's images do

    assert files_of(exported(case)) == files
    assert len(manifest_of(exported(case))["cases"][0]["series"][0]["images"]) == 4


def test_a_slug_clash_imports_a_new_draft_and_leaves_the_existing_case_alone():
    existing = teaching_case(slug="spine-case", title="The original")
    data = exported(existing)
    educator = EducatorFactory()

    report = imported(data, educator)

    [done] = report.cases
    assert done.slug == "spine-case-2" and done.status == Case.Status.DRAFT
    assert "has the slug “spine-case” already" in " ".join(done.notes)
    copy = Case.objects.get(slug="spine-case-2")
    assert copy.author == educator and copy.status == Case.Status.DRAFT
    existing.refresh_from_db()
    assert existing.status == Case.Status.PUBLISHED and existing.series.count() == 2


def test_a_clash_is_given_a_slug_free_here_and_in_the_archive_and_the_archives_own_cases_keep_theirs():
    data = exported(teaching_case(slug="x", title="Ours"), teaching_case(slug="x-2", title="Theirs too"))
    Case.objects.filter(slug="x-2").delete()  # here: "x"; in the archive: "x" and "x-2"

    report = imported(data)

    clash, own = sorted(report.cases, key=lambda done: done.archived_slug)
    assert (clash.slug, clash.status) == ("x-3", Case.Status.DRAFT)
    assert "has the slug “x” already" in " ".join(clash.notes) and "“x-3”" in " ".join(clash.notes)
    assert (own.slug, own.status, own.notes) == ("x-2", Case.Status.PUBLISHED, [])
    assert sorted(Case.objects.values_list("slug", flat=True)) == ["x", "x-2", "x-3"]


def test_a_published_case_that_fails_the_checks_of_publishing_comes_in_as_a_draft_saying_why():
    data = exported(teaching_case(slug="spine-case"))
    manifest = manifest_of(data)
    manifest["cases"][0]["pain_statement"] = ""
    Case.objects.all().delete()

    [done] = imported(rezipped(data, manifest=manifest)).cases

    assert done.status == Case.Status.DRAFT
    assert "kept as a draft here: A published case needs a pain statement" in done.notes[0]


def test_as_drafts_holds_every_case_back_for_checking():
    data = exported(teaching_case(slug="spine-case"))
    Case.objects.all().delete()

    imported(data, as_drafts=True)

    assert Case.objects.get(slug="spine-case").status == Case.Status.DRAFT


def test_an_educator_account_does_not_travel_but_the_credited_name_does():
    case = teaching_case(slug="spine-case")
    case.readings.filter(is_primary=True).update(reader=EducatorFactory())
    data = exported(case)
    Case.objects.all().delete()

    imported(data)

    primary = ReferenceReading.objects.get(is_primary=True)
    assert primary.reader is None and primary.reader_name == "Dr A. Expert"


def test_an_archive_of_another_format_version_is_refused_with_nothing_written():
    data = exported(teaching_case())
    manifest = manifest_of(data) | {"version": 2}
    before = library_state()

    with pytest.raises(Exception, match="format version 2; this SINS Quiz reads version 1. It comes from a newer"):
        imported(rezipped(data, manifest=manifest))

    assert library_state() == before


def test_every_problem_of_an_archive_is_listed_at_once():
    data = exported(teaching_case(slug="one"), teaching_case(slug="two"))
    manifest = manifest_of(data)
    manifest["cases"][0]["age"] = "seventy"
    manifest["cases"][0]["series"][1]["images"][2]["width"] = "96"
    manifest["cases"][1]["age"] = -3
    manifest["cases"][1]["readings"][0]["tomita"] = 9
    manifest["cases"][1]["readings"][1]["pain"] = "severe"

    with pytest.raises(Exception) as refused:
        imported(rezipped(data, manifest=manifest))

    assert refused.value.messages == [
        "Nothing was imported: the archive has these problems.",
        "Case 0 (“one”): “age” must be a whole number or null, not text",
        "Case 0 (“one”), series 1, image 2: “width” must be a whole number, not text",
        "Case 1 (“two”): “age”: Ensure this value is greater than or equal to 0.",
        "Case 1 (“two”), reading 0: “tomita”: Value 9 is not a valid choice.",
        "Case 1 (“two”), reading 1: “pain”: Value 'severe' is not a valid choice.",
    ]


def test_a_series_the_admin_would_refuse_is_refused_in_an_archive_too():
    data = exported(teaching_case(slug="one"))
    manifest = manifest_of(data)
    manifest["cases"][0]["series"][0] |= {"modality": "radiograph", "plane": "axial"}

    with pytest.raises(Exception) as refused:
        imported(rezipped(data, manifest=manifest))

    assert (
        "Case 0 (“one”), series 0: “plane”: A radiograph is a projection: choose AP or lateral."
        in refused.value.messages
    )


def test_a_case_without_images_or_readings_travels_too():
    case = Case.objects.create(title="Empty draft", slug="empty-draft")
    data = exported(case)
    case.delete()

    imported(data)

    assert Case.objects.get(slug="empty-draft").status == Case.Status.DRAFT


def test_when_the_database_fails_midway_the_files_already_stored_are_removed_again():
    data = exported(teaching_case(slug="spine-case"))
    Case.objects.all().delete()
    before = library_state()
    refuse_readings()  # the readings are written after the images: their files are in storage by then

    with pytest.raises(ValidationError, match="Nothing was imported: the database refused it"):
        imported(data)

    assert library_state() == before


def refuse_readings() -> None:
    """A real failure of the database on the next expert reading written (undone with the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_reading() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_reading BEFORE INSERT ON cases_referencereading "
                "FOR EACH ROW EXECUTE FUNCTION refuse_reading()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_reading BEFORE INSERT ON cases_referencereading "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
