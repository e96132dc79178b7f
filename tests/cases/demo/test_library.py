"""The demo library that `make run` loads: complete, varied, idempotent, and synthetic; with its case sets, its
retest and its history. `seed_demo` is slow, so it runs once here for every test of what it makes."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.test import override_settings
from PIL import Image

from cases import archive
from cases.demo.assignments import ASSESSMENT, PRACTICE, create_assignments
from cases.demo.retest import create_retest_pair
from cases.models import Annotation, Case, ReferenceReading, Series, Slice
from sinsquiz import grading, sins
from sinsquiz.progress.models import Cohort
from sinsquiz.sets import retest as retest_report
from sinsquiz.sets.models import Assignment, SetAnswer, Sitting
from sinsquiz.training.models import Attempt
from tests.factories import ensure_roles


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module, inside a transaction that is rolled back at the end."""
    media = tmp_path_factory.mktemp("media")
    # `make run` seeds with DEBUG on (pytest-django turns it off).
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, DEBUG=True, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        ensure_roles()
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield {"media": media, "output": out.getvalue()}
        transaction.set_rollback(True)


@pytest.fixture
def primaries(library, db):
    return list(ReferenceReading.objects.primary().select_related("case"))


def test_there_are_at_least_twelve_published_cases(library, db):
    assert Case.objects.published().count() >= 12
    assert not Case.objects.exclude(status=Case.Status.PUBLISHED).exists()


def test_every_case_can_be_published_as_it_stands(library, db):
    for case in Case.objects.all():
        assert case.publication_problems() == [], case.slug


def test_the_cases_cover_every_category_bone_lesion_location_class_and_tomita_type(primaries):
    assert {r.category for r in primaries} == {c.code for c in sins.CATEGORIES}
    assert {r.bone_lesion for r in primaries} == set(sins.BONE_LESION.codes)
    assert {r.location for r in primaries} == set(sins.LOCATION.codes)
    assert {r.tomita for r in primaries} == {1, 2, 3, 4, 5, 6, 7}
    assert {"present", "absent"} <= {r.absent_pedicle for r in primaries}


def test_every_reading_is_consistent_with_the_rules(primaries):
    for reading in primaries:
        assert reading.location == sins.location_for_level(reading.level)
        assert reading.level == reading.case.index_level
        assert reading.total == reading.to_reading().score.total
        assert reading.to_reading().missing(escc_required=reading.case.asks_escc) == []


def test_one_case_has_a_second_expert_who_disagrees_on_one_component(library, db):
    second = ReferenceReading.objects.filter(is_primary=False).select_related("case").get()
    primary = second.case.primary_reading

    differences = [item for item in sins.READING_ITEMS if getattr(second, item) != getattr(primary, item)]
    assert differences == ["bone_lesion"]


def test_every_case_has_several_series_and_ct_and_mri_are_stacks_with_a_localiser(library, db):
    for case in Case.objects.prefetch_related("series__slices"):
        series = list(case.series.all())
        assert len(series) >= 4, case.slug
        assert any(one.sequence == "T2, whole spine" and len(one.slices.all()) == 1 for one in series), case.slug
        for one in series:
            count = len(one.slices.all())
            if one.modality in {Series.Modality.CT, Series.Modality.MRI} and one.sequence != "T2, whole spine":
                assert count >= 5, (case.slug, one.label)
            else:
                assert count >= 1


def test_the_images_are_greyscale_and_their_alt_text_gives_nothing_away(library, db, settings):
    settings.MEDIA_ROOT = library["media"]
    for slice_ in Slice.objects.select_related("series__case")[:60]:
        with slice_.web.open() as stored:
            assert Image.open(stored).mode == "L"
        text = slice_.alt_text.lower()
        assert slice_.series.case.index_level.lower() not in text.split()
        for word in ("lytic", "blastic", "collapse", "stable", "tumour", "lesion"):
            assert word not in text


