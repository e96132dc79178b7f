"""Background work: a DICOM import runs in the worker (`manage.py db_worker`), never inside a web request.

The queue is django-tasks' database backend (settings.TASKS); on Django 6 `django_tasks` becomes `django.tasks`,
an import change. The Ingest row, not the queue's own result, is what the educator follows: the task reports
through it, and returns only the status it ended in.
"""

import logging

from django.db import transaction
from django_tasks import task

from cases.models import Ingest

logger = logging.getLogger(__name__)

STOPPED = "The import stopped unexpectedly and made nothing: retry it, or discard it and upload the files again."


@task()
def import_study(ingest_pk: int) -> str:
    """Import a staged upload into its case (ingest.run): every file, or after the educator's Confirm the files
    the first run held (the row says which)."""
    from cases import ingest  # the pipeline loads pydicom and numpy: in the worker, not in every web process

    item = Ingest.objects.filter(pk=ingest_pk).first()
    if item is None:
        return "gone"  # discarded, or its case deleted, while it waited in the queue
    try:
        ingest.expire()  # others' uploads left waiting for days: here, so no timer is needed while imports come in
        ingest.run(item)
    except Exception as error:
        # run() ends in FAILED itself; this is for what it did not foresee. The queue would keep the error's text
        # and traceback in its table, and a decoder's message may quote a header value: keep only the kind of error.
        logger.error("DICOM import %s stopped: %s", ingest_pk, type(error).__name__)
        Ingest.objects.filter(pk=ingest_pk).update(status=Ingest.Status.FAILED, message=STOPPED)
        return Ingest.Status.FAILED
    return Ingest.objects.filter(pk=ingest_pk).values_list("status", flat=True).first() or "gone"


def enqueue_import(item: Ingest) -> None:
    """Queue the import once the transaction that staged or released it has committed (the worker must find the
    row and the files)."""
    pk = item.pk
    transaction.on_commit(lambda: import_study.enqueue(pk))
