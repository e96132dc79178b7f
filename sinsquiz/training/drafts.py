"""Writes that span several rows: a trainee's draft and the atomic commit of an attempt."""

from django.db import transaction
from django.db.models import Exists, F
from django.dispatch import Signal
from django.utils import timezone

from cases.models import Annotation, Case
from sinsquiz import grading, sins
from sinsquiz.training import reviews
from sinsquiz.training.models import IDLE_AFTER, Attempt


class NoReference(Exception):
    """The case has no primary expert reading to grade against (an educator's unfinished draft)."""


class Refused(Exception):
    """A receiver of `committed` refused the commit (a case set's deadline has passed, say): nothing is written,
    the draft is kept, and the message says why."""


# Sent by submit() inside the commit's transaction, once the attempt is graded and frozen, with `attempt`. A
# receiver may raise Refused (the commit is undone) or return the URL the trainee goes to next (case sets
# answer through it, so that training never imports them).
committed = Signal()


def open_draft(trainee, case: Case) -> Attempt:
    """The trainee's draft for the case, created on first opening; safe when two tabs open at once (the
    database holds one draft per trainee and case, and get_or_create reads the other tab's)."""
    return Attempt.objects.get_or_create(trainee=trainee, case=case, state=Attempt.State.DRAFT)[0]


def save_draft(attempt: Attempt, values: dict) -> bool:
    """Write the given items to a draft. False when it has been committed meanwhile (nothing is changed)."""
    now = timezone.now()
    fields = {item: value if value not in (None, "") else _blank(item) for item, value in values.items()}
    # Only the given columns are written, so two saves of different items cannot undo each other.
    return bool(
        Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.DRAFT).update(
            **fields, saved=now, time_spent=_time_spent(attempt, now)
        )
    )


def submit(attempt: Attempt, values: dict) -> tuple[Attempt, bool]:
    """Grade and freeze a draft in one statement; returns the attempt and whether this call submitted it.

    A second call for the same draft (a double click, another tab, a stale form) changes nothing and
    returns the attempt as it was first submitted: only an UPDATE of a row still in draft counts. The attempt's
    `next_url` is where a receiver of `committed` sends the trainee next ("" for its feedback).
    """
    with transaction.atomic():
        return _submit(attempt, values)


def _submit(attempt: Attempt, values: dict) -> tuple[Attempt, bool]:
    case = attempt.case
    # The draft's row is locked before the reference is read: a regrade waits for the commits in flight, and
    # a commit that waits for a regrade reads the reference it regraded to (sinsquiz/training/regrading.py).
    # SQLite needs no lock: its write transactions run one at a time.
    Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.DRAFT).select_for_update().exists()
    snapshot = reference_snapshot(case)
    for item, value in values.items():
        setattr(attempt, item, value if value not in (None, "") else _blank(item))
    attempt.refresh_score()
    now = timezone.now()
    fields = {
        **{item: getattr(attempt, item) for item in sins.READING_ITEMS},
        "total": attempt.total,
        "category": attempt.category,
        "state": Attempt.State.SUBMITTED,
        "submitted": now,
        # An autosave since the attempt was read moved `saved`, but added the same time it would add here.
        "time_spent": _time_spent(attempt, now),
        **graded_columns(attempt, snapshot),
    }
    # Decided by the UPDATE itself: no attempt of this trainee at this case submitted yet.
    first_try = ~Exists(Attempt.objects.submitted().filter(trainee=attempt.trainee_id, case=case))
    if not Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.DRAFT).update(
        **fields, saved=now, first_try=first_try
    ):
        submitted = Attempt.objects.select_related("case").get(pk=attempt.pk)
        submitted.next_url = ""
        return submitted, False
    for field, value in fields.items():
        setattr(attempt, field, value)
    attempt.saved = now
    vars(attempt).pop("first_try", None)  # decided by the UPDATE itself; read from the row if it is asked for
    # A receiver's Refused leaves this transaction, and so undoes the UPDATE: the draft stays a draft.
    answers = [url for _, url in committed.send(sender=Attempt, attempt=attempt) if url]
    attempt.next_url = answers[0] if answers else ""
    # When to meet the case again: after anything that may still refuse the commit or withhold its feedback.
    reviews.schedule(attempt)
    return attempt, True


def graded_columns(attempt: Attempt, snapshot: dict) -> dict:
    """The columns grading writes for a complete reading against a reference snapshot: at the commit, and again
    when a corrected reference is regraded (models.GRADED_COLUMNS names them)."""
    graded = attempt.grade(snapshot)
    return {
        **{f"{result.item}_correct": _correct(result) for result in graded.items},
        "case_version": snapshot["case_version"],
        "reference": snapshot,
        "reference_total": graded.reference_score.total,
        "reference_category": graded.reference_score.category,
        "consultation": graded.consultation,
        "components_right": graded.components_right,
        **{
            f"reference_{item}": _blank(item) if value is None else value
            for item, value in snapshot["primary"]["reading"].items()
        },
    }


def reference_snapshot(case: Case) -> dict:
    """Everything grading needs about the reference, as it stands now, in plain JSON."""
    # The version read with the readings, so that the two always agree.
    readings = list(case.readings.annotate(case_version=F("case__version")))
    primary = next((reading for reading in readings if reading.is_primary), None)
    if primary is None:
        raise NoReference(f"{case} has no primary expert reading yet.")
    if primary.to_reading().missing(escc_required=case.asks_escc):
        raise NoReference(f"The primary reading of {case} is incomplete.")
    return {
        "case_version": primary.case_version,
        "escc_asked": case.asks_escc,
        "teaching": {"points": case.teaching_points, "discussion": case.discussion},
        "prior_treatment": case.prior_treatment,
        "primary": {
            "reader": primary.reader_name,
            "reading": _items(primary),
            "rationales": {item: primary.rationale(item) for item in sins.READING_ITEMS if primary.rationale(item)},
            "key_slices": {
                item: getattr(primary, f"{item}_key_slice_id")
                for item in sins.READING_ITEMS
                if getattr(primary, f"{item}_key_slice_id")
            },
            # What the educator drew on each key image: part of the reference, so kept with it.
            "annotations": Annotation.objects.on_key_images(primary),
        },
        "others": [{"reader": r.reader_name, "reading": _items(r)} for r in readings if not r.is_primary],
    }


def _items(reading) -> dict:
    return {item: getattr(reading, item) or None for item in sins.READING_ITEMS}


def _correct(result: grading.ItemResult) -> bool | None:
    return None if result.verdict == grading.NOT_ASKED else result.is_right


def _blank(item: str):
    return None if item == "tomita" else ""


def _time_spent(attempt: Attempt, now):
    """Time spent so far: every gap between two saves counts, up to the idle limit."""
    return attempt.time_spent + min(now - attempt.saved, IDLE_AFTER)
