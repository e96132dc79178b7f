"""The Import DICOM box on the case's admin page: upload, limits, permissions, progress and the held/failed actions."""

import io
import zipfile
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases.demo import dicom
from cases.models import Ingest
from tests.factories import CaseFactory, EducatorFactory, SeriesFactory, TraineeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory(status="draft")


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> list:
    """Three small CT slices (a gradient in HU) as DICOM files written by the demo's code: [(name, bytes)]."""
    folder = tmp_path_factory.mktemp("study")
    volume = [
        np.clip(np.indices((64, 64)).sum(axis=0) * 20 - 1000 + 100 * n, -1000, 1500).astype(np.int16) for n in range(3)
    ]
    return [(path.name, path.read_bytes()) for path in dicom.write_ct_series(folder, volume)]


def zipped(files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            archive.writestr(f"STUDY/{name}", data)
    return buffer.getvalue()


def upload_url(case) -> str:
    return f"/admin/cases/case/{case.pk}/dicom/"


def action_url(item, action) -> str:
    return f"/admin/cases/case/{item.case_id}/dicom/{item.pk}/{action}/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def staged(item) -> list[str]:
    return sorted(default_storage.listdir(item.source)[1])


def queued_tasks() -> list[list]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.order_by("enqueued_at")]


def everything_in_storage() -> list[str]:
    if not default_storage.exists("ingest"):
        return []
    return default_storage.listdir("ingest")[0] + default_storage.listdir("ingest")[1]


def test_the_case_page_offers_the_import_box_before_the_series(educator_client, case):
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert "Import DICOM" in page
    assert "2000 files and 1.0\xa0GB per upload" in page  # DICOM_UPLOAD_MAX_MB 1024, in binary megabytes
    assert page.index('id="dicom-import"') < page.index("series-inline")
    assert "webkitdirectory" in page and 'form="dicom-import-form"' in page
    assert f'action="{upload_url(case)}"' in page
    # The import's form lies after the case's, not inside it.
    assert page.index('id="dicom-import-form"') > page.index("</form>")


