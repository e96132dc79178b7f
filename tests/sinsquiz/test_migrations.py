"""Migrations: none is missing, and a database made before the training and progress apps existed comes
forward with nothing lost."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sinsquiz import grading, sins

# What today's main had when the models moved: the last migrations of that schema.
BEFORE = [("sinsquiz", "0007_tally"), ("cases", "0004_imaged_region")]
AFTER = [("sinsquiz", "0009_models_move_to_training_and_progress"), ("training", "0001_initial"),
         ("progress", "0001_initial")]  # fmt: skip

REFERENCE = {"level": "T7", "location": "semirigid", "pain": "mechanical", "bone_lesion": "lytic",
             "alignment": "normal", "collapse": "lt50", "posterolateral": "unilateral", "absent_pedicle": "present",
             "tomita": 2}  # fmt: skip
READINGS = [
    REFERENCE,
    {**REFERENCE, "pain": "none", "collapse": "gt50"},
    {**REFERENCE, "level": "T8", "location": "semirigid", "bone_lesion": "blastic", "tomita": 4},
]


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def graded_columns(answers: dict, rationales: dict) -> tuple[dict, dict]:
    """An attempt's snapshot and graded columns, as the commit of that time wrote them."""
    snapshot = {
        "case_version": 1,
        "escc_asked": False,
        "teaching": {"points": "Mechanical pain and a lytic lesion drive this score.", "discussion": ""},
        "prior_treatment": "none",
        "primary": {"reader": "Dr Expert", "reading": {**REFERENCE, "escc": None}, "rationales": rationales,
                    "key_slices": {}},
        "others": [],
    }  # fmt: skip
    grade = grading.grade(sins.Reading(**answers), sins.Reading(**REFERENCE), rationales=rationales)
    columns = {
        **answers,
        **{f"{r.item}_correct": None if r.verdict == grading.NOT_ASKED else r.is_right for r in grade.items},
        **{f"reference_{item}": value for item, value in REFERENCE.items()},
        "total": grade.your_score.total,
        "category": grade.your_score.category,
        "reference_total": grade.reference_score.total,
        "reference_category": grade.reference_score.category,
        "consultation": grade.consultation,
        "components_right": grade.components_right,
        "reference": snapshot,
        "case_version": 1,
    }
    return columns, {"summary": grade.summary, "verdicts": [r.verdict for r in grade.items]}


def build_old_database(apps) -> dict:
    """Cases, images, readings, attempts, cohorts and a tally, written with the models of the old schema."""
    User, Group, Permission = (apps.get_model("auth", name) for name in ("User", "Group", "Permission"))
    Case, Series, Slice, Reading = (apps.get_model("cases", n) for n in ("Case", "Series", "Slice", "ReferenceReading"))
    Attempt, Cohort, Tally = (apps.get_model("sinsquiz", name) for name in ("Attempt", "Cohort", "Tally"))
    trainee = User.objects.create(username="ada", first_name="Ada", last_name="Byron")
    trainee.groups.add(Group.objects.get(name="Trainees"))
    educator = User.objects.create(username="grace", is_staff=True)
    educator.groups.add(Group.objects.get(name="Educators"))
    case = Case.objects.create(title="Back pain after breast cancer", slug="back-pain", status="published",
                               index_level="T7", region="thoracic", pain_statement="Worse on standing.")  # fmt: skip
    series = Series.objects.create(case=case, modality="ct", plane="sagittal", sequence="bone window")
    for position in range(3):
        Slice.objects.create(series=series, position=position, image=f"cases/slices/{position}.png",
                             web=f"cases/web/{position}.jpg", thumbnail=f"cases/thumbs/{position}.jpg",
                             width=96, height=128, alt_text=f"Sagittal CT, image {position + 1} of 3")  # fmt: skip
    rationales = {"collapse": "Less than half the height is lost."}
    Reading.objects.create(case=case, reader_name="Dr Expert", is_primary=True, total=9,
                           category="potentially_unstable", collapse_rationale=rationales["collapse"],
                           **REFERENCE)  # fmt: skip
    now, expected = timezone.now(), {}
    for n, answers in enumerate(READINGS):
        columns, feedback = graded_columns(answers, rationales)
        attempt = Attempt.objects.create(trainee=trainee, case=case, state="submitted", first_try=n == 0,
                                         submitted=now - timedelta(days=3 - n), **columns)  # fmt: skip
        expected[attempt.pk] = feedback
    Attempt.objects.create(trainee=trainee, case=case, pain="none", level="T7")  # a draft, half done
    cohort = Cohort.objects.create(name="Year 3")
    cohort.trainees.add(trainee)
    cohort.educators.add(educator)
    assert Tally.objects.get(trainee=trainee).submitted == 3  # the old triggers kept it
    assert Permission.objects.filter(group__name="Educators", codename="change_cohort").exists()
    return {"trainee": trainee.pk, "educator": educator.pk, "cohort": cohort.pk, "feedback": expected}


