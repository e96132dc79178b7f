"""Cached fragments are redrawn as soon as what they show changes."""

from datetime import timedelta

import pytest

from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt
from tests.factories import EducatorFactory, commit, published_case

pytestmark = pytest.mark.django_db


def test_the_dashboard_and_the_cohort_page_follow_each_commit(client, trainee):
    case, other = published_case(), published_case()
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.trainees.add(trainee)
    cohort.educators.add(educator)
    commit(client, case)
    assert '1<span class="stat-of"> / 2</span>' in client.get("/progress/").content.decode()

    commit(client, other, pain="none")

    assert '2<span class="stat-of"> / 2</span>' in client.get("/progress/").content.decode()
    client.force_login(educator)
    assert "2 attempts" in client.get(f"/cohorts/{cohort.pk}/").content.decode()
    client.force_login(trainee)
    commit(client, case)
    client.force_login(educator)
    assert "3 attempts" in client.get(f"/cohorts/{cohort.pk}/").content.decode()


def test_the_dashboard_counts_a_newly_published_case_as_left_to_do(client, trainee):
    commit(client, published_case())
    assert '1<span class="stat-of"> / 1</span>' in client.get("/progress/").content.decode()

    published_case()

    html = client.get("/progress/").content.decode()
    assert '1<span class="stat-of"> / 2</span>' in html and "1 left" in html


def test_the_dashboard_counts_a_commit_that_lands_after_a_later_one(client, trainee):
    first, second = published_case(), published_case()
    late = commit(client, first)
    assert '1<span class="stat-of"> / 2</span>' in client.get("/progress/").content.decode()

    # Two tabs: this commit took its time before the clock reading of the one already stored.
    early = commit(client, second)
    Attempt.objects.filter(pk=early.pk).update(submitted=late.submitted - timedelta(seconds=5))

    assert '2<span class="stat-of"> / 2</span>' in client.get("/progress/").content.decode()


def test_the_dashboard_history_shows_a_renamed_case(client, trainee):
    case = published_case(title="Old title")
    commit(client, case)
    assert "Old title" in client.get("/progress/").content.decode()

    case.title = "New title"
    case.save()

    assert "New title" in client.get("/progress/").content.decode()


def test_a_cohort_page_lists_a_trainee_who_joins(client, trainee):
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.educators.add(educator)
    client.force_login(educator)
    assert trainee.username not in client.get(f"/cohorts/{cohort.pk}/").content.decode()

    cohort.trainees.add(trainee)

    assert trainee.get_full_name() in client.get(f"/cohorts/{cohort.pk}/").content.decode()


def test_a_cohort_page_drops_a_trainee_who_leaves(client, trainee):
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.educators.add(educator)
    cohort.trainees.add(trainee)
    client.force_login(educator)
    assert trainee.get_full_name() in client.get(f"/cohorts/{cohort.pk}/").content.decode()

    cohort.trainees.remove(trainee)

    assert trainee.get_full_name() not in client.get(f"/cohorts/{cohort.pk}/").content.decode()
