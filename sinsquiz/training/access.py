"""The one way views fetch an attempt; anything the user may not see is a 404."""

from django.db.models import QuerySet
from django.dispatch import Signal
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import Case
from sinsquiz.training.models import Attempt


def get_attempt_for_user(request, pk: int, *, to_change: bool = False) -> Attempt:
    """The attempt, with its case, if it is the user's own, or (to look at, never to change) if they educate
    its trainee.

    An attempt can only be changed while its case is still visible to the user: a case unpublished meanwhile
    cannot be committed, nor its reference seen that way.
    """
    if to_change:
        attempts = Attempt.objects.of(request.user).filter(case__in=Case.objects.visible_to(request.user))
    else:
        attempts = Attempt.objects.visible_to(request.user)
    return get_object_or_404(attempts.select_related("case"), pk=pk)


def is_withheld(request, attempt: Attempt) -> bool:
    """An attempt of the user's own whose feedback and score an assessment still withholds (educators see all)."""
    return attempt.trainee_id == request.user.pk and attempt.is_withheld()


# Sent with `trainee` and `now`; a receiver returns a QuerySet of the trainee's attempts whose feedback it keeps
# closed for now (case sets: an assessment the trainee has ahead holds their case). Training never imports them.
feedback_kept = Signal()


def kept_for_assessment(user, now=None) -> QuerySet[Attempt]:
    """The user's earlier readings whose feedback, with its reference (or anything said of it, such as the
    answer to a problem report, or even their score), an assessment still to be answered keeps closed."""
    kept = Attempt.objects.none()
    for _, attempts in feedback_kept.send(sender=Attempt, trainee=user, now=now or timezone.now()):
        kept |= attempts
    return kept


def is_kept_for_assessment(user, attempt: Attempt) -> bool:
    """Is this one of the user's readings kept closed (kept_for_assessment)? Educators see all."""
    return attempt.trainee_id == user.pk and kept_for_assessment(user).filter(pk=attempt.pk).exists()


def results_open_to(user) -> QuerySet[Attempt]:
    """The user's committed readings whose results they may see now: released by the assessment that withheld
    them, if one did, and not kept closed by one ahead (what a trainee's own lists and dashboard are made of)."""
    return Attempt.objects.submitted().of(user).released().exclude(pk__in=kept_for_assessment(user))
