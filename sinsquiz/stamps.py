"""Stamps: what a cached page depends on, each read in one short SQL query on every view of the page.

A cached page costs its stamp query and little else, so these are written in SQL: for queries this small,
building them with the ORM takes several times longer than the database takes to run them (bench/README.md).
Each stamp must change whenever what its page shows can change; tests/sinsquiz/test_stamps.py holds them
to that, and to the ORM's answers, on SQLite and PostgreSQL.

A trainee's commits are read from their Tally, which the database moves within every commit's own UPDATE
(and every insert of a submitted attempt): one row however long the history, and no commit missed whatever
order concurrent commits land in.
"""

from dataclasses import dataclass

from django.db import connection

from cases.models import Case
from sinsquiz.models import Cohort, Tally

CASES = Case._meta.db_table
TALLIES = Tally._meta.db_table
MEMBERS = Cohort.trainees.through._meta.db_table
MEMBER_COHORT, MEMBER_USER = Cohort.trainees.field.m2m_column_name(), Cohort.trainees.field.m2m_reverse_name()

_LIBRARY = f"""
    SELECT COUNT(CASE WHEN status = %s THEN 1 END), COUNT(*), MAX(updated),
           (SELECT submitted FROM {TALLIES} WHERE trainee_id = %s)
    FROM {CASES}
"""


@dataclass(frozen=True)
class Library:
    """The library as one user sees it, and how many attempts that user has committed."""

    published: int  # published cases
    cases: int  # every case, drafts included
    changed: object  # the last change to any case (a datetime, or its text on SQLite)
    committed: int  # the user's tally

    @property
    def stamp(self) -> str:
        """For the case list and the dashboard: a case published, unpublished, renamed, re-imaged or deleted
        moves a count or the last change; a commit moves the tally."""
        return f"{self.published}.{self.cases}.{self.changed}.{self.committed}"


def library(user) -> Library:
    with connection.cursor() as cursor:
        cursor.execute(_LIBRARY, [Case.Status.PUBLISHED, user.pk])
        published, cases, changed, committed = cursor.fetchone()
    return Library(published, cases, changed, committed or 0)


_COHORT = f"""
    SELECT COUNT(*), MAX(m.id), SUM(t.submitted)
    FROM {MEMBERS} m LEFT JOIN {TALLIES} t ON t.trainee_id = m.{MEMBER_USER}
    WHERE m.{MEMBER_COHORT} = %s
"""


def cohort(cohort: Cohort) -> str:
    """For the cohort page: a trainee joining adds a membership row with a new, higher id, one leaving takes a
    row away, and a commit by any member adds one to the members' tallies. (Names may lag until the page's
    cache expires.)"""
    with connection.cursor() as cursor:
        cursor.execute(_COHORT, [cohort.pk])
        members, last_member, committed = cursor.fetchone()
    return f"{members}.{last_member}.{committed or 0}"
