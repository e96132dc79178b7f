import csv
import io

import pytest
from django.core.management import CommandError, call_command

from sinsquiz.progress.models import Cohort
from tests.factories import TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempts(client):
    case = published_case()
    for name in ("ann", "ben"):
        client.force_login(TraineeFactory(username=name))
        commit(client, case, pain="none" if name == "ben" else "mechanical")
    client.get(f"/cases/{case.slug}/")  # ben's new draft is not exported
    Cohort.objects.create(name="Year 3").trainees.add(TraineeFactory._meta.model.objects.get(username="ann"))


def test_every_submitted_attempt_is_exported_with_both_readings(attempts, tmp_path):
    target = tmp_path / "attempts.csv"
    err = io.StringIO()

    call_command("export_attempts", output=str(target), stderr=err)

    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert sorted(r["trainee"] for r in rows) == ["ann", "ben"]
    ben = next(r for r in rows if r["trainee"] == "ben")
    assert (ben["trainee_pain"], ben["reference_pain"], ben["correct_pain"]) == ("none", "mechanical", "False")
    assert "Exported 2 attempts" in err.getvalue()


def test_the_export_can_be_limited_to_a_cohort_and_written_to_standard_output(attempts):
    out = io.StringIO()

    call_command("export_attempts", cohort="Year 3", stdout=out, stderr=io.StringIO())

    assert [row["trainee"] for row in csv.DictReader(io.StringIO(out.getvalue()))] == ["ann"]
    with pytest.raises(CommandError, match="no cohort called"):
        call_command("export_attempts", cohort="Nope", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_export_says_when_an_attempt_was_regraded_and_gives_times_to_the_second(attempts):
    from cases.models import Case
    from sinsquiz.training import regrading
    from tests.factories import EducatorFactory

    case = Case.objects.get()
    reading = case.readings.get(is_primary=True)
    reading.pain = "occasional"
    reading.save()
    regrading.regrade(Case.objects.get(), EducatorFactory())
    out = io.StringIO()

    call_command("export_attempts", stdout=out, stderr=io.StringIO())

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["regraded"], r["assessment"], r["reference_pain"]) for r in rows] == [("1", "False", "occasional")] * 2
    assert all(len(r["submitted"]) == len("2026-03-04T09:00:00+00:00") for r in rows)