def rows(apps, app_label: str, model: str) -> list[dict]:
    return list(apps.get_model(app_label, model).objects.order_by("pk").values())


def test_a_database_from_before_the_move_comes_forward_with_nothing_lost(migrator, client):
    old = migrator.apply_initial_migration(BEFORE)
    made = build_old_database(old.apps)
    kept = {
        name: rows(old.apps, *name)
        for name in [
            ("cases", "Case"),
            ("cases", "Series"),
            ("cases", "Slice"),
            ("cases", "ReferenceReading"),
            ("sinsquiz", "Attempt"),
            ("sinsquiz", "Cohort"),
        ]  # fmt: skip
    }
    Cohort = old.apps.get_model("sinsquiz", "Cohort")
    members = list(Cohort.trainees.through.objects.values_list("cohort", "user"))
    teachers = list(Cohort.educators.through.objects.values_list("cohort", "user"))

    new = migrator.apply_tested_migration(AFTER)

    for (app_label, model), before in kept.items():
        app_label = {"Attempt": "training", "Cohort": "progress"}.get(model, app_label)
        assert rows(new.apps, app_label, model) == before, model
    Cohort = new.apps.get_model("progress", "Cohort")
    assert list(Cohort.trainees.through.objects.values_list("cohort", "user")) == members
    assert list(Cohort.educators.through.objects.values_list("cohort", "user")) == teachers
    # The educators keep their permissions on cohorts, and the tally and its triggers are gone.
    Permission = new.apps.get_model("auth", "Permission")
    granted = Permission.objects.filter(group__name="Educators", codename="change_cohort")
    assert list(granted.values_list("content_type__app_label", flat=True)) == ["progress"]
    assert "sinsquiz_tally" not in connection.introspection.table_names()
    assert not triggers_on("sinsquiz_attempt")

    # Every committed attempt's feedback, read by the app as it is now, is what it was graded as.
    from django.contrib.auth.models import User

    call_command("migrate", verbosity=0)  # the rest of the project (sessions, axes) for the pages

    client.force_login(User.objects.get(pk=made["trainee"]))
    for pk, feedback in made["feedback"].items():
        html = client.get(f"/attempts/{pk}/").content.decode()
        assert feedback["summary"][:1].upper() + feedback["summary"][1:] in html
        assert re.findall(r'<li class="item-result (\w+)">', html) == feedback["verdicts"]
    assert "Continue where you left off" in client.get("/").content.decode()  # the draft
    client.force_login(User.objects.get(pk=made["educator"]))
    assert "3 attempts" in client.get(f"/cohorts/{made['cohort']}/").content.decode()


def triggers_on(table: str) -> list[str]:
    listing = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
    }[connection.vendor]
    with connection.cursor() as cursor:  # the catalogue: no model describes it
        cursor.execute(listing, [table])
        return [name for (name,) in cursor.fetchall()]


def test_the_move_can_be_undone_and_the_tally_comes_back_counted(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    made = build_old_database(old.apps)
    migrator.apply_tested_migration(AFTER)

    back = migrator.apply_tested_migration(BEFORE)

    assert back.apps.get_model("sinsquiz", "Tally").objects.get(trainee=made["trainee"]).submitted == 3
    assert len(triggers_on("sinsquiz_attempt")) == 2
