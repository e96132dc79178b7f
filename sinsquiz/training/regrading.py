"""When a case's reference is corrected after trainees were graded against it: count them, and keep their grades
or regrade them, never losing the result first given (Regrade keeps it)."""

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.db.models import Exists, Min, OuterRef

from cases.models import Case
from sinsquiz.templatetags.formatting import person
from sinsquiz.training.drafts import NoReference, graded_columns, reference_snapshot
from sinsquiz.training.models import GRADED_COLUMNS, Attempt, Regrade, RegradeDecision


class AlreadyDecided(Exception):
    """Another educator answered for this version of the reference first."""


@dataclass(frozen=True)
class Change:
    """What regrading would do to one attempt's result, shown before the educator confirms."""

    trainee_name: str
    submitted: datetime
    right_before: int  # SINS components right
    right_after: int
    triage_before: str  # Attempt.Consultation labels
    triage_after: str
    category_right_before: bool
    category_right_after: bool

    @property
    def moves(self) -> bool:
        before = (self.right_before, self.triage_before, self.category_right_before)
        return before != (self.right_after, self.triage_after, self.category_right_after)


@dataclass(frozen=True)
class Preview:
    """What regrading would change: named for the attempts of trainees the educator follows, counted for others."""

    changes: list[Change]
    others: int  # attempts of trainees in cohorts the educator does not follow
    others_moving: int

    @property
    def moving(self) -> int:
        return sum(change.moves for change in self.changes) + self.others_moving

    @property
    def total(self) -> int:
        return len(self.changes) + self.others


@dataclass(frozen=True)
class Pending:
    """Committed attempts graded against an earlier reference than the case's current one, still undecided."""

    case: Case
    count: int

    @property
    def version(self) -> int:
        return self.case.version


def pending(case: Case) -> Pending | None:
    """What the admin asks about a case: None when no grade was given against answers the experts have changed
    since, or when an educator has already chosen for the current version."""
    if not case.is_published or RegradeDecision.objects.filter(case=case, version=case.version).exists():
        return None
    count = regradable(case).count()
    return Pending(case, count) if count else None


def awaiting_choice(limit: int) -> list[Pending]:
    """Up to `limit` published cases that ask their educators to keep or regrade, the latest correction first: some
    grades were given before the experts' answers last changed, and no one has chosen since. (A change of the
    teaching alone asks nothing: it leaves `answers_version` where it was.)"""
    graded_before = Attempt.objects.submitted().filter(
        case=OuterRef("pk"), case_version__lt=OuterRef("answers_version")
    )
    chosen_since = RegradeDecision.objects.filter(case=OuterRef("pk"), version__gte=OuterRef("answers_version"))
    changed = Case.objects.published().filter(Exists(graded_before)).exclude(Exists(chosen_since))
    # `pending` compares the answers themselves: changed and changed back again asks nothing.
    found = (pending(case) for case in changed.order_by("-reference_changed", "pk"))
    return list(islice(filter(None, found), limit))


def regradable(case: Case, snapshot: dict | None = None):
    """The committed attempts graded against an earlier version of the reference whose experts' answers differ from
    the current ones (or from `snapshot`'s), and that no educator has already decided for these answers. A version
    that changed only what teaches around the answers (reasoning, key images and their shapes) changes no grade, so
    it asks nothing new."""
    earlier = Attempt.objects.graded_before(case)
    try:
        now = answers_of(snapshot or reference_snapshot(case))
    except NoReference:
        return earlier  # nothing to compare with: every earlier grade is in question
    decided = case.regrade_decisions.filter(answers__isnull=False).first()  # the latest
    if decided and decided.answers == now:
        earlier = earlier.filter(case_version__gte=decided.version)
    # Every attempt graded against a version holds the same snapshot of it: one per version is enough.
    one_per_version = earlier.order_by().values("case_version").annotate(first=Min("pk")).values("first")
    snapshots = Attempt.objects.filter(pk__in=one_per_version).values_list("case_version", "reference")
    return earlier.filter(case_version__in=[v for v, reference in snapshots if answers_of(reference) != now])


