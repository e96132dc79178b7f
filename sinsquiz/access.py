"""The one way views fetch an attempt: anyone else's is a 404."""

from django.shortcuts import get_object_or_404

from sinsquiz.models import Attempt


def get_attempt_for_user(request, pk: int, *, to_change: bool = False) -> Attempt:
    """Return the attempt if the user may see it (their own; staff see all) or change it (their own only)."""
    attempts = Attempt.objects.select_related("case", "trainee")
    if to_change or not request.user.is_staff:
        attempts = attempts.filter(trainee=request.user)
    return get_object_or_404(attempts, pk=pk)
