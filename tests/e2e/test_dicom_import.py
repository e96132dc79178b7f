"""An educator imports a zipped DICOM study in the admin and watches it to the end, in Chromium.

The import runs in a real `db_worker` Worker, in a thread of this process, against the live server's committed
database (a SQLite file shared by the server's threads, the worker's and the test's), so the page's htmx polling
sees the progress the worker writes.
"""

import io
import threading
import zipfile

import numpy as np
import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect
from pydicom.uid import generate_uid

from cases.demo import dicom
from cases.models import Case, Ingest, Series
from sinsquiz import sins
from tests.factories import CaseFactory, EducatorFactory, ReferenceReadingFactory, TraineeFactory


def zipped_study(count: int = 6) -> bytes:
    ramp = np.indices((64, 64)).sum(axis=0).astype(np.int16) * 20 - 1000
    uid, buffer = generate_uid(), io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(count):
            dataset = dicom.ct_slice(
                np.clip(ramp + 50 * index, -1000, 1500).astype(np.int16),
                index=index,
                series_uid=uid,
                window=(1500, 300),
            )
            data = io.BytesIO()
            dataset.save_as(data, enforce_file_format=True)
            archive.writestr(f"STUDY/IM{index + 1:04d}.dcm", data.getvalue())
    return buffer.getvalue()


@pytest.fixture
def worker():
    """A database-queue worker in a thread, as `manage.py db_worker` runs it, stopped after the test."""
    runner = Worker(queue_names=["default"], interval=0.2, batch=False, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="browser-test", excluded_queue_names=[])  # fmt: skip

    def run():
        try:
            runner.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield runner
    runner.running = False
    thread.join(timeout=10)


def test_an_educator_uploads_a_zip_and_watches_the_import_to_its_new_series_which_a_trainee_reads_in_windows(
    page, live_server, login, worker
):
    case = CaseFactory(status="draft", title="Imported study")
    login(EducatorFactory())
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")

    box = page.locator("#dicom-import")
    expect(box).to_contain_text("Drop a .zip of a study")
    box.locator("#dicom-files").set_input_files(
        files=[{"name": "study.zip", "mimeType": "application/zip", "buffer": zipped_study()}]
    )
    box.get_by_role("button", name="Upload and import").click()

    expect(page.locator(".messagelist")).to_contain_text("Uploaded 1 file. The import runs in the background")
    ingest = page.locator(".dicom-ingest").first
    # Polled every second by htmx until the worker has finished.
    expect(ingest.locator(".dicom-state")).to_have_text("Done", timeout=20_000)
    expect(ingest).to_contain_text("6 of 6 files read")
    expect(ingest).to_contain_text("6 images made")
    expect(ingest).to_contain_text("1 series made")
    assert Ingest.objects.get().status == Ingest.Status.DONE

    ingest.get_by_role("link", name="Show the new series").click()
    series = Series.objects.get(case=case)
    expect(page.locator(".series-inline")).to_contain_text(str(series.description or series.label))
    expect(page.locator(".series-inline img")).to_have_count(6)
    # Not polling any more once everything is finished.
    expect(page.locator("#dicom-ingests")).not_to_have_attribute("hx-trigger", "every 1s")

    # Published, the case shows the imported CT to a trainee in its study window, and in bone or soft tissue.
    ReferenceReadingFactory(case=case, level=case.index_level, location=sins.location_for_level(case.index_level))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.PUBLISHED)
    login(TraineeFactory())
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    image = page.locator("[data-stack]:not([hidden]) [data-image]")
    middle = series.slices.all()[3]
    expect(image).to_have_attribute("src", middle.web.url)
    page.get_by_role("button", name="Window and level").click()
    expect(page.get_by_role("button", name="Study (W 1500 / L 300)")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Soft tissue (W 400 / L 40)").click()
    expect(image).to_have_attribute("src", middle.soft_tissue.url)
    page.get_by_role("button", name="Bone (W 2000 / L 500)").click()
    expect(image).to_have_attribute("src", middle.bone.url)
    expect(page.locator("[data-stack]:not([hidden]) [data-info]")).to_contain_text("W 2000 · L 500 HU")


def test_an_upload_asks_before_it_leaves_changes_to_the_case_unsaved_and_goes_ahead_once_they_are_saved(
    page, live_server, login
):
    case = CaseFactory(status="draft", title="Imported study")
    login(EducatorFactory())
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    title = page.locator("#id_title")
    title.press("End")
    title.press_sequentially(", corrected")
    study = [{"name": "study.zip", "mimeType": "application/zip", "buffer": zipped_study(count=2)}]

    page.locator("#dicom-files").set_input_files(files=study)
    page.get_by_role("button", name="Upload and import").click()

    expect(title).to_have_value("Imported study, corrected")
    assert dialogs == ["confirm"]
    assert not Ingest.objects.exists()
    # Staying, nothing pretends to upload.
    expect(page.locator("[data-dicom-status]")).not_to_contain_text("Uploading")
    expect(page.get_by_role("button", name="Upload and import")).to_be_enabled()

    page.get_by_role("button", name="Save and continue editing").first.click()
    page.locator("#dicom-files").set_input_files(files=study)
    page.get_by_role("button", name="Upload and import").click()

    expect(page.locator(".messagelist")).to_contain_text("Uploaded 1 file")
    assert dialogs == ["confirm"]
    assert Case.objects.get(pk=case.pk).title == "Imported study, corrected"
    assert Ingest.objects.count() == 1


def test_a_held_imports_tick_survives_the_polling_of_another_import_under_way(page, live_server, login):
    """The list is drawn again every second while an import waits or runs: a held one's tick was lost with it."""
    educator = EducatorFactory()
    case = CaseFactory()
    held = [{"reason": "a screenshot may carry patient details", "count": 1, "files": ["1"]}]
    Ingest.objects.create(case=case, source="ingest/held", status=Ingest.Status.HELD, held=held)
    Ingest.objects.create(case=case, source="ingest/queued")  # no worker here: it waits, and the list polls
    login(educator)
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    tick = page.get_by_label("I have checked these images for burned-in patient details")

    tick.check()
    with page.expect_response(lambda response: "/dicom/progress/" in response.url):
        pass
    with page.expect_response(lambda response: "/dicom/progress/" in response.url):
        pass

    expect(tick).to_be_checked()
