"""The one way views fetch a case: a trainee gets a 404 for anything that is not published."""

from django.shortcuts import get_object_or_404

from cases.models import Case


def get_case_for_user(request, slug: str) -> Case:
    """Return the case with this slug if the user may see it."""
    return get_object_or_404(Case.objects.visible_to(request.user), slug=slug)
