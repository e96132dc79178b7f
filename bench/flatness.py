"""Flatness: does a page cost more when the library and the histories grow?

Run: `python bench/flatness.py` (a throw-away SQLite file), or on PostgreSQL with
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/sinsquiz_load_flatness` (a database it creates and drops).
`--smoke` runs it small and short, without goals (CI keeps it working). See bench/README.md.

Each page is requested in-process (Django's test client: no server, no network) by the same users, first in
a small world (10 cases, 10 attempts), then after the same database has grown (1,000 cases of 5 series of
20 images, the trainee's history to 10,000 attempts, their cohort's to 10,000 more). For each page it prints
the SQL queries of one request with an empty cache, and its median time with an empty cache (the work a
page does when nothing is cached) and with a warm one (for information). Goals: the same queries at both
sizes, and an empty-cache time at the large size at most twice the small one.
"""

import argparse
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="sinsquiz-flatness-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="sinsquiz.settings",
    DEBUG="0",
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="0",
    REDIS_URL="",  # the cache is emptied between requests: never someone's Redis
    MEDIA_ROOT=str(WORK / "media"),
    STATIC_ROOT=str(WORK / "static"),
    DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{WORK / 'flatness.sqlite3'}",
)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.load import prepare_database  # noqa: E402
from bench.seeding import (  # noqa: E402
    REFERENCE,
    Attempt,
    bulk_attempts,
    make_cases,
    make_cohorts,
    make_trainees,
    make_user,
)
from sinsquiz.training.models import ReviewCard  # noqa: E402

RATIO_GOAL = 2.0


class World:
    """The users and objects every page is asked for, at both sizes."""

    def __init__(self, runs: int):
        self.runs = runs
        self.library = make_cases(10, series=1, slices=3, prefix="small")
        self.case = self.library[0]
        self.trainees = make_trainees(20, prefix="flat")
        self.trainee = self.trainees[0]
        self.educator = make_user("flat-educator", group="Educators", is_staff=True)
        self.cohort = make_cohorts(self.trainees, self.educator, 1, prefix="Flatness cohort")[0]
        bulk_attempts(self.trainee, self.library, 10, random.Random(1))
        self.attempt = Attempt.objects.submitted().filter(trainee=self.trainee, case=self.case).first()
        # A draft to autosave, and one to commit (put back in draft after each commit).
        self.draft, self.to_commit = (
            Attempt.objects.create(trainee=self.trainee, case=case) for case in self.library[:2]
        )
        self.clients = {}
        for user in (self.trainee, self.educator):
            self.clients[user.pk] = Client(HTTP_HX_REQUEST="true")
            self.clients[user.pk].force_login(user)

    def grow(self, cases: int, series: int, slices: int, history: int, classmates: int) -> None:
        rng = random.Random(2)
        added = make_cases(cases - len(self.library), series=series, slices=slices, prefix="large")
        self.library += added
        bulk_attempts(self.trainee, self.library, history - 10, rng)
        for classmate in self.trainees[1:]:
            bulk_attempts(classmate, rng.sample(self.library, min(len(self.library), classmates)), classmates, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
                cursor.execute("VACUUM ANALYZE")

    def pages(self):
        """(name, user, method, path, body) for every page measured."""
        return [
            ("case list", self.trainee, "get", "/cases/", None),
            ("case page", self.trainee, "get", self.case.get_absolute_url(), None),
            ("autosave", self.trainee, "post", f"/attempts/{self.draft.pk}/save/", {"pain": "mechanical"}),
            ("commit", self.trainee, "post", f"/attempts/{self.to_commit.pk}/commit/", REFERENCE),
            ("feedback", self.trainee, "get", self.attempt.get_absolute_url(), None),
            ("dashboard", self.trainee, "get", "/progress/", None),
            ("cohort page", self.educator, "get", self.cohort.get_absolute_url(), None),
        ]

    def uncommit(self) -> None:
        """Put the draft a measurement committed back in draft, and forget the review card its commit made, so
        that every commit measured is the same real one (a first meeting with the case) at both sizes."""
        Attempt.objects.filter(pk=self.to_commit.pk).update(state=Attempt.State.DRAFT, submitted=None)
        ReviewCard.objects.filter(trainee=self.trainee, case=self.to_commit.case_id).delete()

    def measure(self) -> dict[str, dict]:
        results = {}
        for name, user, method, path, body in self.pages():
            client = self.clients[user.pk]
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                response = getattr(client, method)(path, body)
            assert response.status_code == 200, (name, response.status_code)
            self.uncommit()
            results[name] = {
                "queries": len(queries),
                "cold": self.time(client, method, path, body, empty_cache=True),
                "warm": self.time(client, method, path, body, empty_cache=False),
            }
        return results

    def time(self, client, method, path, body, *, empty_cache: bool) -> float:
        samples = []
        for _ in range(self.runs):
            if empty_cache:
                cache.clear()
            start = time.perf_counter()
            getattr(client, method)(path, body)
            samples.append(time.perf_counter() - start)
            self.uncommit()
        return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small data, few runs, no goals (for CI)")
    args = parser.parse_args()
    runs = 3 if args.smoke else 15
    postgres = connection.vendor == "postgresql"
    if postgres:
        prepare_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # as in production: hashed names
    started = time.perf_counter()
    world = World(runs)
    small = world.measure()
    if args.smoke:
        world.grow(cases=30, series=2, slices=3, history=200, classmates=20)
    else:
        world.grow(cases=1000, series=5, slices=20, history=10_000, classmates=500)
    large = world.measure()
    elapsed = time.perf_counter() - started
    print(f"Flatness on {connection.vendor} ({elapsed:.0f} s): 10 -> {len(world.library)} cases, "
          f"10 -> {Attempt.objects.submitted().filter(trainee=world.trainee).count()} attempts by the trainee, "
          f"{Attempt.objects.submitted().filter(trainee__cohorts=world.cohort).count()} by the cohort")  # fmt: skip
    print(f"{'page':<12} {'queries':>9} {'empty cache, ms':>17} {'ratio':>6} {'warm, ms':>13}  verdict")
    failures = 0
    for name, before in small.items():
        after = large[name]
        ratio = after["cold"] / before["cold"]
        ok = before["queries"] == after["queries"] and ratio <= RATIO_GOAL
        failures += not ok
        print(f"{name:<12} {before['queries']:>4} {after['queries']:>4} "
              f"{before['cold'] * 1000:>8.1f} {after['cold'] * 1000:>8.1f} {ratio:>5.2f}x "
              f"{before['warm'] * 1000:>6.1f} {after['warm'] * 1000:>6.1f}  {'PASS' if ok else 'FAIL'}")  # fmt: skip
    print(f"goals: the same queries at both sizes; empty-cache time at the large size <= {RATIO_GOAL:g}x the small")
    print(f"RESULT: {len(small) - failures} of {len(small)} pages flat: {'FAIL' if failures else 'PASS'}")
    connection.close()
    if postgres:
        prepare_database(os.environ["DATABASE_URL"], drop=True)
    if args.smoke:
        print("smoke run: goals not enforced")
        return 0
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(WORK, ignore_errors=True)  # the throw-away folder: SQLite file, media, static files
