"""One way to fetch each kind of object a user asks for; anything they may not see is a 404."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from sinsquiz.models import Attempt, Cohort, educates


def get_attempt_for_user(request, pk: int, *, to_change: bool = False, only: tuple[str, ...] = ()) -> Attempt:
    """The attempt if it is the user's own, or (to look at, never to change) if they educate its trainee.

    An attempt can only be changed while its case is still visible to the user: a case unpublished
    meanwhile cannot be committed, nor its reference seen that way. `only` names the columns a page needs
    of the attempt and its case, when that is much less than all of them (any other costs a query on use).
    """
    attempts = Attempt.objects.select_related("case")
    if only:
        attempts = attempts.only("trainee", "case__status", *only)
    attempt = get_object_or_404(attempts, pk=pk)
    if attempt.trainee_id == request.user.pk:
        attempt.trainee = request.user
        if not to_change or attempt.case.is_visible_to(request.user):
            return attempt
    elif not to_change and educates(request.user, attempt.trainee):
        return attempt
    raise Http404("No such attempt.")


def get_trainee_for_user(request, user_id: int):
    """A trainee whose progress the user may follow: themselves, or one of their cohorts' trainees."""
    users = get_user_model().objects.all()
    if not request.user.is_superuser:
        users = users.filter(Q(pk=request.user.pk) | Q(cohorts__educators=request.user)).distinct()
    return get_object_or_404(users, pk=user_id)


# CohortQuerySet.for_educator's rule, written out: the ORM takes several times longer to build this join than
# the database takes to run it (bench/README.md).
_COHORT = (
    f"SELECT c.* FROM {Cohort._meta.db_table} c WHERE c.id = %s AND (%s OR EXISTS (SELECT 1 FROM "
    f"{Cohort.educators.through._meta.db_table} e WHERE e.{Cohort.educators.field.m2m_column_name()} = c.id "
    f"AND e.{Cohort.educators.field.m2m_reverse_name()} = %s))"
)


def get_cohort_for_user(request, pk: int) -> Cohort:
    """A cohort the user educates (a superuser, any cohort)."""
    user = request.user
    cohort = next(iter(Cohort.objects.raw(_COHORT, [pk, user.is_superuser, user.pk])), None)
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort
