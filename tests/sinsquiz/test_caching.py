"""Cached fragments are redrawn as soon as what they show changes."""

from datetime import timedelta

import pytest

from cases.models import Case
from sinsquiz.models import Attempt, Cohort
from tests.factories import CaseFactory, EducatorFactory, SliceFactory, commit, published_case

pytestmark = pytest.mark.django_db


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


def test_the_case_list_filters_show_each_querys_own_choices(client, trainee):
    client.get("/cases/?region=lumbar")

    html = client.get("/cases/?region=thoracic&q=breast").content.decode()

    assert '<option value="thoracic" selected>' in html
    assert '<option value="lumbar" selected>' not in html
    assert 'value="breast"' in html


def test_the_feedback_page_lists_a_later_attempt_at_its_case(client, trainee):
    case = published_case()
    first = commit(client, case)
    assert "Attempts at this case" not in client.get(first.get_absolute_url()).content.decode()

    second = commit(client, case)

    html = client.get(first.get_absolute_url()).content.decode()
    assert "Attempts at this case" in html
    assert f'href="{second.get_absolute_url()}"' in html


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


def test_an_educators_case_list_marks_a_case_unpublished_in_the_admin(client):
    case = published_case(title="Lumbar case")
    client.force_login(EducatorFactory())
    assert '<span class="tag draft">' not in client.get("/cases/").content.decode()

    client.post("/admin/cases/case/", {"action": "unpublish", "_selected_action": [case.pk]})

    assert '<span class="tag draft">' in client.get("/cases/").content.decode()


def test_an_educator_who_loses_staff_status_no_longer_sees_drafts_in_the_case_list(client):
    published_case(title="Lumbar case")
    CaseFactory(title="Unfinished case", status=Case.Status.DRAFT)
    educator = EducatorFactory()
    client.force_login(educator)
    assert "Unfinished case" in client.get("/cases/").content.decode()

    educator.is_staff = False
    educator.save()

    html = client.get("/cases/").content.decode()
    assert "Unfinished case" not in html and "Lumbar case" in html


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