def test_a_zip_of_a_study_is_staged_and_queued_and_the_educator_is_told(
    educator_client, case, study, django_capture_on_commit_callbacks
):
    archive = SimpleUploadedFile("study.zip", zipped(study), content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        response = educator_client.post(upload_url(case), {"files": [archive]})

    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases/case/{case.pk}/change/#dicom-import"
    assert messages_of(response) == [
        "Uploaded 1 file. The import runs in the background: follow it under Import DICOM; its series appear when "
        "it is done."
    ]
    item = Ingest.objects.get()
    assert (item.case, item.status) == (case, Ingest.Status.QUEUED)
    assert item.source.startswith("ingest/")
    assert staged(item) == ["0001"]  # no upload keeps its name
    assert queued_tasks() == [[item.pk]]


def test_a_folder_of_dicom_files_is_staged_file_by_file(
    educator_client, case, study, django_capture_on_commit_callbacks
):
    files = [SimpleUploadedFile(name, data, content_type="application/dicom") for name, data in study]
    with django_capture_on_commit_callbacks(execute=True):
        response = educator_client.post(upload_url(case), {"folder": files})

    assert messages_of(response)[0].startswith("Uploaded 3 files.")
    item = Ingest.objects.get()
    assert staged(item) == ["0001", "0002", "0003"]
    assert queued_tasks() == [[item.pk]]


def test_posting_nothing_says_what_to_choose(educator_client, case):
    response = educator_client.post(upload_url(case), {})
    assert messages_of(response) == ["Choose a .zip, a folder or DICOM files to import first."]
    assert not Ingest.objects.exists()


def test_more_files_than_one_upload_takes_are_refused_with_a_message_to_zip_them(
    educator_client, case, study, settings
):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [SimpleUploadedFile(name, data) for name, data in study]
    response = educator_client.post(upload_url(case), {"folder": files})

    assert response.status_code == 302
    assert messages_of(response) == [
        "Nothing was imported: one upload takes at most 2 files. Zip the folder and upload the .zip instead "
        "(a .zip counts as one file)."
    ]
    assert not Ingest.objects.exists()
    assert everything_in_storage() == []
    assert not DBTaskResult.objects.exists()


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(educator_client, case, study, settings):
    settings.DICOM_UPLOAD_MAX_BYTES = 10_000
    response = educator_client.post(upload_url(case), {"files": [SimpleUploadedFile("s.zip", zipped(study))]})

    assert response.status_code == 302
    [message] = messages_of(response)
    assert message.startswith("Nothing was imported: the upload is ")
    assert "more than the 9.8\xa0KB one upload may hold. Upload the study a few series at a time." in message
    assert not Ingest.objects.exists()
    assert everything_in_storage() == []


def test_the_refusals_show_on_the_case_page(educator_client, case, study, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    files = [SimpleUploadedFile(name, data) for name, data in study]
    page = educator_client.post(upload_url(case), {"folder": files}, follow=True)
    assert page.status_code == 200
    assert "Zip the folder and upload the .zip instead" in page.content.decode()


def test_an_upload_without_its_csrf_token_is_refused_and_stages_nothing(case, study):
    client = Client(enforce_csrf_checks=True)
    client.force_login(EducatorFactory())
    response = client.post(upload_url(case), {"files": [SimpleUploadedFile("s.zip", zipped(study))]})
    assert response.status_code == 403
    assert not Ingest.objects.exists()


def test_an_upload_with_its_csrf_token_passes_the_check(case, study):
    client = Client(enforce_csrf_checks=True)
    client.force_login(EducatorFactory())
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    token = page.context["csrf_token"]
    response = client.post(
        upload_url(case), {"files": [SimpleUploadedFile("s.zip", zipped(study))], "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Ingest.objects.count() == 1


def test_a_trainee_cannot_upload_or_follow_an_import(client, case, study):
    client.force_login(TraineeFactory())
    response = client.post(upload_url(case), {"files": [SimpleUploadedFile("s.zip", zipped(study))]})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get(f"/admin/cases/case/{case.pk}/dicom/progress/").status_code == 302
    assert not Ingest.objects.exists()


def test_staff_without_the_change_permission_gets_403_and_nothing_is_staged(client, case, study):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(viewer)
    response = client.post(upload_url(case), {"files": [SimpleUploadedFile("s.zip", zipped(study))]})
    assert response.status_code == 403
    item = Ingest.objects.create(case=case, source="ingest/x", status=Ingest.Status.HELD)
    assert client.get(f"/admin/cases/case/{case.pk}/dicom/progress/").status_code == 403
    assert client.post(action_url(item, "discard")).status_code == 403
    assert list(Ingest.objects.all()) == [item]
    assert everything_in_storage() == []
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200 and "Upload and import" not in page.content.decode()  # no box that cannot work


def test_an_import_of_another_case_is_not_found_under_this_one(educator_client, case):
    item = Ingest.objects.create(case=CaseFactory(), source="ingest/x", status=Ingest.Status.FAILED)
    assert educator_client.post(f"/admin/cases/case/{case.pk}/dicom/{item.pk}/retry/").status_code == 404


# --- Progress -----------------------------------------------------------------------------------------------


def progress(client, case):
    return client.get(f"/admin/cases/case/{case.pk}/dicom/progress/", headers={"HX-Request": "true"})


def test_a_running_import_shows_its_counts_and_keeps_polling(educator_client, case):
    Ingest.objects.create(
        case=case, source="ingest/a", status=Ingest.Status.RUNNING, files_total=212, files_read=90, images_made=88,
        series_made=1, refused=[{"reason": "not a DICOM file", "count": 2, "files": ["4", "9"]}],
    )  # fmt: skip
    response = progress(educator_client, case)
    html = response.content.decode()

    assert "no-store" in response["Cache-Control"]
    assert html.lstrip().startswith('<div id="dicom-ingests"')  # the partial alone
    assert 'hx-trigger="every 1s"' in html
    assert "Reading the files" in html
    assert "90 of 212 files read" in html and "88 images made" in html and "1 series made" in html
    assert "2 refused" in html and "2 files: not a DICOM file (files 4, 9)" in html


def test_polling_a_case_deleted_meanwhile_says_so_and_stops(educator_client, case):
    pk = case.pk
    case.delete()

    response = educator_client.get(f"/admin/cases/case/{pk}/dicom/progress/", headers={"HX-Request": "true"})

    assert response.status_code == 286  # htmx's "stop polling"
    assert "This case has been deleted" in response.content.decode()


def test_a_finished_import_stops_the_polling_and_offers_the_new_series(educator_client, case):
    Ingest.objects.create(
        case=case, source="ingest/a", status=Ingest.Status.DONE, files_total=3, files_read=3, images_made=3,
        series_made=1, message="Imported 3 images in 1 series.",
    )  # fmt: skip
    html = progress(educator_client, case).content.decode()
    assert "hx-trigger" not in html
    assert "Imported 3 images in 1 series." in html
    assert f'href="/admin/cases/case/{case.pk}/change/">Show the new series' in html
    # On the page itself the series are shown already: no link to reload.
    page = educator_client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert "Imported 3 images in 1 series." in page and "Show the new series" not in page


def test_an_import_that_refused_every_file_says_nothing_was_imported_and_offers_no_new_series(educator_client, case):
    Ingest.objects.create(
        case=case, source="ingest/a", status=Ingest.Status.DONE, files_total=2, files_read=2,
        refused=[{"reason": "not a DICOM file", "count": 2, "files": ["1", "2"]}],
        message="Nothing was imported: 2 files refused, each with its reason.",
    )  # fmt: skip

    html = progress(educator_client, case).content.decode()

    assert '<span class="dicom-state">Nothing imported</span>' in html
    assert "Nothing was imported: 2 files refused, each with its reason." in html
    assert "Show the new series" not in html


def test_many_refused_files_are_collapsed_and_a_few_are_open(educator_client, case):
    many = [{"reason": "truncated", "count": 6, "files": [str(n) for n in range(1, 7)]}]
    Ingest.objects.create(case=case, source="ingest/a", status=Ingest.Status.DONE, refused=many)
    html = progress(educator_client, case).content.decode()
    assert '<details class="dicom-files">' in html and "6 files refused" in html
    Ingest.objects.update(refused=[{"reason": "truncated", "count": 2, "files": ["1", "2"]}])
    assert '<details class="dicom-files" open>' in progress(educator_client, case).content.decode()


def test_an_import_done_yesterday_drops_off_the_list_but_a_failed_one_stays(educator_client, case):
    old = timezone.now() - timedelta(days=2)
    Ingest.objects.create(case=case, source="ingest/a", status=Ingest.Status.DONE, message="Old and done.")
    Ingest.objects.create(case=case, source="ingest/b", status=Ingest.Status.FAILED, message="Old and failed.")
    Ingest.objects.update(updated=old)
    html = progress(educator_client, case).content.decode()
    assert "Old and failed." in html and "Old and done." not in html


def test_a_held_import_is_never_crowded_off_the_list_by_newer_finished_ones(educator_client, case):
    Ingest.objects.create(case=case, source="ingest/held", status=Ingest.Status.HELD, message="Held, to check.")
    for n in range(12):
        Ingest.objects.create(case=case, source=f"ingest/{n}", status=Ingest.Status.DONE, message=f"Done {n}.")

    html = progress(educator_client, case).content.decode()

    assert "Held, to check." in html
    assert html.count('class="dicom-ingest ') == 10  # the held one, and the newest nine done
    assert "Done 11." in html and "Done 2." not in html


def test_an_import_silent_for_long_is_shown_interrupted_and_can_be_retried(
    educator_client, case, django_capture_on_commit_callbacks
):
    item = Ingest.objects.create(case=case, source="ingest/a", status=Ingest.Status.RUNNING)
    Ingest.objects.update(updated=timezone.now() - timedelta(minutes=11))
    html = progress(educator_client, case).content.decode()
    assert "Interrupted" in html and "hx-trigger" not in html
    assert f'formaction="{action_url(item, "retry")}"' in html
    with django_capture_on_commit_callbacks(execute=True):
        educator_client.post(action_url(item, "retry"))
    assert Ingest.objects.get().status == Ingest.Status.QUEUED
    assert queued_tasks() == [[item.pk]]


def test_a_queued_import_no_worker_took_says_how_to_start_one(educator_client, case):
    Ingest.objects.create(case=case, source="ingest/a")
    Ingest.objects.update(updated=timezone.now() - timedelta(minutes=2))
    assert "python manage.py db_worker" in progress(educator_client, case).content.decode()


def test_a_queued_import_shows_no_counts_yet_not_even_those_of_a_run_it_retries(educator_client, case):
    Ingest.objects.create(case=case, source="ingest/a", files_total=300, files_read=20, images_made=20)

    html = progress(educator_client, case).content.decode()

    assert "Waiting to start" in html and "files read" not in html and "<progress" not in html


# --- Held, failed: confirm, retry, discard ----------------------------------------------------------------------


@pytest.fixture
def held(case, educator_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # Followed to the case page, which shows (and so uses up) the upload's message.
        educator_client.post(upload_url(case), {"files": [SimpleUploadedFile("screen.dcm", b"pixels")]}, follow=True)
    DBTaskResult.objects.all().delete()
    item = Ingest.objects.get()
    Ingest.objects.update(
        status=Ingest.Status.HELD,
        held=[{"reason": "a screenshot may carry patient details", "count": 1, "files": ["1"]}],
    )
    item.refresh_from_db()
    return item


def test_a_held_import_shows_its_files_and_asks_for_the_check(educator_client, case, held):
    html = progress(educator_client, case).content.decode()
    assert "Waiting for your confirmation" in html
    assert "1 file: a screenshot may carry patient details (file 1)" in html
    assert f'name="checked-{held.pk}"' in html
    assert "I have checked these images for burned-in patient details" in html
    assert f'formaction="{action_url(held, "confirm")}"' in html
    assert f'formaction="{action_url(held, "discard")}"' in html
    assert "hx-trigger" not in html  # nothing to wait for: the educator acts


def test_confirming_without_ticking_the_box_imports_nothing(educator_client, held):
    response = educator_client.post(action_url(held, "confirm"))
    assert messages_of(response) == [
        "Tick “I have checked these images for burned-in patient details” before importing them."
    ]
    assert Ingest.objects.get().status == Ingest.Status.HELD
    assert queued_tasks() == []


def test_confirming_queues_the_import_of_the_checked_files_once(
    educator_client, held, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = educator_client.post(action_url(held, "confirm"), {f"checked-{held.pk}": "yes"})
        second = educator_client.post(action_url(held, "confirm"), {f"checked-{held.pk}": "yes"})

    assert messages_of(first) == ["Importing the files you checked; follow the import below."]
    assert messages_of(second)[-1] == "That import is not waiting for a confirmation any more."
    assert Ingest.objects.get().status == Ingest.Status.QUEUED
    assert queued_tasks() == [[held.pk]]


def test_discarding_a_held_import_removes_its_files_and_keeps_its_record(educator_client, held):
    assert staged(held) == ["0001"]
    SeriesFactory(case=held.case, ingest=held)  # what the import made before it held the file
    response = educator_client.post(action_url(held, "discard"))
    assert messages_of(response) == ["Discarded the import's remaining uploaded files."]
    # What the import made before it held the file stays, and its record says what was discarded.
    item = Ingest.objects.get()
    assert item.status == Ingest.Status.DONE and "Discarded 1 held file without importing it." in item.message
    assert not default_storage.exists(f"{held.source}/0001")


def test_discarding_a_failed_import_removes_it_and_its_files(educator_client, held):
    Ingest.objects.update(status=Ingest.Status.FAILED, held=[])
    response = educator_client.post(action_url(held, "discard"))
    assert messages_of(response) == ["Discarded the import's remaining uploaded files."]
    assert not Ingest.objects.exists()
    assert not default_storage.exists(f"{held.source}/0001")


def test_a_failed_import_is_retried_and_a_done_one_is_not(educator_client, held, django_capture_on_commit_callbacks):
    Ingest.objects.update(status=Ingest.Status.FAILED, held=[], message="Nothing could be read.")
    html = progress(educator_client, held.case).content.decode()
    assert "Nothing could be read." in html and f'formaction="{action_url(held, "retry")}"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = educator_client.post(action_url(held, "retry"))
    assert messages_of(response) == ["The import is queued again; follow it below."]
    assert queued_tasks() == [[held.pk]]

    Ingest.objects.update(status=Ingest.Status.DONE)
    response = educator_client.post(action_url(held, "retry"))
    assert messages_of(response)[-1] == "That import has not failed: there is nothing to retry."
    response = educator_client.post(action_url(held, "discard"))
    assert messages_of(response)[-1] == "Only a held, failed or interrupted import can be discarded."
    assert Ingest.objects.exists()


def test_discarding_an_interrupted_import_removes_its_files_and_says_so(educator_client, held):
    Ingest.objects.update(status=Ingest.Status.RUNNING, held=[], updated=timezone.now() - timedelta(minutes=11))
    response = educator_client.post(action_url(held, "discard"))
    assert messages_of(response) == ["Discarded the import's remaining uploaded files."]
    assert not Ingest.objects.exists()  # it made nothing that is shown: nothing is left to report
    assert not default_storage.exists(f"{held.source}/0001")


def test_an_import_whose_task_was_lost_can_be_retried_or_discarded(
    educator_client, held, django_capture_on_commit_callbacks
):
    Ingest.objects.update(status=Ingest.Status.QUEUED, held=[], updated=timezone.now() - timedelta(minutes=2))
    html = progress(educator_client, held.case).content.decode()
    assert f'formaction="{action_url(held, "retry")}"' in html
    assert f'formaction="{action_url(held, "discard")}"' in html
    with django_capture_on_commit_callbacks(execute=True):
        educator_client.post(action_url(held, "retry"))
    assert queued_tasks() == [[held.pk]]
    Ingest.objects.update(updated=timezone.now() - timedelta(minutes=2))
    assert messages_of(educator_client.post(action_url(held, "discard")))[-1].startswith("Discarded")
    assert not default_storage.exists(f"{held.source}/0001")


def test_a_queued_import_that_is_not_late_cannot_be_discarded_under_its_worker(educator_client, held):
    Ingest.objects.update(status=Ingest.Status.QUEUED, held=[])
    response = educator_client.post(action_url(held, "discard"))
    assert messages_of(response)[-1] == "Only a held, failed or interrupted import can be discarded."
    assert staged(held) == ["0001"]


def test_the_upload_takes_only_a_post(educator_client, case):
    response = educator_client.get(upload_url(case))
    assert response.status_code == 405 and response["Allow"] == "POST"
