import mimetypes
import posixpath

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.access import get_case_for_user
from cases.forms import CaseFilterForm
from cases.models import Case
from sinsquiz.http import AuthenticatedHttpRequest

CASES_PER_PAGE = 12


@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    cases = form.filter(Case.objects.visible_to(request.user).with_cover())
    page = Paginator(cases.prefetch_related("series"), CASES_PER_PAGE).get_page(request.GET.get("page"))
    template = "cases/case_list.html#results" if request.htmx else "cases/case_list.html"
    return render(request, template, {"form": form, "page": page, "query": _query_without_page(request)})


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def case_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    case = get_case_for_user(request, slug)
    return render(request, "cases/case_detail.html", {"case": case, "series_list": case.series.all()})


@require_GET
def media(request: AuthenticatedHttpRequest, path: str) -> FileResponse:
    """Serve an uploaded image to a logged-in user (images may derive from patient imaging)."""
    path = posixpath.normpath(path)
    if not path.startswith("cases/") or ".." in path.split("/") or not default_storage.exists(path):
        raise Http404("No such image.")
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if not content_type.startswith("image/"):
        raise Http404("No such image.")
    response = FileResponse(default_storage.open(path), content_type=content_type)
    # Names are random and files never change, so browsers may keep them; nobody else may.
    response["Cache-Control"] = "private, max-age=86400, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
