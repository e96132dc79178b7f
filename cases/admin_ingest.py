"""DICOM import in the admin: the "Import DICOM" box on the case page, and its imports' progress.

The educator drops a .zip, a folder or .dcm files on the box (cases/static/cases/dicom_import.js; the plain form
works without script). The upload view only stages the files (cases.ingest.stage) and queues the import
(cases.tasks); the worker does the rest. The case page lists the case's recent imports, and while one waits or runs
htmx polls the `ingests` partial every second. A held import is released by the educator's confirmation; a failed
or interrupted one can be retried or discarded.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent, ValidationError
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat, pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from cases import tasks
from cases.key_images import get_case_for_author
from cases.models import Case, Ingest

TEMPLATE = "admin/cases/case/dicom_import.html"
UNFINISHED = [Ingest.Status.QUEUED, Ingest.Status.RUNNING, Ingest.Status.HELD, Ingest.Status.FAILED]
ACTIVE = {Ingest.Status.QUEUED, Ingest.Status.RUNNING}
RECENT = timedelta(days=1)
SHOWN = 10


def urls(model_admin) -> list:
    """The import's views, for CaseAdmin.get_urls."""
    wrap = model_admin.admin_site.admin_view
    # The upload checks its own CSRF token, after its limits (see upload): exempt from the admin's early check.
    upload_view = csrf_exempt(partial(upload, model_admin=model_admin))
    return [
        path("<int:case_id>/dicom/", wrap(upload_view), name="cases_case_dicom_import"),
        path(
            "<int:case_id>/dicom/progress/",
            wrap(partial(progress, model_admin=model_admin)),
            name="cases_case_dicom_progress",
        ),
        path(
            "<int:case_id>/dicom/<int:ingest_id>/<str:action>/",
            wrap(partial(act, model_admin=model_admin)),
            name="cases_case_dicom_action",
        ),
    ]


# --- What the case page shows -----------------------------------------------------------------------


def recent_ingests(case: Case) -> list[Ingest]:
    """Every import of the case that still needs something (waiting, running, held, failed: never crowded out, as a
    held one keeps whole headers in staging until it is dealt with), and the last few done today, newest first,
    each marked `stalled` (running, silent too long) or `waiting_long` (queued, no worker yet)."""
    now = timezone.now()
    unfinished = list(case.ingests.filter(status__in=UNFINISHED))
    done = case.ingests.exclude(status__in=UNFINISHED).filter(updated__gte=now - RECENT).order_by("-created", "-pk")
    items = sorted(
        [*unfinished, *done[: max(SHOWN - len(unfinished), 0)]], key=lambda i: (i.created, i.pk), reverse=True
    )
    for item in items:
        item.stalled = item.status == Ingest.Status.RUNNING and item.updated < now - Ingest.STALLED_AFTER
        item.waiting_long = item.status == Ingest.Status.QUEUED and item.updated < now - Ingest.WAITING_LONG_AFTER
        item.retryable = item.status == Ingest.Status.FAILED or item.stalled or item.waiting_long
        item.discardable = item.status in {Ingest.Status.HELD, Ingest.Status.FAILED} or item.retryable
        for group in item.refused + item.held:
            group["more"] = group["count"] - len(group["files"])
    return items


def context(case: Case, *, polled: bool = False) -> dict:
    """What the box needs: the recent imports, and whether to keep polling (only while one waits or runs)."""
    items = recent_ingests(case)
    return {
        "case": case,
        "ingests": items,
        "polling": any(item.status in ACTIVE and not item.stalled for item in items),
        "polled": polled,
        "case_url": reverse("admin:cases_case_change", args=[case.pk]),
        "upload_url": reverse("admin:cases_case_dicom_import", args=[case.pk]),
        "progress_url": reverse("admin:cases_case_dicom_progress", args=[case.pk]),
        "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "max_bytes": settings.DICOM_UPLOAD_MAX_BYTES,
    }


@require_GET
def progress(request, case_id: int, *, model_admin) -> HttpResponse:
    """The imports' list alone, for htmx's polling (a plain GET shows it as a page fragment too)."""
    if request.htmx and not Case.objects.filter(pk=case_id).exists():  # deleted meanwhile, in another tab
        return TemplateResponse(request, f"{TEMPLATE}#case-deleted", status=286)  # 286: htmx stops polling
    case = get_case_for_author(request, model_admin, case_id)
    response = TemplateResponse(request, f"{TEMPLATE}#ingests", {"dicom": context(case, polled=True)})
    response["Cache-Control"] = "no-store"
    return response


