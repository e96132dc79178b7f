"""An assessment withholds every score and the reference from its trainee until its results are out."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from cases.models import Case
from sinsquiz.problems import reports
from sinsquiz.progress import exports
from sinsquiz.sets import sittings
from sinsquiz.sets.models import SetAnswer, Sitting
from sinsquiz.training import drafts, regrading
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, commit
from tests.security.matrix import APP
from tests.security.test_reference_sentinel import SENTINEL, hide_sentinels
from tests.sets.conftest import NOW, make_assignment

pytestmark = pytest.mark.django_db

WRONG = {"collapse": "gt50", "pain": "none"}


@pytest.fixture
def taken(client, clock, cohort, cases, trainee):
    """An assessment closing at noon, its first case committed (with two components wrong) at 09:00."""
    for case in cases:
        hide_sentinels(case)
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="close", closes=NOW.replace(hour=12))
    client.post(f"/sets/{assignment.pk}/start/")
    attempt = commit(client, cases[0], escc="1a", **WRONG)
    assert attempt.state == "submitted"
    return assignment, attempt


def test_before_the_close_no_trainee_page_shows_the_reference_or_the_score(client, taken, cases):
    assignment, attempt = taken
    pages = {
        "feedback": f"/attempts/{attempt.pk}/",
        "home": "/",
        "case list": "/cases/",
        "progress": "/progress/",
        "set": f"/sets/{assignment.pk}/",
        "case": f"/cases/{cases[0].slug}/",
    }
    for name, path in pages.items():
        body = client.get(path).content.decode()
        assert SENTINEL not in body, name
        assert "components right" not in body.lower().replace("sins components right", ""), name

    feedback = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "its feedback and your score open on <strong>Wednesday 4 March, 12:00" in feedback
    progress = client.get("/progress/")
    assert progress.context["summary"].attempts == 0 and list(progress.context["history"]) == []
    # Said, so that the empty page does not read as a reading lost.
    assert "1 of your readings is not counted here yet: an assessment keeps it" in progress.content.decode()
    assert client.get("/cases/").context["page"].object_list[0].last_right is None


def test_every_route_of_the_project_hides_the_reference_of_a_withheld_attempt(client, taken, world_paths):
    for path in world_paths:
        for method in ("get", "post"):
            body = getattr(client, method)(path).content.decode()
            assert SENTINEL not in body, (method, path)


@pytest.fixture
def world_paths(taken, cases):
    assignment, attempt = taken
    return [f"/attempts/{attempt.pk}/", f"/sets/{assignment.pk}/", f"/sets/{assignment.pk}/next/",
            *(f"/{pattern}" for pattern in APP if "<" not in pattern)]  # fmt: skip


def test_next_case_does_not_serve_a_withheld_answer_as_a_missed_one(client, taken, cases):
    _, attempt = taken
    for case in cases[1:]:
        commit(client, case)  # the rest of the set: all of it answered, none of it released

    assert client.get("/practice/next/").url == "/cases/"  # nothing to practise it knows of


def test_after_the_close_the_feedback_and_the_scores_show(client, taken, clock):
    assignment, attempt = taken
    clock.move(hours=3)

    feedback = client.get(f"/attempts/{attempt.pk}/").content.decode()
    set_page = client.get(f"/sets/{assignment.pk}/").content.decode()

    right = Attempt.objects.get(pk=attempt.pk).components_right
    assert f"{SENTINEL} primary reader" in feedback
    assert f"<td>{right} of 6</td>" in set_page
    progress = client.get("/progress/")
    assert progress.context["summary"].attempts == 1 and "not counted here yet" not in progress.content.decode()


def test_the_educator_sees_the_withheld_attempt_and_the_results(client, taken, cohort):
    assignment, attempt = taken
    educator = EducatorFactory()
    cohort.educators.add(educator)
    client.force_login(educator)

    assert f"{SENTINEL} primary reader" in client.get(f"/attempts/{attempt.pk}/").content.decode()
    report = client.get(f"/sets/{assignment.pk}/results/").context["report"]
    right = Attempt.objects.get(pk=attempt.pk).components_right
    assert [(t.answered, t.components_right) for t in report.trainees] == [(1, right)]
    assert report.started == 1 and report.finished == 0
    csv = client.get(f"/sets/{assignment.pk}/results/trainees.csv").getvalue().decode()
    assert f",1,3,{right},{round(right / 6, 3)}," in csv


def test_an_educator_of_another_cohort_cannot_read_the_results(client, taken):
    assignment, _ = taken
    client.force_login(EducatorFactory())

    assert client.get(f"/sets/{assignment.pk}/results/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_commits_at_the_closing_second_count_before_it_and_are_refused_at_it(migration_data, monkeypatch, cases):
    from django.utils import timezone

    from sinsquiz.progress.models import Cohort

    closes = NOW.replace(hour=12)
    trainees = [TraineeFactory() for _ in range(6)]
    cohort = Cohort.objects.create(name="At the bell")
    cohort.trainees.add(*trainees)
    assignment = make_assignment(cohort, cases[:1], mode="assessment", feedback_at="close", closes=closes)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    opened = {t.pk: drafts.open_draft(t, cases[0]) for t in trainees}
    for trainee in trainees:
        sittings.start(assignment, trainee, now=NOW)
    # Half commit a microsecond before the close, half at it: each thread's clock is its trainee's.
    moments = {t.pk: closes - timedelta(microseconds=1) if n % 2 else closes for n, t in enumerate(trainees)}
    local = threading.local()
    monkeypatch.setattr(timezone, "now", lambda: getattr(local, "now", NOW))
    order = iter(trainees)
    lock, barrier, results = threading.Lock(), threading.Barrier(len(trainees)), []

    def work():
        with lock:
            trainee = next(order)
        local.now = moments[trainee.pk]
        try:
            barrier.wait()
            results.append(drafts.submit(Attempt.objects.get(pk=opened[trainee.pk].pk), ANSWER))
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in trainees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refused = [r for r in results if isinstance(r, drafts.Refused)]
    assert len(refused) == 3 and len(results) == 6, results
    assert SetAnswer.objects.count() == 3 and Attempt.objects.submitted().count() == 3
    assert Attempt.objects.drafts().count() == 3
    assert set(Attempt.objects.submitted().values_list("feedback_from", flat=True)) == {closes}
    assert Sitting.objects.filter(finished__isnull=False).count() == 3


def test_the_feedback_on_an_earlier_practice_attempt_stays_closed_while_an_answer_is_withheld(
    client, clock, cohort, cases, trainee
):
    practised = commit(client, cases[0])  # practice, before the set was assigned
    assignment = make_assignment(cohort, cases, mode="assessment", feedback_at="close", closes=NOW.replace(hour=12))
    client.post(f"/sets/{assignment.pk}/start/")
    answered = commit(client, cases[0], **WRONG)
    assert answered.state == "submitted" and answered.feedback_from == assignment.closes

    during = client.get(f"/attempts/{practised.pk}/")
    clock.move(hours=3)
    after = client.get(f"/attempts/{practised.pk}/").context["earlier"]

    assert [t.name for t in during.templates][0] == "training/held_back.html"
    assert f"/attempts/{answered.pk}/" not in during.text
    assert {attempt.pk for attempt in after} == {practised.pk, answered.pk}  # both open once it has closed


def test_a_regrade_before_the_close_reveals_no_score_and_no_mark(client, taken, cases):
    assignment, attempt = taken
    reading = cases[0].readings.get(is_primary=True)
    reading.pain = "none" if reading.pain != "none" else "occasional"
    reading.save()

    assert regrading.regrade(Case.objects.get(pk=cases[0].pk), EducatorFactory()) == 1

    feedback = client.get(f"/attempts/{attempt.pk}/")
    dashboard = client.get("/progress/").text
    assert [t.name for t in feedback.templates][0] == "training/withheld.html"
    assert "egraded" not in feedback.text and "Original result" not in feedback.text
    assert "egraded" not in dashboard and "earlier reference" not in dashboard
    assert Attempt.objects.get(pk=attempt.pk).feedback_from == assignment.closes


def test_the_attempts_export_marks_an_answer_given_in_an_assessment(client, clock, cohort, cases, trainee):
    practised = commit(client, cases[1])
    assignment = make_assignment(cohort, cases[:1], mode="assessment", feedback_at="close")
    client.post(f"/sets/{assignment.pk}/start/")
    answered = commit(client, cases[0])

    header, *rows = exports.attempt_rows(Attempt.objects.all())

    assessment = {row[0]: row[header.index("assessment")] for row in rows}
    assert assessment == {practised.pk: False, answered.pk: True}


def test_an_answer_to_a_problem_report_is_closed_while_an_assessment_keeps_its_case(
    client, clock, cohort, cases, trainee
):
    practised = commit(client, cases[0])
    report = reports.file(practised, kind="wrong_reference", text="Is the level really T7?")
    reports.answer(report, text="Yes: the reference is T7, counted from C2.", close=True, by=EducatorFactory())
    assert "counted from C2" in client.get("/").text  # on the home page, before any assessment
    make_assignment(cohort, cases, mode="assessment")

    home = client.get("/").text
    page = client.get(f"/problems/{report.pk}/")
    again = client.get(f"/attempts/{practised.pk}/report/")

    assert "counted from C2" not in home
    assert [t.name for t in page.templates][0] == "training/held_back.html" and "counted from C2" not in page.text
    assert again.status_code == 404
