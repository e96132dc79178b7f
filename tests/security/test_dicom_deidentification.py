"""No identifier planted in a DICOM header survives the import: not in a stored file, a database row, a log line,
an admin page, a trainee's page or an export."""

import io
import logging
import zipfile

import numpy as np
import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pydicom import Dataset
from pydicom.datadict import dictionary_VR
from pydicom.uid import SecondaryCaptureImageStorage, generate_uid

from cases.demo import dicom
from cases.models import Ingest
from sinsquiz.progress.models import Cohort
from tests.factories import EducatorFactory, TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db

DATE, TIME = "19370214", "231759"
UID_ROOT = "1.2.826.0.1.3680043.10.1937"

# Attributes of DICOM PS3.15 Table E.1-1 (and their neighbours) that can carry who, where or when.
IDENTIFYING = [
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "OtherPatientIDs",
    "OtherPatientNames",
    "PatientBirthName",
    "PatientMotherBirthName",
    "PatientBirthDate",
    "PatientBirthTime",
    "PatientAddress",
    "PatientTelephoneNumbers",
    "PatientInsurancePlanCodeSequence",
    "MilitaryRank",
    "BranchOfService",
    "MedicalRecordLocator",
    "PatientReligiousPreference",
    "PatientComments",
    "EthnicGroup",
    "Occupation",
    "AdditionalPatientHistory",
    "PatientAge",
    "PatientSize",
    "PatientWeight",
    "CountryOfResidence",
    "RegionOfResidence",
    "ResponsiblePerson",
    "ResponsibleOrganization",
    "AccessionNumber",
    "StudyID",
    "StudyDescription",
    "SeriesDescription",
    "ProtocolName",
    "PerformedProcedureStepDescription",
    "PerformedProcedureStepID",
    "RequestedProcedureDescription",
    "ImageComments",
    "InstitutionName",
    "InstitutionAddress",
    "InstitutionalDepartmentName",
    "ReferringPhysicianName",
    "ReferringPhysicianAddress",
    "ReferringPhysicianTelephoneNumbers",
    "PerformingPhysicianName",
    "NameOfPhysiciansReadingStudy",
    "PhysiciansOfRecord",
    "OperatorsName",
    "RequestingPhysician",
    "StationName",
    "DeviceSerialNumber",
    "Manufacturer",
    "ManufacturerModelName",
    "SoftwareVersions",
    "DerivationDescription",
    "ContentCreatorName",
    "StudyDate",
    "SeriesDate",
    "AcquisitionDate",
    "ContentDate",
    "InstanceCreationDate",
    "StudyTime",
    "SeriesTime",
    "AcquisitionTime",
    "ContentTime",
    "InstanceCreationTime",
    "AcquisitionDateTime",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "FrameOfReferenceUID",
    "InstanceCreatorUID",
    "IrradiationEventUID",
]


def planted(keyword: str, n: int):
    """A distinctive value of the attribute's type, traceable to the attribute."""
    vr = dictionary_VR(keyword)
    return {
        "PN": f"ZQPERSON{n}^PLANTED",
        "DA": DATE,
        "TM": TIME,
        "DT": DATE + TIME,
        "UI": f"{UID_ROOT}.{n}",
        "AS": "087Y",
        "DS": "1.937",
        "SQ": [],
    }.get(vr, f"ZQPLANTED{n}")


def sentinels() -> list[str]:
    """Every planted value, and the forms a page or an export could write them in."""
    values = {f"ZQPERSON{n}" for n in range(len(IDENTIFYING))} | {f"ZQPLANTED{n}" for n in range(len(IDENTIFYING))}
    return sorted(values) + [DATE, "1937-02-14", "14/02/1937", "14 Feb 1937", TIME, "23:17:59", UID_ROOT]


