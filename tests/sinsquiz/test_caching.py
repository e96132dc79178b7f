"""Cached fragments are redrawn as soon as what they show changes."""

import pytest

from cases.models import Case
from sinsquiz.models import Cohort
from tests.factories import EducatorFactory, SliceFactory, TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee(client):
    user = TraineeFactory()
    client.force_login(user)
    return user


def test_the_case_list_shows_a_newly_published_case_and_a_newly_done_one(client, trainee):
    first = published_case(title="First")
    assert "Second" not in client.get("/cases/").content.decode()

    second = published_case(title="Second", status=Case.Status.DRAFT)
    second.status = Case.Status.PUBLISHED
    second.save()
    commit(client, first)

    html = client.get("/cases/").content.decode()
    assert "Second" in html
    assert "✓ Done" in html


def test_the_case_page_shows_an_image_added_to_a_stack(client, trainee):
    case = published_case(series=1, slices=1)
    client.get(f"/cases/{case.slug}/")

    added = SliceFactory(series=case.series.get(), position=5)

    assert added.web.url in client.get(f"/cases/{case.slug}/").content.decode()


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


def test_a_cohort_page_lists_a_trainee_who_joins(client, trainee):
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="Year 3")
    cohort.educators.add(educator)
    client.force_login(educator)
    assert trainee.username not in client.get(f"/cohorts/{cohort.pk}/").content.decode()

    cohort.trainees.add(trainee)

    assert trainee.get_full_name() in client.get(f"/cohorts/{cohort.pk}/").content.decode()
