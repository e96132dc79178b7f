"""A trainee's attempts at the library's cases: drafts while they are written, then graded, frozen records."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Reading
from sinsquiz import grading, sins

# Gaps longer than this between two saves of a draft count as time away, not time spent on the case.
IDLE_AFTER = timedelta(minutes=10)


class AttemptQuerySet(models.QuerySet):
    def drafts(self):
        return self.filter(state=Attempt.State.DRAFT)

    def submitted(self):
        return self.filter(state=Attempt.State.SUBMITTED)

    def released(self, when=None):
        """Attempts whose feedback and score the trainee may see (an assessment withholds them until its end)."""
        return self.filter(Q(feedback_from__isnull=True) | Q(feedback_from__lte=when or timezone.now()))

    def of(self, user):
        return self.filter(trainee=user)

    def visible_to(self, user):
        """A user's own attempts, and those of the trainees they follow as an educator."""
        return self if user.is_superuser else self.filter(trainee__in=followed_by(user))

    def with_regrades(self):
        """Annotate each attempt with `regraded_after` (when the reference of its latest regrade was corrected, or
        None), `regraded` and the case's current reference `version_now`, for lists that mark them."""
        latest = Regrade.objects.filter(attempt=OuterRef("pk")).order_by("-pk")
        return self.annotate(
            regraded=Exists(latest),
            regraded_after=Subquery(latest.values("corrected")[:1]),
            version_now=F("case__version"),
        )

    def graded_before(self, case):
        """Submitted attempts at `case` graded against an earlier version of its reference than the current one."""
        return self.submitted().filter(case=case, case_version__lt=case.version)

    def started(self):
        """Drafts with at least one answer: worth offering to continue."""
        answered = Q()
        for item in sins.READING_ITEMS:
            answered |= ~Q(**{item: ""}) if item != "tomita" else Q(tomita__isnull=False)
        return self.drafts().filter(answered)


