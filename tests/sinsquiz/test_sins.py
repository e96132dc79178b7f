"""The rules module against the published SINS table, written out here independently of sins.py."""

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from sinsquiz import sins

# Fisher et al. 2014 (Table 1 of the seed review): option code -> points.
TABLE = {
    "location": {"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0},
    "pain": {"mechanical": 3, "occasional": 1, "none": 0},
    "bone_lesion": {"lytic": 2, "mixed": 1, "blastic": 0},
    "alignment": {"subluxation": 4, "deformity": 2, "normal": 0},
    "collapse": {"gt50": 3, "lt50": 2, "involved_gt50": 1, "none": 0},
    "posterolateral": {"bilateral": 3, "unilateral": 1, "none": 0},
}

LOCATION_OF = {
    **dict.fromkeys(["OCCIPUT", "C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"], "junctional"),
    **dict.fromkeys(["C3", "C4", "C5", "C6", "L2", "L3", "L4"], "mobile"),
    **dict.fromkeys([f"T{n}" for n in range(3, 11)], "semirigid"),
    **dict.fromkeys(["S2", "S3", "S4", "S5"], "rigid"),
}

# fmt: off
ORDER = [
    "OCCIPUT", "C1", "C2", "C3", "C4", "C5", "C6", "C7",
    "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12",
    "L1", "L2", "L3", "L4", "L5",
    "S1", "S2", "S3", "S4", "S5",
]
# fmt: on


def expected_category(total):
    if total <= 6:
        return "stable"
    if total <= 12:
        return "potentially_unstable"
    return "unstable"


def test_levels_run_cranio_caudal_from_occiput_to_s5():
    assert tuple(ORDER) == sins.LEVELS


@pytest.mark.parametrize("level", ORDER)
def test_every_level_has_its_published_location_class(level):
    assert sins.location_for_level(level) == LOCATION_OF[level]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        (" t7 ", "T7"),
        ("T7", "T7"),
        ("l 5", "L5"),
        ("C0", "OCCIPUT"),
        ("c0", "OCCIPUT"),
        ("occiput", "OCCIPUT"),
        ("Occiput", "OCCIPUT"),
        ("\ts1\n", "S1"),
        ("c7", "C7"),
        ("T12", "T12"),
    ],
)
def test_normalise_level_ignores_case_and_whitespace(text, level):
    assert sins.normalise_level(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "C8",
        "T13",
        "L6",
        "S6",
        "coccyx",
        "Co1",
        "",
        "   ",
        "T0",
        "L",
        "7",
        "T7.5",
        "TT7",
        "nonsense",
        "T-7",
        "C01",
    ],
)
def test_normalise_level_refuses_what_is_not_a_level_and_says_what_is_valid(text):
    with pytest.raises(sins.SinsError) as error:
        sins.normalise_level(text)
    assert "C1–C7, T1–T12, L1–L5 or S1–S5" in str(error.value)


@pytest.mark.parametrize("value", [None, 7, ["T7"]])
def test_normalise_level_refuses_non_text(value):
    with pytest.raises(sins.SinsError):
        sins.normalise_level(value)


def test_sins_error_is_a_value_error():
    assert issubclass(sins.SinsError, ValueError)


@pytest.mark.parametrize("level", ["C8", "T13", "coccyx"])
def test_location_for_an_invalid_level_raises(level):
    with pytest.raises(sins.SinsError):
        sins.location_for_level(level)


def test_option_codes_and_points_match_the_table():
    assert {c.name: {o.code: o.points for o in c.options} for c in sins.COMPONENTS} == TABLE


def test_every_option_has_a_label_and_a_one_sentence_definition():
    for component in sins.COMPONENTS:
        for option in component.options:
            assert option.label
            assert option.definition.endswith(".")
            assert option.definition.count(". ") == 0, option.definition


def test_pain_is_three_one_zero_not_three_two_one():
    assert [o.points for o in sins.PAIN.options] == [3, 1, 0]


ALL_COMBINATIONS = list(itertools.product(*(TABLE[name].items() for name in TABLE)))


def test_every_combination_of_options_scores_the_sum_of_its_points_and_the_right_category():
    assert len(ALL_COMBINATIONS) == 4 * 3 * 3 * 3 * 4 * 3
    for combination in ALL_COMBINATIONS:
        codes = {name: code for name, (code, _) in zip(TABLE, combination, strict=True)}
        expected_total = sum(points for _, points in combination)

        result = sins.score(**codes)

        assert result.total == expected_total
        assert result.category == expected_category(expected_total)
        assert result.needs_surgical_consultation == (expected_total >= 7)
        for name, (_, points) in zip(TABLE, combination, strict=True):
            assert getattr(result, name) == points


