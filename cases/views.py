import mimetypes
import posixpath

from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from cases.models import Case, Slice
from sinsquiz.http import AuthenticatedHttpRequest


@require_GET
def media(request: AuthenticatedHttpRequest, path: str) -> FileResponse:
    """Serve a stored image of a case the user may see (images may derive from patient imaging)."""
    path = posixpath.normpath(path)
    names = Q(image=path) | Q(web=path) | Q(thumbnail=path) | Q(bone=path) | Q(soft_tissue=path)
    visible = Slice.objects.shown().filter(names, series__case__in=Case.objects.visible_to(request.user))
    if not path.startswith("cases/") or not visible.exists() or not default_storage.exists(path):
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