class Attempt(Reading):
    """A trainee's reading of a case: a draft while it is written, then a submitted, graded, frozen record.

    On commit it keeps a snapshot of the reference it was graded against, so that later edits to the case
    never change a result; the per-item correctness is stored in columns for the dashboards.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    class Consultation(models.TextChoices):
        AGREE = grading.AGREE, "Agrees on surgical consultation"
        UNDER_TRIAGE = grading.UNDER_TRIAGE, "Under-triage"
        OVER_TRIAGE = grading.OVER_TRIAGE, "Over-triage"

    # Assessment records are kept: a trainee who leaves is deactivated, not deleted.
    # Indexed by attempts_at_case (trainee first), which also serves every lookup by trainee alone.
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="attempts", on_delete=models.PROTECT, db_index=False
    )
    # Assessment records outlive a careless delete: a case with attempts cannot be deleted, only unpublished.
    case = models.ForeignKey(Case, related_name="attempts", on_delete=models.PROTECT)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    started = models.DateTimeField(auto_now_add=True)
    saved = models.DateTimeField(auto_now=True)
    submitted = models.DateTimeField(null=True, blank=True)
    time_spent = models.DurationField(default=timedelta)
    case_version = models.PositiveIntegerField(null=True, blank=True)
    reference = models.JSONField(null=True, blank=True, help_text="The reference readings graded against.")
    reference_total = models.PositiveSmallIntegerField(null=True, blank=True)
    reference_category = models.CharField(max_length=24, blank=True)
    consultation = models.CharField(max_length=16, choices=Consultation.choices, blank=True)
    components_right = models.PositiveSmallIntegerField(null=True, blank=True)
    # The trainee's first submitted attempt at the case: agreement statistics count only these, as the
    # reliability studies did (a retry after feedback measures learning, not agreement).
    first_try = models.BooleanField(default=False)
    # An assessment (sinsquiz/sets) withholds the feedback and every score until then; null: at once.
    feedback_from = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        db_table = "sinsquiz_attempt"  # the table predates this app (made as the project's own model)
        ordering = [F("submitted").desc(nulls_last=True), "-started"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "case"], condition=Q(state="draft"), name="one_draft_per_trainee_and_case"
            ),
        ]
        indexes = [
            # Covers the learning curve and the counts over a trainee's whole history, so they are read from
            # the index alone (key columns rather than INCLUDE, which SQLite lacks).
            models.Index(
                fields=[
                    "trainee",
                    "state",
                    "submitted",
                    "components_right",
                    "category",
                    "reference_category",
                    "consultation",
                ],
                name="attempt_history",
            ),  # fmt: skip
            # Partial: only first attempts, the ones agreement statistics read.
            models.Index(fields=["trainee", "state"], condition=Q(first_try=True), name="attempt_first_tries"),
            models.Index(fields=["case", "first_try"]),
            # A trainee's attempts at one case, newest first: the case page, the feedback page's earlier attempts.
            models.Index(fields=["trainee", "case", "state", "submitted"], name="attempts_at_case"),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} on {self.case} ({self.get_state_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("attempt", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.state == self.State.SUBMITTED

    @property
    def outdated(self) -> bool:
        """Graded against a version of the reference that has been corrected since (regraded to it or not)."""
        version_now = getattr(self, "version_now", None) or self.case.version
        return self.case_version is not None and self.case_version < version_now

    def is_withheld(self, now=None) -> bool:
        """An assessment still withholds this attempt's feedback and score (see AttemptQuerySet.released)."""
        return self.feedback_from is not None and self.feedback_from > (now or timezone.now())

    def answers(self) -> dict:
        """The items given so far, keyed by item name (for a form's initial values)."""
        return {item: getattr(self, item) for item in sins.READING_ITEMS if getattr(self, item) not in (None, "")}

    def reference_answer(self, item: str):
        return getattr(self, f"reference_{item}")

    def correct(self, item: str) -> bool | None:
        return getattr(self, f"{item}_correct")

    @property
    def escc_asked_at_commit(self) -> bool:
        """Whether the trainee was shown the ESCC item when they committed: the reference they were first graded
        against (a regrade keeps it in Regrade.original) says so, whatever the case asks now."""
        regrades = list(self.regrades.all())  # oldest first; prefetched by regrading.regrade
        first = regrades[0].original["reference"] if regrades else self.reference
        return bool(first and first["escc_asked"])

    def grade(self, snapshot: dict | None = None) -> grading.Grade:
        """The feedback for a submitted attempt, from its own snapshot of the reference (or from `snapshot`: the
        one a regrade replaced, say)."""
        snapshot = snapshot or self.reference
        return grading.grade(
            self.to_reading(),
            reading_from_snapshot(snapshot["primary"]["reading"]),
            others=[
                grading.OtherExpert(other["reader"], reading_from_snapshot(other["reading"]))
                for other in snapshot["others"]
            ],
            rationales=snapshot["primary"]["rationales"],
            key_slices=snapshot["primary"]["key_slices"],
            escc_asked=snapshot["escc_asked"],
            prior_treatment=snapshot["prior_treatment"],
        )


def reading_from_snapshot(data: dict) -> sins.Reading:
    return sins.Reading(**{item: data.get(item) for item in sins.READING_ITEMS})


# Per item, two columns the dashboards aggregate in SQL: the primary reference's answer it was graded
# against, and whether the trainee gave it (None: not asked).
for _item in sins.READING_ITEMS:
    _field = Reading._meta.get_field(_item)
    Attempt.add_to_class(
        f"reference_{_item}",
        models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
        if _item == "tomita"
        else models.CharField(max_length=_field.max_length, blank=True, editable=False),
    )
    Attempt.add_to_class(f"{_item}_correct", models.BooleanField(null=True, blank=True, editable=False))


# What a regrade replaces: every column that grading wrote at the commit (answers and totals of the trainee's own
# reading never change). Kept whole in Regrade.original, so the result first given can always be shown again.
GRADED_COLUMNS = (
    "case_version",
    "reference",
    "reference_total",
    "reference_category",
    "consultation",
    "components_right",
    *(f"reference_{item}" for item in sins.READING_ITEMS),
    *(f"{item}_correct" for item in sins.READING_ITEMS),
)


