"""Drafts and commits: atomic, idempotent, and safe under concurrency."""

import threading
from datetime import timedelta

import pytest

from cases.models import Case, ReferenceReading
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, ReferenceReadingFactory, TraineeFactory, published_case
from tests.threads import run_together


@pytest.fixture
def case(db):
    return published_case()


@pytest.fixture
def trainee(db):
    return TraineeFactory()


def test_opening_a_case_twice_gives_the_same_draft(case, trainee):
    first = drafts.open_draft(trainee, case)
    second = drafts.open_draft(trainee, case)

    assert first.pk == second.pk
    assert Attempt.objects.count() == 1


def test_a_draft_keeps_partial_answers_and_its_running_total(case, trainee):
    draft = drafts.open_draft(trainee, case)

    assert drafts.save_draft(draft, {"level": "T7", "pain": "mechanical"})

    stored = Attempt.objects.get(pk=draft.pk)
    assert (stored.level, stored.pain, stored.bone_lesion) == ("T7", "mechanical", "")
    assert stored.total is None and stored.state == Attempt.State.DRAFT


def test_clearing_an_answer_in_a_draft_blanks_it(case, trainee):
    draft = drafts.open_draft(trainee, case)
    drafts.save_draft(draft, {"tomita": 3, "pain": "none"})

    drafts.save_draft(Attempt.objects.get(pk=draft.pk), {"tomita": None, "pain": ""})

    stored = Attempt.objects.get(pk=draft.pk)
    assert stored.tomita is None and stored.pain == ""


def test_submitting_grades_and_freezes_the_attempt_with_a_snapshot(case, trainee):
    draft = drafts.open_draft(trainee, case)

    attempt, submitted = drafts.submit(draft, {**ANSWER, "collapse": "gt50", "pain": "none"})

    assert submitted
    assert attempt.state == Attempt.State.SUBMITTED and attempt.submitted is not None
    assert (attempt.total, attempt.category) == (9 - 3 - 2 + 3, "potentially_unstable")
    assert (attempt.reference_total, attempt.reference_category) == (9, "potentially_unstable")
    assert attempt.collapse_correct is False and attempt.pain_correct is False and attempt.level_correct is True
    assert attempt.escc_correct is None  # the case does not ask for it
    assert attempt.components_right == 4
    assert attempt.consultation == "agree"
    assert attempt.case_version == Case.objects.get(pk=case.pk).version
    assert attempt.reference["primary"]["reading"]["collapse"] == "lt50"
    assert attempt.reference["primary"]["reader"] == "Dr A. Expert"


def test_a_submitted_attempt_never_changes_even_when_the_case_does(case, trainee):
    attempt, _ = drafts.submit(drafts.open_draft(trainee, case), ANSWER)

    ReferenceReading.objects.filter(case=case).update(collapse="gt50")
    assert drafts.save_draft(attempt, {"pain": "none"}) is False

    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.pain == "mechanical"
    assert stored.grade().item("collapse").is_right  # graded against its own snapshot


def test_a_second_submit_of_the_same_draft_returns_the_first_result(case, trainee):
    draft = drafts.open_draft(trainee, case)
    first, _ = drafts.submit(draft, ANSWER)

    again, submitted = drafts.submit(draft, {**ANSWER, "pain": "none"})

    assert not submitted
    assert again.pk == first.pk and again.pain == "mechanical"
    assert Attempt.objects.submitted().count() == 1


def test_only_the_first_submitted_attempt_at_a_case_counts_as_a_first_try(case, trainee):
    first, _ = drafts.submit(drafts.open_draft(trainee, case), ANSWER)
    second, _ = drafts.submit(drafts.open_draft(trainee, case), ANSWER)
    someone_else, _ = drafts.submit(drafts.open_draft(TraineeFactory(), case), ANSWER)

    assert (first.first_try, second.first_try, someone_else.first_try) == (True, False, True)
    assert list(Attempt.objects.filter(first_try=True).order_by("pk")) == [first, someone_else]


def test_other_expert_readings_are_in_the_snapshot(case, trainee):
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B", bone_lesion="mixed")

    attempt, _ = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, "bone_lesion": "mixed"})

    assert attempt.reference["others"] == [{"reader": "Dr B", "reading": {**ANSWER, "bone_lesion": "mixed",
                                                                          "escc": None}}]  # fmt: skip
    assert attempt.grade().item("bone_lesion").verdict == "within_disagreement"
    assert attempt.bone_lesion_correct is False


def test_a_case_without_a_primary_reading_cannot_be_graded_and_nothing_is_written(trainee):
    case = published_case()
    ReferenceReading.objects.filter(case=case).delete()
    draft = drafts.open_draft(trainee, case)

    with pytest.raises(drafts.NoReference):
        drafts.submit(draft, ANSWER)

    assert Attempt.objects.get(pk=draft.pk).state == Attempt.State.DRAFT


def test_time_spent_counts_gaps_between_saves_up_to_the_idle_limit(case, trainee):
    draft = drafts.open_draft(trainee, case)
    Attempt.objects.filter(pk=draft.pk).update(saved=draft.saved - timedelta(minutes=3))
    drafts.save_draft(Attempt.objects.get(pk=draft.pk), {"pain": "none"})
    Attempt.objects.filter(pk=draft.pk).update(saved=draft.saved - timedelta(hours=5))

    attempt, _ = drafts.submit(Attempt.objects.get(pk=draft.pk), ANSWER)

    assert timedelta(minutes=13) <= attempt.time_spent < timedelta(minutes=14)


def test_concurrent_commits_of_one_draft_give_exactly_one_attempt(migration_data):
    case, trainee = published_case(), TraineeFactory()
    draft = drafts.open_draft(trainee, case)

    results = run_together(8, lambda: drafts.submit(Attempt.objects.get(pk=draft.pk), ANSWER))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(submitted for _, submitted in results) == 1
    assert {attempt.pk for attempt, _ in results} == {draft.pk}
    assert Attempt.objects.count() == 1 and Attempt.objects.submitted().count() == 1


def test_concurrent_commits_of_a_trainees_drafts_are_all_stored_and_each_is_a_first_try(migration_data):
    trainee = TraineeFactory()
    opened = iter([drafts.open_draft(trainee, published_case(series=0)) for _ in range(6)])
    lock = threading.Lock()

    def submit_one():
        with lock:
            draft = next(opened)
        return drafts.submit(draft, ANSWER)

    results = run_together(6, submit_one)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Attempt.objects.submitted().of(trainee).filter(first_try=True).count() == 6


def test_concurrent_openings_and_autosaves_make_one_draft_and_lose_no_write(migration_data):
    case, trainee = published_case(), TraineeFactory()

    opened = run_together(8, lambda: drafts.open_draft(trainee, case))
    assert not [r for r in opened if isinstance(r, Exception)], opened
    assert len({draft.pk for draft in opened}) == 1

    items = ["pain", "bone_lesion", "alignment", "collapse", "posterolateral", "absent_pedicle"]
    draft_pk = opened[0].pk
    saves = iter(items)
    lock = threading.Lock()

    def save_one():
        with lock:
            item = next(saves)
        return drafts.save_draft(Attempt.objects.get(pk=draft_pk), {item: ANSWER[item]})

    results = run_together(len(items), save_one)

    assert results == [True] * len(items)
    stored = Attempt.objects.get(pk=draft_pk)
    assert all(getattr(stored, item) == ANSWER[item] for item in items)
