"""Stamps: what a cached page depends on, each read in one short SQL query on every view of the page.

A cached page costs its stamp query and little else, so these are written in SQL: for queries this small,
building them with the ORM takes several times longer than the database takes to run them (bench/README.md).
Each stamp must change whenever what its page shows can change; tests/sinsquiz/test_stamps.py holds them
to that, and to the ORM's answers, on SQLite and PostgreSQL.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from cases.models import Case
from sinsquiz.models import Attempt, Cohort

CASES = Case._meta.db_table
ATTEMPTS = Attempt._meta.db_table
MEMBERS = Cohort.trainees.through._meta.db_table
MEMBER_COHORT, MEMBER_USER = Cohort.trainees.field.m2m_column_name(), Cohort.trainees.field.m2m_reverse_name()

_LIBRARY = f"""
    SELECT COUNT(CASE WHEN status = %s THEN 1 END), COUNT(*), MAX(updated),
           (SELECT COUNT(*) FROM {ATTEMPTS} WHERE trainee_id = %s AND state = %s AND submitted >= %s)
    FROM {CASES}
"""
PERIOD_MINUTES = 10


@dataclass(frozen=True)
class Library:
    """The library as one user sees it, and that user's recent commits."""

    published: int  # published cases
    cases: int  # every case, drafts included
    changed: object  # the last change to any case (a datetime, or its text on SQLite)
    since: datetime  # the start of the period before the current one
    recent: int  # the user's attempts submitted since then

    @property
    def stamp(self) -> str:
        """For the case list and the dashboard: a case published, unpublished, renamed, re-imaged or deleted
        moves a count or the last change; a commit moves the recent count."""
        return f"{self.published}.{self.cases}.{self.changed}.{self.since:%Y%m%d%H%M}.{self.recent}"


def library(user, now: datetime | None = None) -> Library:
    """Commits are counted from the start of the period before the current one (periods of ten minutes),
    not over the whole history, so the stamp costs the same at ten attempts and at ten thousand.

    That misses no commit: attempts are never deleted and a commit's `submitted` is read a moment before
    its UPDATE lands, so commits may land out of order but never a period late. Within a period the count
    only grows, by one with every commit; when the period moves on, the stamp changes with it anyway.
    """
    since = _since(now)
    with connection.cursor() as cursor:
        cursor.execute(_LIBRARY, [Case.Status.PUBLISHED, user.pk, Attempt.State.SUBMITTED, since])
        published, cases, changed, recent = cursor.fetchone()
    return Library(published, cases, changed, since, recent)


def _since(now: datetime | None) -> datetime:
    """The start of the ten-minute period before the one `now` (by default, the present) falls in."""
    now = now or timezone.now()
    start = now.replace(minute=now.minute - now.minute % PERIOD_MINUTES, second=0, microsecond=0)
    return start - timedelta(minutes=PERIOD_MINUTES)


# The members' recent commits counted member by member: PostgreSQL plans this in half the time it takes to
# plan the same count as a join of members and attempts, and the plan is most of the query's cost.
_COHORT = f"""
    SELECT COUNT(*), MAX(m.id),
           SUM((SELECT COUNT(*) FROM {ATTEMPTS} a WHERE a.trainee_id = m.{MEMBER_USER} AND a.state = %s
                AND a.submitted >= %s))
    FROM {MEMBERS} m WHERE m.{MEMBER_COHORT} = %s
"""


def cohort(cohort: Cohort, now: datetime | None = None) -> str:
    """For the cohort page: a trainee joining adds a membership row with a new, higher id, one leaving takes a
    row away, and a commit by any member moves the recent commits, counted as library() counts them.
    (Names may lag until the page's cache expires.)"""
    since = _since(now)
    with connection.cursor() as cursor:
        cursor.execute(_COHORT, [Attempt.State.SUBMITTED, since, cohort.pk])
        members, last_member, recent = cursor.fetchone()
    return f"{members}.{last_member}.{since:%Y%m%d%H%M}.{int(recent or 0)}"
