"""The one way views fetch a case: a trainee gets a 404 for anything that is not published."""

from django.http import Http404

from cases.models import Case
from sinsquiz import sql

# Written out: the case page is the most visited, and for a query this small the ORM takes several times
# longer to build it than the database takes to run it (bench/README.md).
_BY_SLUG = f"SELECT * FROM {Case._meta.db_table} WHERE slug = %s"


def get_case_for_user(request, slug: str) -> Case:
    """Return the case with this slug if the user may see it (CaseQuerySet.visible_to's rule)."""
    case = sql.first(Case, _BY_SLUG, [slug])
    if case is None or not case.is_visible_to(request.user):
        raise Http404("No such case.")
    return case