# --- Upload -------------------------------------------------------------------------------------------


@require_POST
def upload(request, case_id: int, *, model_admin) -> HttpResponse:
    """Stage the chosen files and queue their import; back to the case page with a message, whatever happened.

    The limits are checked before the body is read, so a refused upload writes nothing: its size from the
    Content-Length, then the number of files while Django parses it. CSRF is checked after that (the token is in
    the body): a refused upload changes nothing but the message it leaves.
    """
    case = get_case_for_author(request, model_admin, case_id)
    back = HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]) + "#dicom-import")
    limit = settings.DICOM_UPLOAD_MAX_BYTES
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if size > limit:
        messages.error(
            request,
            f"Nothing was imported: the upload is {filesizeformat(size)}, more than the {filesizeformat(limit)} "
            "one upload may hold. Upload the study a few series at a time.",
        )
        return back
    # Every file straight to a temporary file on disk: a few hundred slices never sit in memory.
    request.upload_handlers = [TemporaryFileUploadHandler(request)]
    try:
        files = request.FILES.getlist("files") + request.FILES.getlist("folder")
    except TooManyFilesSent:
        most = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        messages.error(
            request,
            f"Nothing was imported: one upload takes at most {most} files. Zip the folder and upload the .zip "
            "instead (a .zip counts as one file).",
        )
        return back
    except RequestDataTooBig:
        messages.error(request, "Nothing was imported: the form sent too much besides the files. Try again.")
        return back
    except MultiPartParserError:
        messages.error(request, "Nothing was imported: the upload arrived incomplete. Try again.")
        return back
    return _stage(request, case, files, back)


@csrf_protect  # here, after the limits: the token is in the body, which the limits keep from being read
def _stage(request, case: Case, files: list, back: HttpResponse) -> HttpResponse:
    files = [upload for upload in files if upload.name]  # an empty file input posts a nameless part
    if not files:
        messages.error(request, "Choose a .zip, a folder or DICOM files to import first.")
        return back
    from cases import ingest  # the pipeline loads pydicom and numpy: only when a study comes in

    try:
        with transaction.atomic():
            item = ingest.stage(case, [(upload.name, upload) for upload in files], user=request.user)
            tasks.enqueue_import(item)
    except ValidationError as error:
        messages.error(request, "Nothing was imported: " + " ".join(error.messages))
        return back
    count = len(files)
    messages.success(
        request,
        f"Uploaded {count} file{pluralize(count)}. The import runs in the background: follow it under "
        "Import DICOM; its series appear when it is done.",
    )
    return back


# --- Confirm, retry, discard ---------------------------------------------------------------------------


@require_POST
def act(request, case_id: int, ingest_id: int, action: str, *, model_admin) -> HttpResponse:
    """Release a held import (with the educator's confirmation), retry a failed or interrupted one, or discard
    one's files. Each moves the row with one conditional UPDATE, so a double click queues the work once."""
    case = get_case_for_author(request, model_admin, case_id)
    item = get_object_or_404(Ingest, pk=ingest_id, case=case)
    back = HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]) + "#dicom-import")
    rows = Ingest.objects.filter(pk=item.pk)
    if action == "confirm":
        if not request.POST.get(f"checked-{item.pk}"):
            messages.error(
                request,
                "Tick “I have checked these images for burned-in patient details” before importing them.",
            )
            return back
        from cases import ingest

        with transaction.atomic():
            if ingest.confirm(item):
                tasks.enqueue_import(item)
                messages.success(request, "Importing the files you checked; follow the import below.")
            else:
                messages.info(request, "That import is not waiting for a confirmation any more.")
    elif action == "retry":
        with transaction.atomic():
            if rows.filter(Ingest.retryable()).update(status=Ingest.Status.QUEUED, updated=timezone.now()):
                # What the run does is on the row: all files, or the held ones if the educator confirmed them.
                tasks.enqueue_import(item)
                messages.success(request, "The import is queued again; follow it below.")
            else:
                messages.info(request, "That import has not failed: there is nothing to retry.")
    elif action == "discard":
        from cases import ingest

        if ingest.discard(item):
            messages.success(request, "Discarded the import's remaining uploaded files.")
        else:
            messages.info(request, "Only a held, failed or interrupted import can be discarded.")
    else:
        return HttpResponse("Unknown action.", status=404)
    return back
