"""`manage.py export_cases` and `manage.py import_cases`."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case, Slice
from tests.archives import files_of, library_state, manifest_of, teaching_case

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_export_cases_writes_every_case_and_says_how_many(tmp_path):
    teaching_case(slug="one"), teaching_case(slug="two")
    out = tmp_path / "cases.zip"

    said = run("export_cases", str(out))

    files = len(files_of(out.read_bytes()))
    assert said == f"Exported 2 cases, 12 images ({files} files) to {out}.\n"
    assert [case["slug"] for case in manifest_of(out.read_bytes())["cases"]] == ["one", "two"]


def test_export_cases_says_one_case_and_one_image_in_the_singular(tmp_path):
    case = teaching_case(slug="one")
    Slice.objects.filter(series__case=case).exclude(pk=Slice.objects.filter(series__case=case).first().pk).delete()
    out = tmp_path / "cases.zip"

    said = run("export_cases", str(out))

    assert said.startswith("Exported 1 case, 1 image (")


def test_export_cases_takes_the_cases_named_by_slug(tmp_path):
    teaching_case(slug="one"), teaching_case(slug="two")
    out = tmp_path / "cases.zip"

    run("export_cases", str(out), "--slug", "two")

    assert [case["slug"] for case in manifest_of(out.read_bytes())["cases"]] == ["two"]


def test_export_cases_refuses_an_unknown_slug_and_writes_nothing(tmp_path):
    out = tmp_path / "cases.zip"
    with pytest.raises(CommandError, match="No case has the slug “nope”."):
        run("export_cases", str(out), "--slug", "nope")
    assert not out.exists()


def test_import_cases_says_what_it_did_per_case(tmp_path):
    teaching_case(slug="one", title="First case")
    out = tmp_path / "cases.zip"
    run("export_cases", str(out))

    said = run("import_cases", str(out)).splitlines()

    assert said[0] == "Imported “First case” as “one-2” (a draft): 2 series, 6 images, 2 expert readings."
    assert said[1].startswith("A case here has the slug “one” already")
    assert said[-1] == "Imported 1 case, 6 images."
    assert Case.objects.filter(slug="one-2", status=Case.Status.DRAFT).exists()


def test_import_cases_on_the_server_is_not_held_to_the_admins_budget(tmp_path, settings):
    teaching_case(slug="one")
    out = tmp_path / "cases.zip"
    run("export_cases", str(out))
    settings.ARCHIVE_MAX_TOTAL_BYTES = 100

    assert run("import_cases", str(out)).splitlines()[-1] == "Imported 1 case, 6 images."


def test_import_cases_refuses_bad_input_with_a_message_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zipped:
        zipped.writestr("manifest.json", "{not json")
    before = library_state()

    with pytest.raises(CommandError, match="Nothing was imported: manifest.json is not valid JSON"):
        run("import_cases", str(bad))
    with pytest.raises(CommandError, match="Could not read .*missing.zip: No such file or directory."):
        run("import_cases", str(tmp_path / "missing.zip"))

    assert library_state() == before