def preview(case: Case, user) -> Preview:
    """What regrading would do to each attempt it would regrade, oldest first; nothing is written. Only the
    attempts of trainees `user` follows are named (an educator sees only those)."""
    snapshot = reference_snapshot(case)
    followed = set(Attempt.objects.visible_to(user).filter(case=case).values_list("pk", flat=True))
    # The regrades: escc_asked_at_commit reads the first of them.
    attempts = regradable(case, snapshot).select_related("trainee").prefetch_related("regrades").order_by("submitted")
    label = dict(Attempt.Consultation.choices)
    changes, others, others_moving = [], 0, 0
    for attempt in attempts:
        columns = _regraded(attempt, snapshot)
        change = Change(
            person(attempt.trainee), attempt.submitted,
            attempt.components_right, columns["components_right"],
            label[attempt.consultation], label[columns["consultation"]],
            attempt.category == attempt.reference_category, attempt.category == columns["reference_category"],
        )  # fmt: skip
        if attempt.pk in followed:
            changes.append(change)
        else:
            others, others_moving = others + 1, others_moving + change.moves
    return Preview(changes, others, others_moving)


def _regraded(attempt: Attempt, snapshot: dict) -> dict:
    """The columns of the attempt graded against `snapshot`. Turning ESCC on moves no version, so an attempt
    committed when the case did not ask for it has no ESCC answer. The fair rule: an attempt is graded on ESCC only
    if the corrected reference asks for it and the trainee was shown the item when they committed; never marked on
    an item they never saw."""
    asked = snapshot["escc_asked"] and attempt.escc_asked_at_commit
    return graded_columns(attempt, {**snapshot, "escc_asked": asked})


def answers_changed(attempt: Attempt) -> bool:
    """Whether the experts' answers differ now from those the attempt was graded against."""
    try:
        now = reference_snapshot(attempt.case)
    except NoReference:
        return True
    return answers_of(now) != answers_of(attempt.reference)


def answers_of(snapshot: dict) -> dict:
    """What every grade depends on in a reference snapshot: the experts' answers, as JSON."""
    return {"primary": snapshot["primary"]["reading"], "others": [other["reading"] for other in snapshot["others"]]}


def keep(case: Case, by) -> int:
    """Keep the grades of the attempts graded against an earlier reference (each stays labelled with its version);
    returns how many."""
    with transaction.atomic():
        case = _locked(case)
        try:
            answers = answers_of(reference_snapshot(case))
        except NoReference:
            answers = None
        count = regradable(case).count()
        RegradeDecision.objects.create(
            case=case, version=case.version, choice=RegradeDecision.Choice.KEEP, attempts=count, by=by, answers=answers
        )
    return count


def regrade(case: Case, by) -> int:
    """Grade again, against the current reference, every committed attempt graded against an earlier one; returns
    how many were regraded.

    Nothing is lost and nothing is regraded twice: each attempt's row changes only if it is still at the version it
    was read at (a second regrade meanwhile finds it moved), and the result it had is kept in a Regrade. Commits in
    flight are waited for: each locks its draft row before reading the reference (drafts._submit), and this locks
    the case's drafts, so a commit either finished before (and is regraded here) or reads the reference after.
    """
    with transaction.atomic():
        case = _locked(case)
        list(Attempt.objects.drafts().filter(case=case).select_for_update().values_list("pk", flat=True))
        snapshot = reference_snapshot(case)
        version = snapshot["case_version"]
        count = 0
        attempts = regradable(case, snapshot).select_related("case").prefetch_related("regrades")
        for attempt in attempts.iterator(chunk_size=200):
            original = {column: getattr(attempt, column) for column in GRADED_COLUMNS}
            columns = _regraded(attempt, snapshot)
            if Attempt.objects.filter(pk=attempt.pk, case_version=attempt.case_version).update(**columns):
                Regrade.objects.create(
                    attempt=attempt,
                    by=by,
                    from_version=attempt.case_version,
                    to_version=version,
                    corrected=case.reference_changed,
                    original=original,
                )
                count += 1
        RegradeDecision.objects.create(
            case=case, version=version, choice=RegradeDecision.Choice.REGRADE, attempts=count, by=by,
            answers=answers_of(snapshot),
        )  # fmt: skip
    return count


def _locked(case: Case) -> Case:
    """The case, read again under a lock: two educators answering at once take turns, and the second is told."""
    # NO KEY: a commit adding a review card for the case (a key share of its row) must not wait on this.
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    if RegradeDecision.objects.filter(case=case, version=case.version).exists():
        raise AlreadyDecided(f"An educator has already chosen for version {case.version} of “{case}”.")
    return case
