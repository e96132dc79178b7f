"""`manage.py import_dicom PATH --case SLUG`."""

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from pydicom.uid import generate_uid

from cases.demo.dicom import write_ct_series
from cases.models import Ingest, Series
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_dicom", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def study(tmp_path) -> Path:
    """A folder with two CT series in subfolders, as a PACS export lays them out, plus a stray text file."""
    volume = [np.full((32, 32), hu, dtype=np.int16) for hu in (0, 100, 200, 300)]
    write_ct_series(tmp_path / "study" / "s1", volume, plane="sagittal")
    write_ct_series(tmp_path / "study" / "s2", volume[:2], plane="axial", series_uid=generate_uid())
    (tmp_path / "study" / "s2" / "notes.dcm").write_text("not an image")
    return tmp_path / "study"


def test_a_folder_is_imported_recursively_with_one_summary_line(study):
    case = CaseFactory()

    out, err = run(study, "--case", case.slug)

    assert out == "Imported 6 images in 2 series. Refused 1 file.\n"
    assert err == f"{study / 's2' / 'notes.dcm'}: not a DICOM file\n"  # the terminal may have the path
    assert [(s.plane, s.slices.count()) for s in Series.objects.filter(case=case)] == [("sagittal", 4), ("axial", 2)]
    assert Ingest.objects.get(case=case).status == Ingest.Status.DONE


def test_a_zip_is_imported(study, tmp_path):
    case = CaseFactory()
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(study.rglob("IM*.dcm")):
            zipped.write(path, path.relative_to(study))

    out, _ = run(archive, "--case", case.slug)

    assert out == "Imported 6 images in 2 series.\n"


def test_a_missing_path_is_a_clear_error():
    case = CaseFactory()

    with pytest.raises(CommandError, match="No such file or folder: /nowhere/study"):
        run("/nowhere/study", "--case", case.slug)


def test_an_unknown_case_is_a_clear_error(study):
    with pytest.raises(CommandError, match="No case has the slug “missing”"):
        run(study, "--case", "missing")
    assert not Ingest.objects.exists()


def test_nothing_importable_is_an_error_that_says_why(tmp_path):
    case = CaseFactory()
    (tmp_path / "a.dcm").write_text("nope")
    (tmp_path / "b.txt").write_text("nope")

    with pytest.raises(CommandError, match=r"Nothing importable in .*: 2 files refused"):
        run(tmp_path, "--case", case.slug)
    assert not Series.with_unfinished.filter(case=case).exists()


def test_an_empty_folder_is_an_error(tmp_path):
    case = CaseFactory()

    with pytest.raises(CommandError, match="holds no files"):
        run(tmp_path, "--case", case.slug)