def test_a_second_run_changes_nothing(library, db, settings, monkeypatch):
    settings.MEDIA_ROOT = library["media"]
    monkeypatch.setenv("DEMO_PASSWORD", "another-password-123")  # set only after the first run
    before = (
        list(Case.objects.values_list("slug", "version", "updated")),
        Slice.objects.count(),
        sorted(p.name for p in library["media"].rglob("*.*")),
        list(User.objects.values_list("username", "password")),
    )

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    after = (
        list(Case.objects.values_list("slug", "version", "updated")),
        Slice.objects.count(),
        sorted(p.name for p in library["media"].rglob("*.*")),
        list(User.objects.values_list("username", "password")),
    )
    assert after == before
    assert "Demo logins (password: the one they were made with; DEMO_PASSWORD sets only new ones):" in out.getvalue()


def test_the_demo_users_have_their_roles_and_are_printed(library, db):
    educator = User.objects.get(username="educator")
    assert educator.is_staff and not educator.is_superuser
    assert educator.has_perm("cases.change_case")
    for username in ("resident1", "resident2"):
        trainee = User.objects.get(username=username)
        assert trainee.groups.filter(name="Trainees").exists() and not trainee.is_staff
        assert trainee.check_password("sins-demo")
    for username in ("educator", "resident1", "resident2", "sins-demo"):
        assert username in library["output"]
    created = User.objects.filter(username__in=["educator", *(f"resident{n}" for n in range(1, 8))]).count()
    assert f"{created} new demo users" in library["output"] and created == 8  # the cohort's trainees too
    assert library["output"].count("\n  resident2") == 1  # listed once, with what to see as them


def test_the_demo_history_takes_minutes_per_case_as_a_resident_would(library, db):
    attempts = Attempt.objects.submitted()
    assert attempts.exists()
    for attempt in attempts:
        assert timedelta(minutes=2) <= attempt.time_spent <= timedelta(minutes=10)
        assert attempt.submitted - attempt.started == attempt.time_spent