class Regrade(models.Model):
    """An attempt graded again against a corrected reference. The attempt's columns hold the new result (what every
    dashboard reads); this keeps the result it replaced, intact."""

    attempt = models.ForeignKey(Attempt, related_name="regrades", on_delete=models.CASCADE)
    created = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_version = models.PositiveIntegerField()
    to_version = models.PositiveIntegerField()
    corrected = models.DateTimeField(null=True, blank=True, help_text="When the reference was corrected.")
    original = models.JSONField(help_text="The graded columns as they were before (GRADED_COLUMNS).")

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            # A row is regraded once to a version: the conditional UPDATE makes sure, this says it in the schema.
            models.UniqueConstraint(fields=["attempt", "to_version"], name="one_regrade_per_attempt_and_version")
        ]

    def __str__(self) -> str:
        return f"{self.attempt} regraded from version {self.from_version} to {self.to_version}"

    def original_grade(self) -> grading.Grade:
        """The result the attempt had before this regrade, rebuilt from the reference it was graded against."""
        return self.attempt.grade(self.original["reference"])


class RegradeDecision(models.Model):
    """An educator's answer, for one version of a case's reference, to "attempts were graded against an earlier
    reference": keep their grades, or regrade them. Once given, the admin stops asking for that version."""

    class Choice(models.TextChoices):
        KEEP = "keep", "Kept the earlier grades"
        REGRADE = "regrade", "Regraded"

    case = models.ForeignKey(Case, related_name="regrade_decisions", on_delete=models.CASCADE)
    version = models.PositiveIntegerField()
    choice = models.CharField(max_length=8, choices=Choice.choices)
    attempts = models.PositiveIntegerField(help_text="How many attempts it concerned.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    # The experts' answers the choice was made for (regrading.answers_of): while they stand, the attempts graded
    # before it are decided, whatever else of the reference changes. None for choices made before it was kept.
    answers = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-version", "-pk"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="one_regrade_decision_per_version")]

    def __str__(self) -> str:
        return f"{self.case}, version {self.version}: {self.get_choice_display().lower()}"


def done_by(user):
    """An expression for annotating cases: has this user submitted an attempt at the case?"""
    return Exists(Attempt.objects.submitted().filter(case=OuterRef("pk"), trainee=user))


def started_by(user):
    """An expression for annotating cases: has this user a draft with answers at the case?"""
    return Exists(Attempt.objects.of(user).started().filter(case=OuterRef("pk")))


def last_result_by(attempts: AttemptQuerySet) -> dict:
    """Expressions for annotating cases with the latest of `attempts` (one user's committed readings) at each:
    components right, whether the category was right, and the consultation verdict (each None where there is
    none)."""
    latest = attempts.filter(case=OuterRef("pk")).order_by("-submitted")
    category_right = ExpressionWrapper(Q(category=F("reference_category")), output_field=models.BooleanField())
    return {
        "last_right": Subquery(latest.values("components_right")[:1]),
        "last_category_right": Subquery(latest.annotate(right=category_right).values("right")[:1]),
        "last_consultation": Subquery(latest.values("consultation")[:1]),
    }


def followed_by(user):
    """The users whose attempts and progress `user` may read: their own, and, for an educator (a staff user),
    those of the trainees in the cohorts they teach (`cohorts` is progress.Cohort's relation to its trainees);
    everyone's, for a superuser."""
    users = get_user_model().objects.all()
    if user.is_superuser:
        return users
    if not user.is_staff:
        return users.filter(pk=user.pk)
    return users.filter(Q(pk=user.pk) | Q(cohorts__educators=user)).distinct()


class ReviewCard(models.Model):
    """When a trainee should meet a case again: an FSRS card (the `fsrs` library, as Anki schedules), rated from
    each committed attempt at the case (sinsquiz/training/reviews.py)."""

    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="review_cards", on_delete=models.CASCADE)
    case = models.ForeignKey(Case, related_name="+", on_delete=models.CASCADE)
    card = models.JSONField(help_text="The fsrs Card, as Card.to_dict() writes it.")
    due = models.DateTimeField(db_index=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The last rating (fsrs Rating).")
    reviewed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        constraints = [models.UniqueConstraint(fields=["trainee", "case"], name="one_review_card_per_case")]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.case} (due {self.due:%d %b %Y})"
