"""One way to fetch each kind of object a user asks for; anything they may not see is a 404."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases.models import Case
from sinsquiz import sql
from sinsquiz.models import Attempt, Cohort, educates

# Written out, as the stamps are: for reads this small the ORM takes longer to build them, the attempt's 47
# columns and its case's join above all, than the database takes to run them (bench/README.md).
_ATTEMPT = "SELECT {} FROM " + Attempt._meta.db_table + " WHERE id = %s"
_CASE = f"SELECT * FROM {Case._meta.db_table} WHERE id = %s"


def get_attempt_for_user(request, pk: int, *, to_change: bool = False, columns: tuple[str, ...] = ()) -> Attempt:
    """The attempt if it is the user's own, or (to look at, never to change) if they educate its trainee.

    An attempt can only be changed while its case is still visible to the user: a case unpublished
    meanwhile cannot be committed, nor its reference seen that way. `columns` names what a page needs of
    the attempt, when that is much less than all of it (reading any other column costs a query); its case
    is read whole.
    """
    select = ", ".join(("id", "trainee_id", "case_id", *columns)) if columns else "*"
    attempt = sql.first(Attempt, _ATTEMPT.format(select), [pk])
    if attempt is None:
        raise Http404("No such attempt.")
    attempt.case = sql.first(Case, _CASE, [attempt.case_id])
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
    cohort = sql.first(Cohort, _COHORT, [pk, user.is_superuser, user.pk])
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort
