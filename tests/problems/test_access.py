"""A report is its reporter's and their educators' business: everyone else gets a 404 and finds it in no list."""

import pytest
from django.contrib.auth.models import User

from sinsquiz.problems.models import ProblemReport
from tests.factories import EducatorFactory
from tests.problems.conftest import committed, report_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(attempt):
    return report_on(attempt, text="Ada's private worry about the history.")


def test_another_trainee_cannot_open_the_report_nor_find_it(client, report, outsiders):
    bob, _ = outsiders
    client.force_login(bob)

    assert client.get(f"/problems/{report.pk}/").status_code == 404
    assert client.post(f"/problems/{report.pk}/", {"answer": "Hi", "close": "on"}).status_code == 404
    assert "private worry" not in client.get(report.case.get_absolute_url()).content.decode()
    assert "private worry" not in client.get(f"/attempts/{committed(bob, report.case).pk}/").content.decode()
    assert list(ProblemReport.objects.visible_to(bob)) == []


def test_an_educator_of_another_cohort_cannot_open_answer_or_list_the_report(client, report, outsiders):
    _, alan = outsiders
    client.force_login(alan)

    assert client.get(f"/problems/{report.pk}/").status_code == 404
    assert client.post(f"/problems/{report.pk}/", {"answer": "Hi", "close": "on"}).status_code == 404
    assert "private worry" not in client.get("/").content.decode()
    assert "private worry" not in client.get("/admin/problems/problemreport/").content.decode()
    assert client.get(f"/admin/problems/problemreport/{report.pk}/change/").status_code == 302  # "perhaps deleted"
    report.refresh_from_db()
    assert report.is_open and report.answer == ""


def test_an_educator_with_no_cohort_sees_no_report(client, report):
    client.force_login(EducatorFactory())

    assert client.get(f"/problems/{report.pk}/").status_code == 404
    assert "private worry" not in client.get("/").content.decode()


def test_the_reporters_educator_and_a_superuser_see_it(client, report, grace):
    root = User.objects.create_superuser("root", password="a-long-test-password")
    for user in (grace, root):
        client.force_login(user)
        assert "private worry" in client.get(f"/problems/{report.pk}/").content.decode()
        assert "private worry" in client.get("/").content.decode()
        assert "private worry" in client.get("/admin/problems/problemreport/").content.decode()


def test_an_educator_reading_a_trainees_feedback_sees_no_report_form_and_no_reports_there(client, report, grace):
    client.force_login(grace)

    html = client.get(f"/attempts/{report.attempt_id}/").content.decode()

    assert "private worry" not in html and "Report a problem" not in html