def planted_slice(index: int, series_uid: str) -> Dataset:
    """A CT slice whose every identifying attribute, nested sequence and private tag holds a sentinel."""
    hu = np.full((64, 64), 40, dtype=np.int16)
    hu[16:48, 16:48] = 700
    ds = dicom.ct_slice(hu, index=index, series_uid=series_uid, identity=dicom.Identity(study_uid=f"{UID_ROOT}.900"))
    for n, keyword in enumerate(IDENTIFYING):
        if dictionary_VR(keyword) != "SQ":
            setattr(ds, keyword, planted(keyword, n))
    request = Dataset()
    request.RequestedProcedureID = "ZQPLANTED900"
    request.ScheduledProcedureStepID = "ZQPLANTED901"
    request.RequestingService = "ZQPLANTED902"
    ds.RequestAttributesSequence = [request]
    ds.ReferencedStudySequence = [Dataset()]
    ds.ReferencedStudySequence[0].ReferencedSOPInstanceUID = f"{UID_ROOT}.902"
    ds.ReferencedStudySequence[0].ReferencedSOPClassUID = generate_uid()
    block = ds.private_block(0x0029, "ZQPLANTED CREATOR", create=True)
    block.add_new(0x10, "LO", "ZQPLANTED903")
    ds.SOPInstanceUID = f"{series_uid}.{index}"  # planted too, but each image its own, as in a real study
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