def test_score_result_is_frozen():
    result = sins.score(
        location="junctional",
        pain="none",
        bone_lesion="lytic",
        alignment="normal",
        collapse="none",
        posterolateral="none",
    )
    with pytest.raises(AttributeError):
        result.pain = 3


def test_score_takes_keyword_arguments_only():
    with pytest.raises(TypeError):
        sins.score("junctional", "none", "lytic", "normal", "none", "none")


@pytest.mark.parametrize("component", list(TABLE))
def test_score_refuses_an_unknown_code(component):
    codes = {name: next(iter(options)) for name, options in TABLE.items()}
    codes[component] = "bogus"
    with pytest.raises(sins.SinsError, match="bogus"):
        sins.score(**codes)


def test_score_refuses_points_given_instead_of_codes():
    with pytest.raises(sins.SinsError):
        sins.score(location=3, pain=3, bone_lesion=2, alignment=4, collapse=3, posterolateral=3)


@pytest.mark.parametrize("total", range(0, 19))
def test_category_bands(total):
    assert sins.category_for_total(total) == expected_category(total)
    assert sins.needs_surgical_consultation(total) == (total >= 7)


@pytest.mark.parametrize(
    ("total", "category"),
    [(6, "stable"), (7, "potentially_unstable"), (12, "potentially_unstable"), (13, "unstable")],
)
def test_category_boundaries(total, category):
    assert sins.category_for_total(total) == category


@pytest.mark.parametrize("total", [-1, 19, 100, 6.5, "7", None, True])
def test_totals_outside_zero_to_eighteen_are_refused(total):
    with pytest.raises(sins.SinsError):
        sins.category_for_total(total)
    with pytest.raises(sins.SinsError):
        sins.needs_surgical_consultation(total)


@pytest.mark.parametrize(
    ("level", "text"),
    [
        ("T7", "T7 lies in T3–T10: semirigid, 1 point"),
        ("c1", "C1 lies in occiput–C2: junctional, 3 points"),
        ("OCCIPUT", "Occiput lies in occiput–C2: junctional, 3 points"),
        ("L3", "L3 lies in L2–L4: mobile, 2 points"),
        ("S4", "S4 lies in S2–S5: rigid, 0 points"),
        ("S1", "S1 lies in L5–S1: junctional, 3 points"),
    ],
)
def test_location_is_explained_from_the_level(level, text):
    assert sins.explain_location(level) == text


def test_every_level_lies_in_exactly_one_published_span():
    for level in ORDER:
        spans = [
            location
            for first, last, location in sins.LOCATION_SPANS
            if ORDER.index(first) <= ORDER.index(level) <= ORDER.index(last)
        ]
        assert spans == [LOCATION_OF[level]]


def test_regions():
    assert sins.region_for_level("OCCIPUT") == "cervical"
    assert sins.region_for_level("C7") == "cervical"
    assert sins.region_for_level("T1") == "thoracic"
    assert sins.region_for_level("L5") == "lumbar"
    assert sins.region_for_level("S1") == "sacral"


def test_total_range_narrows_as_components_are_chosen():
    assert sins.total_range() == (0, 18)
    assert sins.total_range(location="semirigid") == (1, 16)
    assert sins.total_range(
        location="rigid",
        pain="none",
        bone_lesion="blastic",
        alignment="normal",
        collapse="none",
        posterolateral="none",
    ) == (0, 0)
    assert sins.total_range(pain=None, alignment="subluxation") == (4, 18)


def test_total_range_refuses_unknown_components_and_codes():
    with pytest.raises(sins.SinsError):
        sins.total_range(texture="smooth")
    with pytest.raises(sins.SinsError):
        sins.total_range(pain="severe")


def test_tomita_types_one_to_seven_with_compartments():
    assert [t.type for t in sins.TOMITA_TYPES] == [1, 2, 3, 4, 5, 6, 7]
    compartments = [t.compartment for t in sins.TOMITA_TYPES]
    assert compartments == ["intracompartmental"] * 3 + ["extracompartmental"] * 3 + ["multiple"]
    assert sins.tomita_type("4").extent == "Epidural extension"
    for bad in (0, 8, "x", None):
        with pytest.raises(sins.SinsError):
            sins.tomita_type(bad)


