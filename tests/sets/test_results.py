"""An assignment's results download as two spreadsheets, trainee by trainee and case by case."""

import csv
import io

import pytest
from django.test import Client

from sinsquiz import sins
from sinsquiz.progress.models import Cohort
from tests.factories import EducatorFactory, TraineeFactory, commit
from tests.queries import count_queries
from tests.sets.conftest import make_assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(client, clock, cohort, cases, trainee):
    """A practice set of three cases; the trainee has committed the first with the pain component wrong."""
    assignment = make_assignment(cohort, cases, mode="practice")
    client.post(f"/sets/{assignment.pk}/start/")
    attempt = commit(client, cases[0], pain="none")
    educator = EducatorFactory()
    cohort.educators.add(educator)
    client.force_login(educator)
    return assignment, attempt


def download(client, assignment, table):
    response = client.get(f"/sets/{assignment.pk}/results/{table}.csv")
    return response, list(csv.reader(io.StringIO(response.getvalue().decode())))


def test_the_trainees_table_has_one_row_per_trainee_keyed_by_username(client, answered, trainee):
    assignment, attempt = answered

    response, rows = download(client, assignment, "trainees")

    assert response["Content-Disposition"] == 'attachment; filename="spine-metastases-week-1-trainees.csv"'
    assert rows[0][:7] == ["trainee", "name", "started", "finished", "unfinished", "cases_answered", "set_cases"]
    assert len(rows) == 2
    assert rows[1][:2] == [trainee.username, trainee.get_full_name()]
    assert rows[1][4:8] == ["in progress", "1", "3", str(attempt.components_right)]


def test_the_cases_table_has_one_row_per_case_with_each_components_share_right(client, answered, cases):
    assignment, _ = answered

    _, rows = download(client, assignment, "cases")

    assert rows[0] == ["case", "title", "trainees", "facility", "discrimination",
                       *(f"{c.name}_right_share" for c in sins.COMPONENTS)]  # fmt: skip
    answered_case = next(row for row in rows[1:] if row[0] == cases[0].slug)
    assert answered_case[1:3] == [cases[0].title, "1"]
    assert answered_case[6] == "0.0"  # pain: the one trainee got it wrong


def test_a_table_the_page_does_not_have_is_not_found(client, answered):
    assignment, _ = answered

    assert client.get(f"/sets/{assignment.pk}/results/everything.csv").status_code == 404


def test_a_sitting_left_unfinished_says_whether_it_is_in_progress_or_how_it_ended(client, clock, cohort, cases):
    assignment = make_assignment(cohort, cases, mode="assessment", time_limit=30)
    client.post(f"/sets/{assignment.pk}/start/")
    educator = EducatorFactory()
    cohort.educators.add(educator)
    client.force_login(educator)

    during = client.get(f"/sets/{assignment.pk}/results/").content.decode()
    clock.move(minutes=31)
    after = client.get(f"/sets/{assignment.pk}/results/").content.decode()
    clock.move(days=3)
    client.force_login(educator)  # the session has outlived its age meanwhile
    closed = client.get(f"/sets/{assignment.pk}/results/").content.decode()

    assert '<span class="muted">in progress</span>' in during
    assert '<span class="muted">not finished: time up</span>' in after
    assert '<span class="muted">not finished: time up</span>' in closed  # its own time ran out first


def test_a_sitting_with_no_time_limit_left_unfinished_ends_with_the_set(client, clock, cohort, cases):
    assignment = make_assignment(cohort, cases, mode="assessment")
    client.post(f"/sets/{assignment.pk}/start/")
    educator = EducatorFactory()
    cohort.educators.add(educator)
    clock.move(days=3)
    client.force_login(educator)

    closed = client.get(f"/sets/{assignment.pk}/results/").content.decode()

    assert '<span class="muted">not finished: set closed</span>' in closed


def test_an_educator_reads_only_the_trainees_of_the_cohorts_they_follow(client, answered, cases):
    assignment, _ = answered
    other = Cohort.objects.create(name="Fellows")
    stranger = TraineeFactory(username="stranger")
    other.trainees.add(stranger)
    assignment.cohorts.add(other)
    stranger_client = Client()
    stranger_client.force_login(stranger)
    commit(stranger_client, cases[1])

    page = client.get(f"/sets/{assignment.pk}/results/")
    _, rows = download(client, assignment, "trainees")

    assert "stranger" not in page.content.decode()
    assert [row[0] for row in rows[1:]] == [page.context["report"].trainees[0].trainee.username]
    assert page.context["report"].overall.first == 1  # the stranger's answer counts nowhere here


def test_the_results_and_the_list_of_assignments_cost_the_same_queries_for_one_trainee_and_for_ten(
    client, answered, cohort, cases
):
    assignment, _ = answered
    pages = (
        f"/sets/{assignment.pk}/results/",
        f"/sets/{assignment.pk}/results/trainees.csv",
        "/admin/sets/assignment/",
    )
    before = [count_queries(client, page) for page in pages]
    for n in range(9):
        trainee = TraineeFactory(username=f"extra{n}")
        cohort.trainees.add(trainee)
        someone = Client()
        someone.force_login(trainee)
        someone.post(f"/sets/{assignment.pk}/start/")
        commit(someone, cases[0])
    make_assignment(Cohort.objects.create(name="Another year"), cases).cohorts.add(cohort)

    assert [count_queries(client, page) for page in pages] == before
