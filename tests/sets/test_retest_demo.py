"""The demo's baseline and retest: made once, after the washout, with a training effect the report finds."""

import pytest
from django.core.management import call_command

from cases.demo.retest import create_retest_pair
from sinsquiz.progress.models import Cohort
from sinsquiz.sets import retest as report
from sinsquiz.sets.models import SetAnswer

pytestmark = pytest.mark.django_db


def test_the_demo_pair_reads_better_at_retest_and_says_five_cases_are_too_few(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a-demo-password-of-our-own")
    call_command("seed_demo", verbosity=0)
    retest = create_retest_pair()

    assert retest is not None and create_retest_pair() is None  # once
    retest.full_clean()
    cohort = Cohort.objects.get(name="Demo cohort")
    entry = report.cohort_retest(retest, cohort)
    assert entry.retest.pairs == 6 * 5 and entry.retest.cases == 5
    assert entry.retest.components_right.retest > entry.retest.components_right.baseline
    assert entry.retest.components_right.verdict == "too few cases to conclude"
    assert SetAnswer.objects.filter(sitting__assignment=retest, attempt__feedback_from=retest.closes).count() == 30

    client.force_login(cohort.educators.get())
    page = client.get(f"/sets/{retest.pk}/retest/").content.decode()
    assert "Demo cohort" in page and "too few cases to conclude" in page
