"""Educators answer and close reports in the admin too; an answer keeps who gave it and when."""

import pytest

from sinsquiz.problems.models import ProblemReport
from tests.problems.conftest import committed, report_on

pytestmark = pytest.mark.django_db

LIST = "/admin/problems/problemreport/"


@pytest.fixture
def educator(client, cohort, grace):
    """Grace, logged in on `client` (after Ada, whom the cohort logs in)."""
    client.force_login(grace)
    return grace


def test_the_list_filters_open_and_closed_reports_and_their_kinds(client, educator, attempt, ada):
    report_on(attempt, text="An open worry.")
    report_on(committed(ada), text="A closed image problem.", kind="image", status="closed")

    open_only = client.get(f"{LIST}?status__exact=open").content.decode()
    images = client.get(f"{LIST}?kind__exact=image").content.decode()

    assert "An open worry." in open_only and "A closed image problem." not in open_only
    assert "A closed image problem." in images and "An open worry." not in images


def test_an_answer_in_the_admin_records_who_gave_it_and_when(client, educator, attempt):
    report = report_on(attempt)

    response = client.post(f"{LIST}{report.pk}/change/", {"answer": "It is T8 indeed.", "status": "closed"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.answer == "It is T8 indeed." and report.answered_by == educator and report.answered is not None
    assert report.status == "closed"


def test_the_report_names_its_reporter_and_answerer_without_links_to_accounts_an_educator_cannot_open(
    client, educator, attempt, grace
):
    report = report_on(attempt, answer="Seen.", answered_by=grace)

    page = client.get(f"{LIST}{report.pk}/change/").content.decode()

    assert "Ada Byron" in page and "Grace Hopper" in page
    assert "/admin/auth/user/" not in page


def test_changing_only_the_status_leaves_the_answer_and_its_author_alone(client, educator, attempt, grace):
    report = report_on(attempt)
    report.record_answer("First answer.", grace)
    report.save()
    answered = report.answered

    client.post(f"{LIST}{report.pk}/change/", {"answer": "First answer.", "status": "closed"})

    report.refresh_from_db()
    assert report.answered == answered and report.status == "closed"


def test_the_close_action_closes_the_selected_reports(client, educator, attempt, ada):
    reports = [report_on(attempt), report_on(committed(ada))]

    response = client.post(LIST, {"action": "close", "_selected_action": [r.pk for r in reports]}, follow=True)

    assert "2 reports closed." in response.content.decode()
    assert set(ProblemReport.objects.values_list("status", flat=True)) == {"closed"}


def test_reopening_beside_a_newer_open_report_is_refused_with_a_message(client, educator, attempt):
    old = report_on(attempt, status="closed")
    report_on(attempt)

    html = client.post(f"{LIST}{old.pk}/change/", {"answer": "", "status": "open"}).content.decode()

    assert "This trainee has a newer open report on this case" in html
    old.refresh_from_db()
    assert old.status == "closed"


def test_educators_cannot_add_or_delete_reports_in_the_admin(client, educator, attempt):
    report = report_on(attempt)

    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}{report.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ProblemReport.objects.count() == 1
