"""The one way views fetch a trainee to follow and a cohort; anything the user may not see is a 404."""

from django.shortcuts import get_object_or_404

from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import followed_by


def get_trainee_for_user(request, user_id: int):
    """A trainee whose progress the user may follow: themselves, or one of their cohorts' trainees."""
    return get_object_or_404(followed_by(request.user), pk=user_id)


def get_cohort_for_user(request, pk: int) -> Cohort:
    """A cohort the user educates (a superuser, any cohort)."""
    return get_object_or_404(Cohort.objects.for_educator(request.user), pk=pk)
