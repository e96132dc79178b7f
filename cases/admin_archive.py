"""Case archives in the admin: the case list's action that downloads the selected cases as an archive, and the
"Import cases" page (linked from the case list) that imports one and shows what it did, or why it refused it."""

import tempfile
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cases import archive
from cases.models import Case


def urls(model_admin) -> list:
    """The import page, for CaseAdmin.get_urls."""
    view = model_admin.admin_site.admin_view(partial(import_cases, model_admin=model_admin))
    return [path("import/", view, name="cases_case_import")]


def export_response(request, queryset) -> HttpResponse | None:
    """The archive of the selected cases as a download; None (and a message) if a case cannot be archived."""
    # On disk, not in memory: an archive of a whole library. FileResponse closes it once sent.
    file = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        archive.export(queryset, file)
    except archive.ExportError as error:
        file.close()
        messages.error(request, f"Nothing was exported: {error}")
        return None
    file.seek(0)
    name = f"sinsquiz-cases-{timezone.localdate():%Y-%m-%d}.zip"
    return FileResponse(file, as_attachment=True, filename=name, content_type="application/zip")


class ImportForm(forms.Form):
    archive = forms.FileField(
        label="Case archive",
        help_text="A .zip made by “Export the selected cases as an archive”, here or on another site.",
    )
    as_drafts = forms.BooleanField(
        label="Import every case as a draft",
        required=False,
        help_text="Otherwise a case published in the archive is published here too, if it passes the checks of "
        "publishing.",
    )


@require_http_methods(["GET", "POST"])
def import_cases(request, *, model_admin) -> HttpResponse:
    """Upload an archive and see what was imported, or why nothing was, on the same page."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report = refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            report = archive.import_archive(
                form.cleaned_data["archive"], request.user, as_drafts=form.cleaned_data["as_drafts"]
            )
        except ValidationError as error:
            refusal = error.messages
        else:
            form = ImportForm()  # the next archive starts from an empty form
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Case._meta,
        "title": "Import cases",
        "form": form,
        "report": report,
        "refusal": refusal,
        "max_total_mb": settings.ARCHIVE_MAX_TOTAL_BYTES / 1024 / 1024,
    }
    return TemplateResponse(request, "admin/cases/case/import_cases.html", context)
