"""Cached fragments are redrawn as soon as what they show changes."""

import pytest

from cases.models import Case
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
