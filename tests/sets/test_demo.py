"""The demo's case sets: an assessment the demo cohort sat last week, and an open practice set for resident1."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cases.demo.assignments import ASSESSMENT, PRACTICE, create_assignments
from sinsquiz.sets.models import Assignment, SetAnswer, Sitting
from sinsquiz.training.models import Attempt
from tests.factories import ensure_roles


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, DEBUG=True, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        ensure_roles()
        call_command("seed_demo", stdout=io.StringIO())  # which makes the sets, once
        yield {"made": SetAnswer.objects.filter(sitting__assignment__case_set__title=ASSESSMENT).count(),
               "again": create_assignments()}  # fmt: skip
        transaction.set_rollback(True)


def test_the_assessment_closed_last_week_with_answers_released_at_its_close(demo, db):
    taken = Assignment.objects.get(case_set__title=ASSESSMENT)
    answers = Attempt.objects.filter(set_answer__sitting__assignment=taken)

    assert demo["made"] == answers.count() > 10 and demo["again"] == 0
    assert set(answers.values_list("feedback_from", flat=True)) == {taken.closes}
    assert Sitting.objects.filter(assignment=taken).count() == 5
    assert all(a.submitted < taken.closes for a in answers)


def test_the_educator_reads_the_results_and_resident1_sees_the_practice_set(demo, client):
    taken = Assignment.objects.get(case_set__title=ASSESSMENT)
    client.force_login(User.objects.get(username="educator"))
    report = client.get(f"/sets/{taken.pk}/results/").context["report"]
    assert report.started == 5 and len(report.case_rows) == 5

    client.force_login(User.objects.get(username="resident1"))
    home = client.get("/").content.decode()
    assert PRACTICE in home and "0 of 5 done" in home and ASSESSMENT not in home
    assert SetAnswer.objects.filter(sitting__trainee__username="resident1").count() == 0
