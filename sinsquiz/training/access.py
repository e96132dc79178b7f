"""The one way views fetch an attempt; anything the user may not see is a 404."""

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


# Sent with `trainee`, `attempt` (one of theirs) and `now`; a receiver returns True to keep the attempt's feedback
# closed for now (case sets: an assessment the trainee has ahead holds its case). Training never imports them.
feedback_kept = Signal()


def is_kept_for_assessment(user, attempt: Attempt) -> bool:
    """An earlier reading of the user's own whose feedback, with its reference (or anything said of it, such as
    the answer to a problem report), an assessment still to be answered keeps closed (educators see all)."""
    if attempt.trainee_id != user.pk:
        return False
    answers = feedback_kept.send(sender=Attempt, trainee=user, attempt=attempt, now=timezone.now())
    return any(kept for _, kept in answers)