def test_the_one_point_pain_option_covers_any_pain_that_is_not_mechanical_not_only_occasional_pain():
    option = sins.PAIN.option("occasional")

    assert option.points == 1
    assert all(word in option.label for word in ("occasional", "constant", "night"))
    assert "comes and goes" in option.definition and "never stops" in option.definition


def test_tomita_type_7_is_skip_lesions_only_so_it_does_not_overlap_type_6():
    six, seven = sins.tomita_type(6), sins.tomita_type(7)

    assert "skip" in seven.extent and "non-contiguous" in seven.extent
    assert "normal vertebrae between" in seven.definition and "without" not in seven.definition
    assert "into the vertebra above or below" in six.definition


def test_the_tomita_classification_is_cited_from_the_1997_en_bloc_paper_not_the_prognostic_score():
    source = Path(sins.__file__).read_text()

    assert "Tomita et al., Spine 1997;22:324–333" in source
    assert "2001" not in source


def test_escc_grades_in_order_low_grade_to_1b_1c_debated_high_grade_from_two():
    assert [g.code for g in sins.ESCC_GRADES] == ["0", "1a", "1b", "1c", "2", "3"]
    assert [g.code for g in sins.ESCC_GRADES if g.severity.startswith("low-grade")] == ["0", "1a", "1b"]
    assert "debated" in sins.escc_grade("1c").severity
    assert [g.code for g in sins.ESCC_GRADES if g.severity.startswith("high-grade")] == ["2", "3"]
    assert sins.escc_grade(" 1C ").code == "1c"
    for bad in ("1d", "4", 2, None):
        with pytest.raises(sins.SinsError):
            sins.escc_grade(bad)


def test_the_escc_defaults_hold_only_without_mechanical_instability_and_spare_highly_radiosensitive_tumours():
    text = sins.ESCC_MANAGEMENT

    assert text.startswith("In the absence of mechanical instability")
    assert "unless the tumour is highly radiosensitive" in text
    assert "Mechanical instability (SINS 13–18, and often 7–12) calls for stabilisation whatever the grade" in text


def test_lesion_appearance_table_follows_the_signal_rules():
    table = sins.LESION_APPEARANCE_BY_CODE
    assert set(table) == set(TABLE["bone_lesion"])
    assert table["blastic"].t1 == "hypointense" and table["blastic"].t2 == "hypointense"
    assert "hyperintense" in table["lytic"].t2 and "enhances" in table["lytic"].other
    assert "prostate" in table["blastic"].typical_primaries
    assert "kidney" in table["lytic"].typical_primaries


def test_absent_pedicle_codes():
    assert [c.code for c in sins.ABSENT_PEDICLE] == ["present", "absent", "not_assessable"]


def test_the_rules_module_does_not_import_django():
    code = "import sys, sinsquiz.sins; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(sins.__file__).parents[1],
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("text", "level", "named"),
    [("a treated T4 metastasis", "T4", True), ("a treated t 4 deposit", "t4", True), ("L4-5 disc", "L4", True),
     ("the occiput", "OCCIPUT", True), ("C0 to C2", "OCCIPUT", True), ("T40 is no level", "T4", False),
     ("TL4", "L4", False), ("an old L2 fracture", "L4", False), ("", "T4", False), ("collapse of L-1", "L1", True),
     ("Th12 and below", "T12", True), ("the first lumbar vertebra", "L1", True), ("T11-12", "T12", True),
     ("Twelfth thoracic body", "T12", True), ("the second lumbar vertebra", "L1", False), ("L4/5", "L5", True),
     ("a C 2 fracture", "C2", True), ("the sacrum", "S1", False), ("12th thoracic vertebra", "T12", True),
     ("vitamin D3 deficiency", "T3", False), ("a second lumbar puncture", "L2", False), ("T7/8 disc", "T8", True),
     ("her third cervical biopsy", "C3", False), ("T12", "T2", False), ("L14", "L4", False)],
)  # fmt: skip
def test_a_text_names_a_level_only_where_it_spells_it_out(text, level, named):
    assert sins.names_level(text, level) is named


def test_a_label_inside_a_sentence_keeps_the_capital_of_a_name_or_an_abbreviation():
    assert sins.in_sentence("Vertebral body collapse") == "vertebral body collapse"
    assert sins.in_sentence("Tomita type") == "Tomita type"
    assert sins.in_sentence("ESCC grade") == "ESCC grade"