def written(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def planted_study(slices: int = 3, *, troubles: bool = False) -> bytes:
    """A zip of a CT series full of planted identifiers, its files named as PACS exports name them (by patient,
    by SOPInstanceUID), and a refused file with a patient's name. With `troubles`, also: a truncated slice, a
    secondary capture (held), and files whose header numbers are text holding a name (refused)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for index in range(slices):
            zipped.writestr(
                f"ZQPERSON0^PLANTED/{UID_ROOT}.{910 + index}.dcm", written(planted_slice(index, f"{UID_ROOT}.901"))
            )
        zipped.writestr("ZQPERSON1^PLANTED.dcm", b"Not an image, and refused: its name must not be kept.")
        if troubles:
            truncated = written(planted_slice(slices, f"{UID_ROOT}.901"))
            zipped.writestr(f"{UID_ROOT}.920.dcm", truncated[:-700])
            capture = planted_slice(0, f"{UID_ROOT}.903")
            capture.SOPClassUID = capture.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
            capture.Modality = "OT"
            zipped.writestr(f"{UID_ROOT}.921.dcm", written(capture))
            frames = planted_slice(0, f"{UID_ROOT}.904")
            frames.add_new(0x00280008, "LO", "ZQPERSON3^PLANTED")  # NumberOfFrames as text
            zipped.writestr(f"{UID_ROOT}.922.dcm", written(frames))
            slope = planted_slice(0, f"{UID_ROOT}.905")
            slope.add_new(0x00281053, "LO", "ZQPERSON4^PLANTED")  # RescaleSlope as text
            zipped.writestr(f"{UID_ROOT}.923.dcm", written(slope))
    return archive.getvalue()


def found_in(text: str) -> list[str]:
    return [value for value in sentinels() if value in text]


def database_text() -> str:
    """Every row of every table the project has, as text."""
    return "\n".join(
        repr(row) for model in apps.get_models(include_auto_created=True) for row in model._base_manager.values_list()
    )


def media_bytes(root) -> bytes:
    return b"\n".join(path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file())


@pytest.fixture
def imported(client, immediate_tasks, django_capture_on_commit_callbacks):
    """A published case whose study, full of planted identifiers, an educator imported through the admin."""
    case = published_case(series=1, slices=1)
    educator = EducatorFactory()
    client.force_login(educator)
    study = io.BytesIO(planted_study())
    study.name = f"ZQPERSON2^PLANTED_{UID_ROOT}.zip"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:cases_case_dicom_import", args=[case.pk]), {"files": study})
    return case, educator


def run_queue() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_no_planted_identifier_survives_a_dicom_import_anywhere(client, settings, caplog, capsys, tmp_path):
    """The import runs here, in the test, through the database queue and its worker: a run that fails, its
    retry, which holds a secondary capture and refuses a truncated file and damaged headers, and the import of
    the held file once confirmed. Every log line from the start is searched, and every table (the queue's too)."""
    caplog.set_level(logging.DEBUG)
    case = published_case(series=1, slices=1)
    educator = EducatorFactory()
    client.force_login(educator)
    study = io.BytesIO(planted_study(troubles=True))
    study.name = f"ZQPERSON2^PLANTED_{UID_ROOT}.zip"
    # The disk refuses the thumbnails (a file stands where their folder is): the first run fails.
    thumbs = settings.MEDIA_ROOT / "cases" / "thumbs"
    thumbs.rename(tmp_path / "thumbs")
    thumbs.write_text("in the way")
    client.post(reverse("admin:cases_case_dicom_import", args=[case.pk]), {"files": study})
    run_queue()
    ingest = Ingest.objects.get(case=case)
    assert ingest.status == Ingest.Status.FAILED
    assert "DICOM import" in caplog.text and "failed" in caplog.text  # the failure was logged, and is searched
    thumbs.unlink()
    (tmp_path / "thumbs").rename(thumbs)

    client.post(reverse("admin:cases_case_dicom_action", args=[case.pk, ingest.pk, "retry"]))
    run_queue()
    ingest.refresh_from_db()
    assert (ingest.status, ingest.images_made, ingest.held_count, ingest.refused_count) == ("held", 3, 1, 4)
    client.post(
        reverse("admin:cases_case_dicom_action", args=[case.pk, ingest.pk, "confirm"]), {f"checked-{ingest.pk}": "1"}
    )
    run_queue()
    ingest.refresh_from_db()
    assert (ingest.status, ingest.images_made, ingest.series_made) == (Ingest.Status.DONE, 4, 2)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3
    new_series = case.series.get(ingest=ingest, modality="ct")
    assert (new_series.modality, new_series.window_width, new_series.window_center) == ("ct", 2000, 500)

    pages = []
    # The educator's pages: the case in the admin, its imports, the new series, the library.
    for url in (
        reverse("admin:cases_case_change", args=[case.pk]),
        reverse("admin:cases_case_dicom_progress", args=[case.pk]),
        reverse("admin:cases_series_change", args=[new_series.pk]),
        reverse("admin:cases_case_changelist"),
        reverse("case", args=[case.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())

    # A trainee answers the case; the educator follows the cohort and exports it.
    trainee = TraineeFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.trainees.add(trainee)
    cohort.educators.add(educator)
    client.force_login(trainee)
    response = client.get(reverse("case", args=[case.slug]))
    assert "Axial CT" in response.content.decode()  # the imported series is shown
    pages.append(response.content.decode())
    attempt = commit(client, case)
    for url in (reverse("attempt", args=[attempt.pk]), reverse("case-list"), reverse("progress")):
        pages.append(client.get(url).content.decode())
    client.force_login(educator)
    for url in (
        reverse("cohort", args=[cohort.pk]),
        reverse("cohort-attempts-csv", args=[cohort.pk]),
        reverse("trainee-progress", args=[trainee.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        pages.append(body.decode())
    export = io.StringIO()
    call_command("export_attempts", stdout=export, stderr=io.StringIO())

    assert found_in("\n".join(pages)) == []
    assert found_in(export.getvalue()) == []
    assert found_in(database_text()) == []
    assert found_in(media_bytes(settings.MEDIA_ROOT).decode("latin-1")) == []
    assert not list((settings.MEDIA_ROOT / "ingest").rglob("*"))  # the uploaded files are gone
    assert found_in("\n".join(str(path) for path in settings.MEDIA_ROOT.rglob("*"))) == []  # no file's name
    assert found_in(caplog.text + "".join(capsys.readouterr())) == []


def test_the_sentinel_search_would_find_a_planted_value(imported, settings):
    """The checks above can fail: a value copied from the header is found in the database and the files."""
    case, _ = imported
    series = case.series.latest("pk")
    series.description = "ZQPERSON0 seen at Demo"
    series.save()
    (settings.MEDIA_ROOT / "leak.txt").write_text(DATE)
    assert found_in(database_text()) == ["ZQPERSON0"]
    assert found_in(media_bytes(settings.MEDIA_ROOT).decode("latin-1")) == [DATE]
