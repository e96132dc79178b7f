"""Grading a trainee's reading against the reference, item by item."""

import itertools
from dataclasses import replace

import pytest

from sinsquiz import grading, sins

REFERENCE = sins.Reading(
    level="T7",
    location="semirigid",
    pain="mechanical",
    bone_lesion="lytic",
    alignment="normal",
    collapse="lt50",
    posterolateral="unilateral",
    absent_pedicle="present",
    tomita=4,
    escc="1b",
)  # total 9, potentially unstable

OPTIONS = {
    "level": list(sins.LEVELS),
    **{c.name: list(c.codes) for c in sins.COMPONENTS},
    "absent_pedicle": [c.code for c in sins.ABSENT_PEDICLE],
    "tomita": [t.type for t in sins.TOMITA_TYPES],
    "escc": [g.code for g in sins.ESCC_GRADES],
}


def with_item(reading: sins.Reading, item: str, value) -> sins.Reading:
    changed = replace(reading, **{item: value})
    if item == "level":  # keep the reading valid: the location follows the level
        changed = replace(changed, location=sins.location_for_level(value))
    return changed


@pytest.mark.parametrize("item", OPTIONS)
def test_every_item_and_every_option_pair_is_right_only_when_equal(item):
    for mine, theirs in itertools.product(OPTIONS[item], repeat=2):
        result = grading.grade(
            with_item(REFERENCE, item, mine), with_item(REFERENCE, item, theirs), escc_asked=True
        ).item(item)

        assert result.verdict == (grading.RIGHT if mine == theirs else grading.WRONG), (mine, theirs)
        assert (result.yours, result.reference) == (mine, theirs)
        if item in sins.COMPONENTS_BY_NAME:
            component = sins.COMPONENTS_BY_NAME[item]
            assert (result.your_points, result.reference_points) == (component.points(mine), component.points(theirs))
            assert result.definition == component.option(theirs).definition
        else:
            assert result.your_points is None
        assert result.reference_label and result.yours_label
        assert bool(result.your_definition) == (mine != theirs)


def test_a_perfect_reading_is_all_right_and_says_so():
    result = grading.grade(REFERENCE, REFERENCE, escc_asked=True)

    assert all(item.is_right for item in result.items)
    assert result.summary == "6 of 6 SINS components right; category right"
    assert result.consultation == grading.AGREE
    assert result.item("location").mapping == "T7 lies in T3–T10: semirigid, 1 point."


def test_totals_categories_and_the_summary_line():
    yours = replace(REFERENCE, pain="none", collapse="gt50")  # 9 - 3 + 1 = 7

    result = grading.grade(yours, REFERENCE, escc_asked=True)

    assert (result.your_score.total, result.reference_score.total) == (7, 9)
    assert result.total_difference == -2
    assert result.category_right
    assert result.components_right == 4
    assert result.summary == "4 of 6 SINS components right; category right"


def test_under_triage_is_flagged_as_the_dangerous_error():
    yours = replace(REFERENCE, pain="none", bone_lesion="blastic", collapse="none")  # 1 + 0 + 0 + 0 + 0 + 1 = 2

    result = grading.grade(yours, REFERENCE, escc_asked=True)

    assert result.consultation == grading.UNDER_TRIAGE
    assert "dangerous" in result.consultation_text
    assert result.summary.endswith("category wrong; under-triage")


def test_over_triage_is_flagged():
    reference = replace(REFERENCE, pain="none", collapse="none")  # 1 + 0 + 2 + 0 + 0 + 1 = 4
    yours = replace(reference, alignment="subluxation")  # 8

    result = grading.grade(yours, reference, escc_asked=True)

    assert result.consultation == grading.OVER_TRIAGE
    assert "Over-triage" in result.consultation_text


def test_an_answer_another_expert_gave_is_within_expert_disagreement():
    other = grading.OtherExpert("Dr B", replace(REFERENCE, bone_lesion="mixed"))

    result = grading.grade(replace(REFERENCE, bone_lesion="mixed"), REFERENCE, others=[other], escc_asked=True)

    item = result.item("bone_lesion")
    assert item.verdict == grading.WITHIN_DISAGREEMENT
    assert item.agreeing_experts == ("Dr B",)
    assert item.verdict_label == "Within expert disagreement"
    assert result.components_right == 5  # not counted as right against the primary reference


def test_escc_is_not_graded_when_the_case_does_not_ask_for_it():
    yours = replace(REFERENCE, escc=None)

    result = grading.grade(yours, REFERENCE, escc_asked=False)

    assert result.item("escc").verdict == grading.NOT_ASKED


def test_the_rationale_and_key_image_travel_with_each_item():
    result = grading.grade(
        REFERENCE, REFERENCE, rationales={"collapse": "See the sagittal CT."}, key_slices={"collapse": 42},
        escc_asked=True,
    )  # fmt: skip

    assert result.item("collapse").rationale == "See the sagittal CT."
    assert result.item("collapse").key_slice == 42
    assert result.item("pain").rationale == ""