@pytest.mark.django_db
def test_with_debug_off_it_refuses_the_default_password(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    users = User.objects.count()

    with pytest.raises(CommandError, match="Set DEMO_PASSWORD"):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == users


def test_titles_and_addresses_give_nothing_away(library, db):
    for case in Case.objects.all():
        words = set(case.slug.split("-")) | set(case.title.lower().replace(",", "").split())
        assert case.index_level.lower() not in words, case.slug
        for finding in ("lytic", "blastic", "sclerotic", "mixed", "collapse", "translation", "compression", "stable"):
            assert finding not in words, case.slug


def test_no_expert_reading_contradicts_itself(primaries):
    for reading in primaries:
        value = reading.to_reading()
        contradictions = [n.text for n in grading.consistency_notes(value, value) if n.kind == "inconsistent"]
        assert contradictions == [], reading.case.slug


def test_the_key_images_carry_valid_shapes_that_circle_the_index_body(primaries):
    annotations = list(Annotation.objects.select_related("slice", "reading"))

    assert {a.item for a in annotations} >= {"level", "collapse", "bone_lesion"}
    for annotation in annotations:
        annotation.full_clean()
        assert annotation.slice == getattr(annotation.reading, f"{annotation.item}_key_slice")
    circles = [a for a in annotations if a.kind == Annotation.Kind.CIRCLE]
    assert {a.label for a in circles} == {sins.level_label(reading.level) for reading in primaries}


def test_only_the_cases_that_ask_for_the_escc_grade_name_a_key_image_for_it(primaries):
    assert {reading.case.slug for reading in primaries if reading.escc_key_slice_id} == {
        reading.case.slug for reading in primaries if reading.case.asks_escc
    }


def test_the_whole_library_survives_an_archive_round_trip_unchanged(library, db, settings, tmp_path):
    """Exported, imported where the cases are not, and exported again: the same manifest and the same image bytes.
    The demo's own cases step aside (new slugs) rather than go, since the demo's attempts and case sets keep them;
    the import writes to storage of its own."""
    settings.MEDIA_ROOT = library["media"]
    slugs = sorted(Case.objects.values_list("slug", flat=True))
    first = io.BytesIO()
    archive.export(Case.objects.all(), first)
    Case.objects.update(slug=Concat(Value("was-"), "slug"))
    settings.MEDIA_ROOT = tmp_path

    report = archive.import_archive(io.BytesIO(first.getvalue()))

    assert [(case.slug, case.status, case.notes) for case in report.cases] == [(s, "published", []) for s in slugs]
    again = io.BytesIO()
    archive.export(Case.objects.filter(slug__in=slugs), again)
    with zipfile.ZipFile(first) as before, zipfile.ZipFile(again) as after:
        assert after.namelist() == before.namelist()
        assert json.loads(after.read("manifest.json")) == json.loads(before.read("manifest.json"))
        assert all(after.read(name) == before.read(name) for name in before.namelist())
        manifest = json.loads(before.read("manifest.json"))
    windows = [i["files"]["bone"] for c in manifest["cases"] for s in c["series"] for i in s["images"]]
    assert any(windows), "the CT from DICOM, with its bone window, is in the archive"


# The case sets: an assessment the demo cohort sat last week, and an open practice set for resident1.


def test_the_assessment_closed_last_week_with_answers_released_at_its_close(library, db):
    taken = Assignment.objects.get(case_set__title=ASSESSMENT)
    answers = Attempt.objects.filter(set_answer__sitting__assignment=taken)

    assert SetAnswer.objects.filter(sitting__assignment=taken).count() == answers.count() > 10
    assert create_assignments() == 0  # seed_demo made them, once
    assert set(answers.values_list("feedback_from", flat=True)) == {taken.closes}
    assert Sitting.objects.filter(assignment=taken).count() == 5
    assert all(a.submitted < taken.closes for a in answers)


def test_the_educator_reads_the_results_and_resident1_sees_the_practice_set(library, client):
    taken = Assignment.objects.get(case_set__title=ASSESSMENT)
    client.force_login(User.objects.get(username="educator"))
    report = client.get(f"/sets/{taken.pk}/results/").context["report"]
    assert report.started == 5 and len(report.case_rows) == 5

    client.force_login(User.objects.get(username="resident1"))
    home = client.get("/").content.decode()
    assert PRACTICE in home and "0 of 5 done" in home and ASSESSMENT not in home
    assert SetAnswer.objects.filter(sitting__trainee__username="resident1").count() == 0


# The baseline and retest: made once, after the washout, with a training effect the report finds.


def test_there_is_a_baseline_and_a_retest_that_reads_better_at_retest(library, client):
    assert create_retest_pair() is None  # seed_demo made it, once
    retest = Assignment.objects.get(purpose=Assignment.Purpose.RETEST)
    retest.full_clean()
    cohort = Cohort.objects.get(name="Demo cohort")
    entry = retest_report.cohort_retest(retest, cohort)
    assert entry.retest.pairs == 6 * 10 and entry.retest.cases == 10 and entry.read_between == 0
    assert entry.retest.components_right.retest > entry.retest.components_right.baseline
    assert entry.retest.components_right.verdict == "better at retest"
    assert SetAnswer.objects.filter(sitting__assignment=retest, attempt__feedback_from=retest.closes).count() == 60

    client.force_login(cohort.educators.get())
    page = client.get(f"/sets/{retest.pk}/retest/").content.decode()
    assert "Demo cohort" in page and "better at retest" in page


def test_each_residents_first_try_at_a_case_is_their_earliest_commit_at_it_dated_back_or_not(library, db):
    """The demo commits its practice, then its sets, and dates them back; the first try follows the dates."""
    attempts = Attempt.objects.submitted().filter(trainee__username__in=["resident3", "resident4", "resident7"])
    earliest = {}
    for attempt in attempts.order_by("submitted", "pk"):
        earliest.setdefault((attempt.trainee_id, attempt.case_id), attempt.pk)

    assert set(attempts.filter(first_try=True).values_list("pk", flat=True)) == set(earliest.values())
