"""Cohorts: groups of trainees and the educators who follow their progress."""

from django.conf import settings
from django.db import models
from django.db.models import Count, Max, Q
from django.urls import reverse

from sinsquiz.training.models import Attempt


class CohortQuerySet(models.QuerySet):
    def with_size(self):
        """Each cohort with `size`, its number of trainees."""
        return self.annotate(size=Count("trainees", distinct=True))

    def with_activity(self, since):
        """Each cohort with `size`, and since `since`: `active` (trainees who committed) and `commits`; and the
        moment of its `last_commit` ever."""
        committed = Q(trainees__attempts__state=Attempt.State.SUBMITTED, trainees__attempts__submitted__gte=since)
        return self.with_size().annotate(
            active=Count("trainees", distinct=True, filter=committed),
            commits=Count("trainees__attempts", filter=committed),
            last_commit=Max("trainees__attempts__submitted"),
        )

    def for_educator(self, user):
        """The cohorts an educator follows; a superuser follows them all. Educators are staff users: anyone else
        named as one follows nothing."""
        if user.is_superuser:
            return self
        return self.filter(educators=user) if user.is_staff else self.none()


class Cohort(models.Model):
    """A group of trainees and the educators who follow them."""

    # The tables predate this app (they were made as the project's own, "sinsquiz", models).

    name = models.CharField(max_length=120, unique=True)
    trainees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="cohorts", blank=True, db_table="sinsquiz_cohort_trainees"
    )
    educators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="taught_cohorts",
        blank=True,
        db_table="sinsquiz_cohort_educators",
        help_text="Staff users who follow the cohort: its trainees' progress, attempts and sets.",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        db_table = "sinsquiz_cohort"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cohort", args=[self.pk])
