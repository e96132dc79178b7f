"""A trainee's report of a problem with a case (a wrong reference, an image, an unclear history), and the
educator's answer."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from sinsquiz.training.models import Attempt, followed_by

TEXT_MAX = 1000
ANSWER_MAX = 2000


def may_answer(user) -> bool:
    """Educators (and superusers) answer and close reports: the permission their group is given."""
    return user.has_perm("problems.change_problemreport")


class ProblemReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ProblemReport.Status.OPEN)

    def of(self, user):
        return self.filter(reporter=user)

    def visible_to(self, user):
        """A user's own reports, and those of the trainees they follow as an educator (a superuser: all)."""
        return self if user.is_superuser else self.filter(reporter__in=followed_by(user))

    def answerable_by(self, user):
        """The reports a user may answer and close: those they see, if they hold the educators' permission."""
        return self.visible_to(user) if may_answer(user) else self.none()

    def answered_since(self, when):
        return self.filter(answered__gte=when).order_by("-answered")

    def since(self, when):
        return self.filter(created__gte=when)

    def filed_today_by(self, user):
        """The user's reports of the last 24 hours: the rate limit counts these."""
        return self.of(user).since(timezone.now() - timedelta(days=1))

    def outlines(self) -> list["ReportOutline"]:
        """What a case page may show of these reports. Only these columns are read: a report and its answer often
        state the reference ("you're right, it's T4"), which stays off the case page until the trainee commits."""
        answered = ExpressionWrapper(~Q(answer=""), output_field=BooleanField())
        rows = self.annotate(has_answer=answered).values_list("kind", "created", "status", "has_answer", "attempt_id")
        return [ReportOutline(*row) for row in rows]


class ProblemReport(models.Model):
    class Kind(models.TextChoices):
        WRONG_REFERENCE = "wrong_reference", "Wrong reference"
        IMAGE = "image", "Image problem"
        HISTORY = "history", "Unclear history"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    case = models.ForeignKey(Case, related_name="problem_reports", on_delete=models.CASCADE)
    # The committed attempt the report was filed from: the educator sees the reading it discusses.
    attempt = models.ForeignKey(Attempt, related_name="problem_reports", on_delete=models.CASCADE)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="problem_reports", on_delete=models.CASCADE)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    text = models.TextField(max_length=TEXT_MAX, help_text=f"What is wrong, in at most {TEXT_MAX:,} characters.")
    created = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(
        max_length=ANSWER_MAX, blank=True, help_text="The reporter reads it on the feedback the report was sent from."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    answered = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ProblemReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # One open report per trainee and case: a second one waits until the first is closed.
            models.UniqueConstraint(
                fields=["reporter", "case"], condition=Q(status="open"), name="one_open_report_per_case"
            ),
        ]
        indexes = [
            # The rate limit (a trainee's reports of the last day) and a trainee's reports on a case.
            models.Index(fields=["reporter", "created"], name="reports_by_reporter"),
            models.Index(fields=["status", "created"], name="reports_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.case} ({self.reporter})"

    def get_absolute_url(self) -> str:
        return reverse("problem", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def record_answer(self, text: str, by) -> None:
        """Keep the answer with who gave it and when (the caller saves)."""
        self.answer = text
        self.answered_by = by
        self.answered = timezone.now()


@dataclass(frozen=True)
class ReportOutline:
    """A report as the case page shows it: its kind, date and status, and where to read the answer (the feedback
    of the attempt it was sent from), never its text or the answer."""

    kind: str
    created: datetime
    state: str
    answered: bool
    attempt_id: int

    def get_kind_display(self) -> str:
        return ProblemReport.Kind(self.kind).label

    @property
    def status(self) -> str:
        """Open, answered (and still open) or closed."""
        if self.state == ProblemReport.Status.CLOSED:
            return "closed"
        return "answered" if self.answered else "open"

    @property
    def answer_url(self) -> str | None:
        return f"{reverse('attempt', args=[self.attempt_id])}#problem-reports" if self.answered else None