def test_an_incomplete_reading_cannot_be_graded():
    with pytest.raises(sins.SinsError, match="pain"):
        grading.grade(replace(REFERENCE, pain=None), REFERENCE)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"location": "junctional"}, "You named T7 but chose junctional: T7 is semirigid."),
        ({"posterolateral": "none", "absent_pedicle": "absent", "tomita": 2, "escc": "0"}, "Tomita type 2 (body and"),
        ({"tomita": 3, "escc": "2"}, "ESCC grade 2 means tumour outside the bone"),
        ({"tomita": 4, "escc": "0"}, "Tomita type 4 is epidural extension, but ESCC grade 0"),
    ],
)
def test_contradictions_between_the_trainees_own_answers_are_pointed_out(changes, fragment):
    result = grading.grade(replace(REFERENCE, **changes), REFERENCE, escc_asked=True)

    inconsistent = [note.text for note in result.notes if note.kind == "inconsistent"]
    assert any(fragment in text for text in inconsistent), inconsistent


def test_a_consistent_reading_has_no_contradictions():
    result = grading.grade(REFERENCE, REFERENCE, escc_asked=True)

    assert [note for note in result.notes if note.kind == "inconsistent"] == []


@pytest.mark.parametrize("posterolateral", ["unilateral", "bilateral"])
def test_tomita_1_with_posterolateral_points_is_a_prompt_to_look_again_not_a_contradiction(posterolateral):
    yours = replace(REFERENCE, tomita=1, escc="0", posterolateral=posterolateral)

    result = grading.grade(yours, REFERENCE, escc_asked=True)

    assert [note.kind for note in result.notes if "Tomita type 1" in note.text] == ["second_look"]
    look_again = next(note.text for note in result.notes if note.kind == "second_look")
    assert f"you scored {posterolateral} posterolateral involvement" in look_again
    assert "fractured facet or costovertebral joint counts too" in look_again


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"posterolateral": "none", "tomita": 4, "escc": "2"}, "scored posterolateral involvement as none"),
        ({"bone_lesion": "blastic"}, "a purely blastic lesion keeps, or thickens"),
    ],
)
def test_a_missing_pedicle_beside_no_posterolateral_points_or_a_blastic_lesion_is_a_prompt_to_look_again(
    changes, fragment
):
    result = grading.grade(replace(REFERENCE, **changes), REFERENCE, escc_asked=True)

    assert [note.kind for note in result.notes if fragment in note.text] == ["second_look"]


def test_a_wrong_bone_lesion_brings_the_signal_table_and_treatment_brings_its_warning():
    reference = replace(REFERENCE, bone_lesion="blastic", absent_pedicle="absent")
    result = grading.grade(REFERENCE, reference, escc_asked=True, prior_treatment="radiotherapy")

    teaching = [note.text for note in result.notes if note.kind == "teaching"]
    assert any(text.startswith("Osteoblastic (sclerotic) lesions: on CT hyperdense") for text in teaching)
    assert (
        "This patient has been treated. Chemotherapy or radiotherapy can make a lytic metastasis sclerotic"
        in " ".join(teaching)
    )


def escc_note(result: grading.Grade) -> str:
    return next(note.text for note in result.notes if note.text.startswith("ESCC grade"))


def test_for_a_stable_spine_the_escc_note_teaches_the_noms_defaults_and_calls_1c_debated():
    stable = replace(REFERENCE, pain="none", escc="1c")  # total 6

    note = escc_note(grading.grade(stable, stable, escc_asked=True))

    assert note.startswith("ESCC grade 1c is borderline: whether it counts as low- or high-grade is debated.")
    assert "low-grade epidural disease" not in note
    assert sins.ESCC_MANAGEMENT in note
    assert note.endswith("A new sensory level or new weakness is a clinical sign of cord compression and an emergency.")


@pytest.mark.parametrize(
    ("changes", "category"), [({}, "potentially unstable"), ({"alignment": "subluxation"}, "unstable")]
)
def test_when_the_spine_may_be_unstable_the_escc_note_asks_for_a_surgical_opinion_whatever_the_grade(changes, category):
    reference = replace(REFERENCE, escc="1b", **changes)  # low grade: radiotherapy first, were the spine stable

    note = escc_note(grading.grade(reference, reference, escc_asked=True))

    assert f"The reference SINS is {reference.score.total}, {category}." in note
    assert "surgical opinion on stabilisation whatever the ESCC grade" in note
    assert "grades 0 to 1b to radiotherapy first" not in note
    assert "sign of cord compression and an emergency" in note


def test_the_module_is_pure():
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, sinsquiz.grading; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(grading.__file__).parents[1]
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("item", "code", "label", "definition"),
    [
        *[(c.name, o.code, o.label, o.definition) for c in sins.COMPONENTS for o in c.options],
        *[("absent_pedicle", a.code, a.label, a.definition) for a in sins.ABSENT_PEDICLE],
        *[("tomita", t.type, t.label, t.definition) for t in sins.TOMITA_TYPES],
        *[("escc", g.code, g.choice_label, g.definition) for g in sins.ESCC_GRADES],
        ("level", "T7", sins.level_label("T7"), sins.explain_location("T7") + "."),
    ],
)
def test_every_answer_is_written_out_with_the_words_of_sins(item, code, label, definition):
    assert grading.option_label(item, code) == label
    assert grading.option_definition(item, code) == definition
    assert (grading.option_label(item, None), grading.option_definition(item, "")) == ("—", "")


def test_the_summary_names_the_items_beyond_sins_that_are_wrong():
    result = grading.grade(replace(REFERENCE, level="T8", tomita=2), REFERENCE, escc_asked=True)

    assert result.summary == ("6 of 6 SINS components right; category right; index level and Tomita type wrong")
