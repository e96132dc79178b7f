"""The demo's baseline and retest: made once, after the washout, with a training effect the report finds."""

import pytest
from django.core.management import call_command

from cases.demo.retest import create_retest_pair
from sinsquiz.progress.models import Cohort
from sinsquiz.sets import retest as report
from sinsquiz.sets.models import Assignment, SetAnswer

pytestmark = pytest.mark.django_db


def test_make_runs_demo_has_a_baseline_and_retest_that_read_better_at_retest(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a-demo-password-of-our-own")
    call_command("seed_demo", verbosity=0)

    assert create_retest_pair() is None  # seed_demo made it, once
    retest = Assignment.objects.get(purpose=Assignment.Purpose.RETEST)
    retest.full_clean()
    cohort = Cohort.objects.get(name="Demo cohort")
    entry = report.cohort_retest(retest, cohort)
    assert entry.retest.pairs == 6 * 10 and entry.retest.cases == 10
    assert entry.retest.components_right.retest > entry.retest.components_right.baseline
    assert entry.retest.components_right.verdict == "better at retest"
    assert SetAnswer.objects.filter(sitting__assignment=retest, attempt__feedback_from=retest.closes).count() == 60

    client.force_login(cohort.educators.get())
    page = client.get(f"/sets/{retest.pk}/retest/").content.decode()
    assert "Demo cohort" in page and "better at retest" in page
