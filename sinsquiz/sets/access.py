"""The one way views fetch an assignment; anything the user may not see is a 404."""

from django.shortcuts import get_object_or_404

from sinsquiz.sets.models import Assignment


def get_assignment_for_trainee(request, pk: int) -> Assignment:
    """An assignment to one of the trainee's cohorts."""
    return get_object_or_404(Assignment.objects.for_trainee(request.user).select_related("case_set"), pk=pk)


def get_retest_for_educator(request, pk: int) -> Assignment:
    """A retest of a baseline, assigned to a cohort the educator follows (a superuser, any)."""
    retests = Assignment.objects.for_educator(request.user).retests().select_related("case_set", "baseline")
    return get_object_or_404(retests, pk=pk)


def get_assignment_for_educator(request, pk: int) -> Assignment:
    """An assignment to a cohort the educator follows (a superuser, any)."""
    return get_object_or_404(Assignment.objects.for_educator(request.user).select_related("case_set"), pk=pk)
