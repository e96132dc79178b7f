"""Stamps: what a cached page depends on, each read in one short SQL query on every view of the page.

A cached page costs its stamp query and little else, so these are written in SQL: for queries this small,
building them with the ORM takes several times longer than the database takes to run them (bench/README.md).
Each stamp must change whenever what its page shows can change; tests/sinsquiz/test_stamps.py holds them
to that, and to the ORM's answers, on SQLite and PostgreSQL.
"""

from dataclasses import dataclass

from django.db import connection

from cases.models import Case
from sinsquiz.models import Attempt, Cohort

CASES = Case._meta.db_table
ATTEMPTS = Attempt._meta.db_table
MEMBERS = Cohort.trainees.through._meta.db_table
MEMBER_COHORT, MEMBER_USER = Cohort.trainees.field.m2m_column_name(), Cohort.trainees.field.m2m_reverse_name()

_LIBRARY = f"""
    SELECT COUNT(CASE WHEN status = %s THEN 1 END), COUNT(*), MAX(updated),
           (SELECT COUNT(*) FROM {ATTEMPTS} WHERE trainee_id = %s AND state = %s)
    FROM {CASES}
"""


@dataclass(frozen=True)
class Library:
    """The library as one user sees it, and that user's history."""

    published: int  # published cases
    cases: int  # every case, drafts included
    changed: object  # the last change to any case (a datetime, or its text on SQLite)
    attempts: int  # the user's submitted attempts: up by one with every commit, in whatever order they land

    @property
    def stamp(self) -> str:
        """For the case list and the dashboard: a case published, unpublished, renamed, re-imaged or deleted
        moves a count or the last change; a commit moves the attempts."""
        return f"{self.published}.{self.cases}.{self.changed}.{self.attempts}"


def library(user) -> Library:
    with connection.cursor() as cursor:
        cursor.execute(_LIBRARY, [Case.Status.PUBLISHED, user.pk, Attempt.State.SUBMITTED])
        published, cases, changed, attempts = cursor.fetchone()
    return Library(published, cases, changed, attempts)


_COHORT = f"""
    SELECT COUNT(*), MAX(id),
           (SELECT COUNT(*) FROM {ATTEMPTS} a JOIN {MEMBERS} m ON m.{MEMBER_USER} = a.trainee_id
            WHERE m.{MEMBER_COHORT} = %s AND a.state = %s)
    FROM {MEMBERS} WHERE {MEMBER_COHORT} = %s
"""


def cohort(cohort: Cohort) -> str:
    """For the cohort page: a trainee joining adds a membership row with a new, higher id, one leaving takes a
    row away, and a commit by any member moves the attempts. (Names may lag until the page's cache expires.)"""
    with connection.cursor() as cursor:
        cursor.execute(_COHORT, [cohort.pk, Attempt.State.SUBMITTED, cohort.pk])
        members, last_member, attempts = cursor.fetchone()
    return f"{members}.{last_member}.{attempts}"


_ATTEMPTS_AT = f"SELECT COUNT(*) FROM {ATTEMPTS} WHERE trainee_id = %s AND case_id = %s AND state = %s"


def attempts_at(attempt: Attempt) -> int:
    """For the feedback page's list of attempts at its case: up by one when the trainee commits another
    (attempts are only deleted with their trainee)."""
    with connection.cursor() as cursor:
        cursor.execute(_ATTEMPTS_AT, [attempt.trainee_id, attempt.case_id, Attempt.State.SUBMITTED])
        return cursor.fetchone()[0]
