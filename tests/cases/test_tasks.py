"""The import task: queued from the admin, run by the worker, reported on the Ingest row."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pydicom.uid import generate_uid

from cases import tasks
from cases.demo import dicom
from cases.models import Ingest, Series
from tests.factories import CaseFactory


def volume(count: int = 3) -> list[np.ndarray]:
    ramp = np.indices((64, 64)).sum(axis=0).astype(np.int16) * 20 - 1000
    return [np.clip(ramp + 100 * n, -1000, 1500).astype(np.int16) for n in range(count)]


def dicom_files(*, modality: str = "CT", count: int = 3) -> list[SimpleUploadedFile]:
    """One series as the browser uploads a folder's files."""
    uid, files = generate_uid(), []
    for index, hu in enumerate(volume(count)):
        dataset = dicom.ct_slice(hu, index=index, series_uid=uid)
        dataset.Modality = modality
        buffer = io.BytesIO()
        dataset.save_as(buffer, enforce_file_format=True)
        files.append(SimpleUploadedFile(f"{modality}{index + 1:03d}.dcm", buffer.getvalue()))
    return files


def upload(client, case, files):
    return client.post(f"/admin/cases/case/{case.pk}/dicom/", {"folder": files})


@pytest.mark.django_db
def test_an_upload_imported_at_once_makes_its_series(
    educator_client, immediate_tasks, django_capture_on_commit_callbacks
):
    case = CaseFactory(status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        upload(educator_client, case, dicom_files())

    item = Ingest.objects.get()
    assert (item.status, item.files_total, item.files_read) == (Ingest.Status.DONE, 3, 3)
    assert (item.images_made, item.series_made, item.refused) == (3, 1, [])
    [series] = Series.objects.filter(case=case)
    assert series.slices.count() == 3
    page = educator_client.get(f"/admin/cases/case/{case.pk}/dicom/progress/").content.decode()
    assert "3 of 3 files read" in page and "3 images made" in page and "Show the new series" in page


@pytest.mark.django_db
def test_a_held_secondary_capture_is_imported_once_the_educator_confirms(
    educator_client, immediate_tasks, django_capture_on_commit_callbacks
):
    case = CaseFactory(status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        upload(educator_client, case, dicom_files() + dicom_files(modality="OT", count=1))
    item = Ingest.objects.get()
    assert item.status == Ingest.Status.HELD
    assert [row["files"] for row in item.held] == [["4"]]  # the capture was the 4th file uploaded
    assert Series.objects.filter(case=case).count() == 1  # the CT series is in already

    with django_capture_on_commit_callbacks(execute=True):
        educator_client.post(f"/admin/cases/case/{case.pk}/dicom/{item.pk}/confirm/", {f"checked-{item.pk}": "yes"})
    item.refresh_from_db()
    assert (item.status, item.held, item.images_made) == (Ingest.Status.DONE, [], 4)
    assert Series.objects.filter(case=case).count() == 2  # the CT series was not imported twice


@pytest.mark.django_db
def test_an_import_discarded_while_it_waited_is_skipped(immediate_tasks):
    assert tasks.import_study.call(987654) == "gone"


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_and_its_worker_run_the_import(educator_client):
    """The real path: the upload queues a row in the database, `manage.py db_worker` takes and runs it."""
    case = CaseFactory(status="draft")
    upload(educator_client, case, dicom_files())  # committed at once: on_commit queues it
    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY" and queued.task_path == "cases.tasks.import_study"
    assert Ingest.objects.get().status == Ingest.Status.QUEUED

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    queued.refresh_from_db()
    assert (queued.status, queued.return_value) == ("SUCCESSFUL", "done")
    item = Ingest.objects.get()
    assert (item.status, item.images_made, item.series_made) == (Ingest.Status.DONE, 3, 1)
    assert Series.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_retrying_an_interrupted_first_run_imports_everything_again_and_holds_what_waits_for_a_check(
    educator_client, immediate_tasks, django_capture_on_commit_callbacks
):
    """A worker died while the first run read the files: it had noted a held file on the way. Retry is a full run,
    not the release of the held files (the educator confirmed nothing)."""
    case = CaseFactory(status="draft")
    with django_capture_on_commit_callbacks(execute=False):  # the worker takes it, and dies
        upload(educator_client, case, dicom_files(modality="OT", count=1) + dicom_files())
    item = Ingest.objects.get()
    # As the worker left it mid-run: running, silent for long, with the held file it had noted so far.
    noted = [{"reason": "a secondary capture (other): check it, then confirm.", "count": 1, "files": ["1"]}]
    Ingest.objects.update(status=Ingest.Status.RUNNING, held=noted, updated=timezone.now() - timedelta(minutes=11))

    with django_capture_on_commit_callbacks(execute=True):
        educator_client.post(f"/admin/cases/case/{case.pk}/dicom/{item.pk}/retry/")

    item.refresh_from_db()
    assert (item.status, item.images_made, len(item.held)) == (Ingest.Status.HELD, 3, 1)
    assert [s.modality for s in Series.objects.filter(case=case)] == ["ct"]
