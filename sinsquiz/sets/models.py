"""Case sets assigned to cohorts: practice or assessment, and the baseline and retest that measure training.

A trainee's go at an assignment is a Sitting; each case they commit in it is a SetAnswer pointing at an ordinary
Attempt, so grading, first-try statistics and the feedback page stay those of training. An assessment withholds
the feedback (and every score) of its attempts until `Attempt.feedback_from`: set when the trainee finishes, or
the set's closing time.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from cases.models import Case
from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt

MAX_TIME_LIMIT = 24 * 60  # minutes: a timed assessment of more than a day is a set with a close, not a limit


class CaseSet(models.Model):
    title = models.CharField(max_length=200, help_text="Shown to trainees: keep it neutral.")
    description = models.TextField(blank=True, help_text="Shown to trainees before they start.")
    shuffled = models.BooleanField(
        default=False, help_text="Each trainee meets the cases in an order of their own (else in the order below)."
    )
    cases = models.ManyToManyField(Case, through="SetCase", related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class SetCase(models.Model):
    case_set = models.ForeignKey(CaseSet, related_name="items", on_delete=models.CASCADE)
    case = models.ForeignKey(Case, related_name="+", on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["case_set", "case"], name="a_case_once_per_set")]

    def __str__(self) -> str:
        return f"{self.case_set} · {self.case}"

    def clean(self) -> None:
        if self.case_id and not self.case.is_published:
            raise ValidationError(
                {"case": f"“{self.case}” is a draft: trainees never meet a draft. Publish it first, or choose another."}
            )


class AssignmentQuerySet(models.QuerySet):
    def for_trainee(self, user):
        """Assignments to a cohort the trainee belongs to."""
        return self.filter(cohorts__trainees=user).distinct()

    def for_educator(self, user):
        """Assignments to a cohort the educator follows (Cohort.objects.for_educator); a superuser, all of them."""
        return self if user.is_superuser else self.filter(cohorts__in=Cohort.objects.for_educator(user)).distinct()

    def retests(self):
        """Retests of a baseline (the test–retest report's subjects)."""
        return self.filter(purpose=Assignment.Purpose.RETEST, baseline__isnull=False)


class Assignment(models.Model):
    """A case set given to one or more cohorts for a time, as practice or as an assessment."""

    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice: feedback after each case"
        ASSESSMENT = "assessment", "Assessment: no feedback until the end"

    class FeedbackAt(models.TextChoices):
        FINISH = "finish", "When the trainee finishes the set"
        CLOSE = "close", "When the set closes"

    class Purpose(models.TextChoices):
        ORDINARY = "ordinary", "Ordinary"
        BASELINE = "baseline", "Baseline (before training)"
        RETEST = "retest", "Retest of a baseline"

    case_set = models.ForeignKey(CaseSet, related_name="assignments", on_delete=models.PROTECT)
    cohorts = models.ManyToManyField(Cohort, related_name="assignments")
    opens = models.DateTimeField()
    closes = models.DateTimeField()
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.PRACTICE)
    feedback_at = models.CharField(
        "assessment feedback", max_length=16, choices=FeedbackAt.choices, default=FeedbackAt.FINISH
    )
    time_limit = models.PositiveSmallIntegerField(
        "time limit (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TIME_LIMIT)],
        help_text="Assessments only; counted from the start; at most a day (1440).",
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.ORDINARY)
    baseline = models.ForeignKey(
        "self", null=True, blank=True, related_name="retests", on_delete=models.PROTECT,
        limit_choices_to={"purpose": "baseline"}, help_text="For a retest: the baseline whose cases it repeats.",
    )  # fmt: skip
    washout_weeks = models.PositiveSmallIntegerField(
        default=6, help_text="For a retest: the least time between the baseline's close and the retest's opening."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-opens", "pk"]

    def __str__(self) -> str:
        kind = self.mode_label.lower() if self.purpose == self.Purpose.ORDINARY else self.purpose
        return f"{self.case_set.title} ({kind}, closes {self.closes:%d %b %Y})"

    @property
    def is_assessment(self) -> bool:
        return self.mode == self.Mode.ASSESSMENT

    @property
    def mode_label(self) -> str:
        """The mode's name without its explanation: Practice or Assessment."""
        return self.get_mode_display().split(":")[0]

    @property
    def title(self) -> str:
        """The set's title, and whether this is its baseline or its retest: the two take the same set."""
        if self.purpose == self.Purpose.ORDINARY:
            return self.case_set.title
        return f"{self.case_set.title} ({self.purpose})"

    def clean(self) -> None:
        errors = {}
        if self.opens and self.closes and self.closes <= self.opens:
            errors["closes"] = "The set must close after it opens."
        if self.time_limit and not self.is_assessment:
            errors["time_limit"] = "Only an assessment has a time limit."
        if self.purpose != self.Purpose.ORDINARY and not self.is_assessment:
            # Said beside the purpose: its section is folded away until it holds an error.
            errors["purpose"] = (
                "A baseline or a retest is an assessment (no feedback until the end): choose Assessment as its mode, "
                "or make it an ordinary set."
            )
        if self.purpose == self.Purpose.RETEST:
            if self.baseline_id is None:
                errors["baseline"] = "Choose the baseline this retest repeats."
            elif self.case_set_id and _cases(self.case_set_id) != _cases(self.baseline.case_set_id):
                errors["case_set"] = (
                    f"A retest repeats its baseline's cases: choose “{self.baseline.case_set}”, or a set of the "
                    "same cases."
                )
            elif self.opens and self.opens < self.baseline.closes + timedelta(weeks=self.washout_weeks):
                earliest = self.baseline.closes + timedelta(weeks=self.washout_weeks)
                errors["opens"] = (
                    f"A retest opens at least {self.washout_weeks} weeks after its baseline closes: "
                    f"{timezone.localtime(earliest):%d %b %Y, %H:%M} at the earliest."
                )
        elif self.baseline_id:
            errors["baseline"] = "Only a retest repeats a baseline."
        if self.case_set_id and (drafts := list(Case.objects.drafts().filter(pk__in=_cases(self.case_set_id)))):
            names = ", ".join(f"“{case}”" for case in drafts)
            it = "it" if len(drafts) == 1 else "them"
            errors.setdefault("case_set", (
                f"“{self.case_set}” holds {'a draft' if it == 'it' else 'drafts'}, {names}: trainees would never meet "
                f"{it}. Publish {it}, or take {it} out of the set."
            ))  # fmt: skip
        if errors:
            raise ValidationError(errors)

    def is_open(self, when=None) -> bool:
        when = when or timezone.now()
        return self.opens <= when < self.closes

    def seen_before(self):
        """The attempts its trainees committed at its cases before it closed, outside it: what an assessment of
        unseen cases should not have."""
        return (
            Attempt.objects.submitted()
            .filter(
                case__in=SetCase.objects.filter(case_set=self.case_set_id).values("case"),
                trainee__cohorts__in=self.cohorts.all(),
                submitted__lt=self.closes,
            )
            .exclude(set_answer__sitting__assignment=self)
        )


def _cases(case_set_id: int) -> set[int]:
    return set(SetCase.objects.filter(case_set=case_set_id).values_list("case", flat=True))


class SittingQuerySet(models.QuerySet):
    def of(self, trainee, assignment) -> "Sitting | None":
        """The trainee's sitting of the assignment, if they have started it."""
        return self.filter(assignment=assignment, trainee=trainee).first()

    def under_way(self, now):
        """Sittings started, not finished, with time left, in a set that has opened."""
        return self.filter(finished__isnull=True, deadline__gt=now, assignment__opens__lte=now)


class Sitting(models.Model):
    """One trainee's go at an assignment: the order they meet its cases in, and their time limit."""

    assignment = models.ForeignKey(Assignment, related_name="sittings", on_delete=models.CASCADE)
    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="sittings", on_delete=models.CASCADE)
    started = models.DateTimeField(default=timezone.now, help_text="The moment the time limit is counted from.")
    deadline = models.DateTimeField(help_text="The set's close, or sooner with a time limit.")
    finished = models.DateTimeField(null=True, blank=True)
    order = models.JSONField(default=list, help_text="The cases' pks, in the order this trainee meets them.")

    objects = SittingQuerySet.as_manager()

    class Meta:
        ordering = ["-started"]
        constraints = [models.UniqueConstraint(fields=["assignment", "trainee"], name="one_sitting_per_trainee")]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.assignment}"


class SetAnswer(models.Model):
    """A case committed in a sitting: the attempt, as training keeps it."""

    sitting = models.ForeignKey(Sitting, related_name="answers", on_delete=models.CASCADE)
    case = models.ForeignKey(Case, related_name="+", on_delete=models.PROTECT)
    attempt = models.OneToOneField(Attempt, related_name="set_answer", on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sitting", "case"], name="one_answer_per_case_in_a_sitting")]

    def __str__(self) -> str:
        return f"{self.sitting} · {self.case}"
