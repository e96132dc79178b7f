"""The synthetic spine images: what each series holds, that it is reproducible, and that every finding is drawn
with the density or signal the teaching tables give it, measured on the pixels."""

import pytest
from PIL import Image, ImageFilter, ImageStat

from cases.demo import dicom, phantoms
from cases.demo.phantoms import (
    SERIES_KINDS,
    Findings,
    alt_text,
    axial_levels,
    body_box,
    canal_box,
    lesion_box,
    marrow_box,
    pedicle_box,
    render_series,
)
from sinsquiz import sins

SIZES = {"sagittal": (384, 512), "axial": (384, 384), "ap": (448, 576), "lateral": (448, 576)}
MIDLINE = 2  # the middle of the five sagittal images
CT_MIDDLE, MR_MIDDLE = 3, 4  # the middle of the axial stacks: through the index vertebra


def findings(**changes) -> Findings:
    """A small lytic lesion at T7 with nothing else wrong, changed as a test needs."""
    base = {
        "level": "T7",
        "bone_lesion": "lytic",
        "collapse": "none",
        "alignment": "normal",
        "posterolateral": "none",
        "absent_pedicle": "absent",
        "tomita": 1,
    }
    return Findings(**{**base, **changes})


def image(f: Findings, kind: str, index: int = 0) -> Image.Image:
    return render_series(f, kind)[index]


def mean(img: Image.Image, box) -> float:
    return ImageStat.Stat(img.crop(box)).mean[0]


def share(img: Image.Image, box, low: int = 0, high: int = 255) -> float:
    """The fraction of the pixels in a box whose value lies from low to high."""
    counts = img.crop(box).histogram()
    return sum(counts[low : high + 1]) / sum(counts)


# --- What the series hold --------------------------------------------------------------------------------------


def test_the_series_kinds_the_demo_library_relies_on_are_declared():
    expected = {
        "xr_ap": ("radiograph", "ap", 1),
        "xr_lateral": ("radiograph", "lateral", 1),
        "ct_sagittal_bone": ("ct", "sagittal", 5),
        "ct_axial_bone": ("ct", "axial", 7),
        "mr_sagittal_localiser": ("mri", "sagittal", 1),
        "mr_sagittal_t1": ("mri", "sagittal", 5),
        "mr_sagittal_t2": ("mri", "sagittal", 5),
        "mr_sagittal_stir": ("mri", "sagittal", 5),
        "mr_axial_t2": ("mri", "axial", 9),
    }
    for code, (modality, plane, slices) in expected.items():
        kind = SERIES_KINDS[code]
        assert (kind.code, kind.modality, kind.plane, kind.slices) == (code, modality, plane, slices)


@pytest.mark.parametrize("level", ["OCCIPUT", "C1", "C5", "T7", "L5", "S1", "S5"])
def test_every_series_has_its_declared_images_anywhere_in_the_spine(level):
    # Findings that exercise most of the drawing: collapse, tumour in pedicle, lamina and canal.
    f = findings(level=level, collapse="lt50", posterolateral="unilateral", tomita=3, escc="1b")
    for kind in SERIES_KINDS.values():
        images = render_series(f, kind.code)
        assert len(images) == kind.slices
        assert {img.mode for img in images} == {"L"}
        assert {img.size for img in images} == {kind.size}
        assert kind.size == SIZES[kind.plane] or kind.whole_spine


def test_no_image_names_a_level_so_the_reader_counts(monkeypatch):
    burned_in = []
    original = phantoms._label
    monkeypatch.setattr(
        phantoms, "_label", lambda img, xy, text, *a, **k: burned_in.append(text) or original(img, xy, text, *a, **k)
    )
    for kind in SERIES_KINDS:
        render_series(findings(level="T12", collapse="lt50"), kind)
    levels = {sins.level_label(code) for code in sins.LEVELS}
    assert burned_in and not levels & set(burned_in)
    assert {"R", "L", "AP", "SAG T2", "3/5"} <= set(burned_in)


def test_the_ct_written_as_dicom_has_no_text_burned_in_as_a_scanner_writes_none(monkeypatch):
    burned_in = []
    monkeypatch.setattr(phantoms, "_label", lambda img, xy, text, *a, **k: burned_in.append(text))
    volume = dicom.ct_volume(findings(level="T12", collapse="lt50"), "ct_axial_bone")
    assert len(volume) == SERIES_KINDS["ct_axial_bone"].slices and burned_in == []
    render_series(findings(level="T12", collapse="lt50"), "ct_axial_bone")
    assert "CT AX BONE" in burned_in  # the exported pictures keep theirs


def test_the_localiser_shows_the_whole_spine_with_the_lesion_at_its_level():
    f = findings(level="L1", bone_lesion="lytic", collapse="involved_gt50")
    localiser = image(f, "mr_sagittal_localiser")
    assert localiser.size[1] > localiser.size[0]
    tops = [body_box(f, "mr_sagittal_localiser", level)[1] for level in ("C2", "T1", "L1", "S1")]
    assert tops == sorted(tops)  # the skull base to the sacrum, top to bottom
    marrow = mean(localiser, marrow_box(f, "mr_sagittal_localiser", 0))
    assert mean(localiser, lesion_box(f, "mr_sagittal_localiser", 0)) > marrow + 40  # bright on T2


@pytest.mark.parametrize(
    ("level", "expected"),
    [("T7", ["T6", "T7", "T7", "T7", "T7", "T7", "T8"]), ("C1", ["OCCIPUT", "C1", "C1", "C1", "C1", "C1", "C2"]),
     ("OCCIPUT", ["OCCIPUT"] * 5 + ["C1", "C2"]), ("S5", ["S3", "S4"] + ["S5"] * 5)],
)  # fmt: skip
def test_the_axial_stacks_include_the_neighbouring_levels(level, expected):
    f = findings(level=level)
    assert axial_levels(f, "ct_axial_bone") == expected
    assert axial_levels(f, "mr_axial_t2")[0] == expected[0]
    assert len(set(axial_levels(f, "mr_axial_t2"))) == len(set(expected))


def test_unusual_combinations_still_render():
    f = findings(
        level="S5",
        bone_lesion="blastic",
        collapse="gt50",
        alignment="subluxation",
        posterolateral="none",
        absent_pedicle="present",
        tomita=6,
        escc="3",
        side="right",
    )
    for kind in ("xr_ap", "mr_axial_t2", "mr_sagittal_t2"):
        assert render_series(f, kind)


def test_the_same_arguments_give_the_same_bytes():
    f = findings(bone_lesion="mixed", tomita=7, extra_levels=("T4",))
    for kind in ("xr_ap", "ct_axial_bone", "mr_sagittal_stir"):
        first = [img.tobytes() for img in render_series(f, kind, seed=3)]
        again = [img.tobytes() for img in render_series(f, kind, seed=3)]
        assert first == again


def test_another_seed_gives_another_picture_of_the_same_case():
    f = findings()
    assert image(f, "mr_sagittal_t2", MIDLINE).tobytes() != render_series(f, "mr_sagittal_t2", 1)[MIDLINE].tobytes()


def test_an_unknown_series_kind_or_finding_is_an_error():
    with pytest.raises(ValueError):
        render_series(findings(), "pet_coronal")
    with pytest.raises(sins.SinsError):
        render_series(findings(level="T13"), "xr_ap")
    with pytest.raises(sins.SinsError):
        render_series(findings(collapse="total"), "xr_ap")


# --- Alt text ------------------------------------------------------------------------------------------------


def test_alt_text_names_the_examination_and_the_image():
    assert (
        alt_text("mr_sagittal_t2", 2, 5, "thoracic") == "Sagittal T2-weighted MRI of the thoracic spine, image 3 of 5"
    )
    assert alt_text("xr_ap", 0, 1, "lumbar") == "AP radiograph of the lumbar spine"
    assert alt_text("ct_axial_bone", 0, 5, "sacral").startswith("Axial CT in bone window of the sacrum")


def test_alt_text_gives_nothing_of_the_reading_away():
    words = {"lytic", "blastic", "mixed", "collapse", "lesion", "tumour", "pedicle", "fracture", "compression"}
    for code in SERIES_KINDS:
        text = alt_text(code, 0, 5, "cervical").lower()
        assert not words & set(text.replace(",", " ").split())


# --- Signal and density of the lesion --------------------------------------------------------------------------

# (series, lesion type, how much brighter than normal marrow the lesion must at least be; negative: darker)
SIGNAL = [
    ("mr_sagittal_t1", "lytic", -40),
    ("mr_sagittal_t1", "blastic", -40),
    ("mr_sagittal_t1", "mixed", -40),
    ("mr_sagittal_t2", "lytic", +40),
    ("mr_sagittal_t2", "blastic", -40),
    ("mr_sagittal_stir", "lytic", +40),
    ("mr_sagittal_stir", "blastic", -5),  # normal marrow is dark on STIR too
    ("ct_sagittal_bone", "lytic", -40),
    ("ct_sagittal_bone", "blastic", +40),
    ("xr_lateral", "lytic", -40),
    ("xr_lateral", "blastic", +40),
    ("xr_ap", "lytic", -40),
    ("xr_ap", "blastic", +40),
]


@pytest.mark.parametrize(("kind", "bone", "margin"), SIGNAL)
def test_the_lesion_has_the_signal_or_density_of_its_type(kind, bone, margin):
    f = findings(bone_lesion=bone)
    index = SERIES_KINDS[kind].slices // 2
    img = image(f, kind, index)
    difference = mean(img, lesion_box(f, kind, index)) - mean(img, marrow_box(f, kind, index))
    assert difference > margin if margin > 0 else difference < margin


def test_a_mixed_lesion_holds_both_lucent_and_sclerotic_bone_on_ct():
    f = findings(bone_lesion="mixed", collapse="involved_gt50")
    img = image(f, "ct_sagittal_bone", MIDLINE)
    marrow = round(mean(img, marrow_box(f, "ct_sagittal_bone", MIDLINE)))
    lesion = lesion_box(f, "ct_sagittal_bone", MIDLINE)
    assert share(img, lesion, high=marrow - 30) > 0.15  # lucent
    assert share(img, lesion, low=marrow + 50) > 0.15  # sclerotic


def test_on_axial_ct_a_lytic_lesion_is_darker_and_a_blastic_one_brighter_than_the_cortex_around_it():
    lytic, blastic = findings(), findings(bone_lesion="blastic")
    assert mean(image(lytic, "ct_axial_bone", CT_MIDDLE), lesion_box(lytic, "ct_axial_bone", CT_MIDDLE)) < 100
    assert mean(image(blastic, "ct_axial_bone", CT_MIDDLE), lesion_box(blastic, "ct_axial_bone", CT_MIDDLE)) > 190


def test_other_involved_levels_carry_lesions_too():
    f = findings(level="L4", bone_lesion="blastic", tomita=7, extra_levels=("L2", "S1"))
    img = image(f, "mr_sagittal_t1", MIDLINE)
    marrow = mean(img, marrow_box(f, "mr_sagittal_t1", MIDLINE))
    for level in ("L2", "L4", "S1"):
        assert mean(img, lesion_box(f, "mr_sagittal_t1", MIDLINE, level=level)) < marrow - 40


# --- Collapse and alignment ------------------------------------------------------------------------------------


def endplate_span(img: Image.Image, box) -> int:
    """Height in pixels between the outermost bright (cortical) pixels down the middle of a body on CT."""
    x = (box[0] + box[2]) // 2
    bright = [y for y in range(box[1] - 3, box[3] + 4) if img.getpixel((x, y)) > 155]
    return bright[-1] - bright[0]


@pytest.mark.parametrize(
    ("collapse", "low", "high"),
    [("gt50", 0.0, 0.5), ("lt50", 0.5, 0.85), ("involved_gt50", 0.9, 1.1), ("none", 0.9, 1.1)],
)
def test_the_index_body_keeps_the_height_its_collapse_reading_says(collapse, low, high):
    f = findings(level="T12", collapse=collapse)
    img = image(f, "ct_sagittal_bone", MIDLINE)
    index = endplate_span(img, body_box(f, "ct_sagittal_bone", "T12"))
    neighbour = endplate_span(img, body_box(f, "ct_sagittal_bone", "T11"))
    assert low < index / neighbour < high


@pytest.mark.parametrize(("collapse", "low", "high"), [("involved_gt50", 0.5, 1.0), ("none", 0.0, 0.35)])
def test_more_than_half_the_body_is_tumour_only_when_the_reading_says_so(collapse, low, high):
    # On STIR the normal marrow is dark and the lytic tumour bright, so bright pixels inside the body are tumour.
    f = findings(collapse=collapse)
    img = image(f, "mr_sagittal_stir", MIDLINE)
    assert low < share(img, body_box(f, "mr_sagittal_stir", "T7"), low=130) < high


def front_of_body(img: Image.Image, box) -> int:
    """The x of the first cortical pixel met going backwards across the middle of a body on CT."""
    y = (box[1] + box[3]) // 2
    return next(x for x in range(box[0] - 4, box[2]) if img.getpixel((x, y)) > 155)


def test_a_subluxation_shifts_the_vertebra_above_forwards_on_the_diseased_one():
    def step(alignment, upper, lower):
        f = findings(alignment=alignment, collapse="lt50")
        img = image(f, "ct_sagittal_bone", MIDLINE)
        above, below = body_box(f, "ct_sagittal_bone", upper), body_box(f, "ct_sagittal_bone", lower)
        return (front_of_body(img, below) - front_of_body(img, above)) / (below[2] - below[0])

    assert step("subluxation", "T6", "T7") > 0.2  # T6 has slipped forwards on T7
    assert abs(step("subluxation", "T7", "T8")) < 0.1  # T7 itself sits on T8 as before
    assert abs(step("normal", "T6", "T7")) < 0.1


def test_a_deformity_bends_the_column_forwards_at_the_lesion_and_tilts_it_on_the_ap_film():
    def lean(alignment, kind):
        f = findings(alignment=alignment, collapse="lt50")
        upper, index = body_box(f, kind, "T4"), body_box(f, kind, "T7")
        return ((upper[0] + upper[2]) - (index[0] + index[2])) / 2 / (index[2] - index[0])

    assert lean("deformity", "ct_sagittal_bone") < lean("normal", "ct_sagittal_bone") - 0.4  # kyphosis
    assert abs(lean("deformity", "xr_ap") - lean("normal", "xr_ap")) > 0.3  # scoliosis


# --- Posterolateral elements and the absent pedicle sign -------------------------------------------------------


@pytest.mark.parametrize(
    ("posterolateral", "involved"),
    [("none", set()), ("unilateral", {"left"}), ("bilateral", {"left", "right"})],
)
def test_tumour_replaces_the_pedicles_the_posterolateral_reading_names(posterolateral, involved):
    f = findings(posterolateral=posterolateral, collapse="involved_gt50", tomita=2 if involved else 1)
    img = image(f, "ct_axial_bone", CT_MIDDLE)
    for side in ("left", "right"):
        pedicle = mean(img, pedicle_box(f, "ct_axial_bone", side, CT_MIDDLE))
        # Tumour has soft-tissue density inside the pedicle's cortex; normal marrow is brighter.
        assert (pedicle < 140) == (side in involved), side


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_absent_pedicle_sign_removes_one_pedicle_ring_on_the_ap_film(side):
    other = {"left": "right", "right": "left"}[side]
    present = findings(absent_pedicle="present", posterolateral="unilateral", side=side, tomita=2)
    img = image(present, "xr_ap")
    assert mean(img, pedicle_box(present, "xr_ap", other)) - mean(img, pedicle_box(present, "xr_ap", side)) > 40

    absent = findings(posterolateral="unilateral", side=side, tomita=2)
    img = image(absent, "xr_ap")
    assert abs(mean(img, pedicle_box(absent, "xr_ap", other)) - mean(img, pedicle_box(absent, "xr_ap", side))) < 15


def test_when_the_sign_is_not_assessable_the_index_level_is_too_poor_to_judge():
    def contrast(absent_pedicle):
        f = findings(absent_pedicle=absent_pedicle)
        smooth = image(f, "xr_ap").filter(ImageFilter.GaussianBlur(3))  # look past the noise
        low, high = smooth.crop(body_box(f, "xr_ap", "T7")).getextrema()
        return high - low

    assert contrast("not_assessable") < 0.5 * contrast("absent")


# --- Epidural compression --------------------------------------------------------------------------------------


def test_the_csf_around_the_cord_shrinks_with_each_escc_grade_and_is_gone_at_grade_3():
    def csf(grade):
        # CSF is the brightest thing in the canal on T2; epidural fat, tumour and cord are all darker.
        f = findings(collapse="involved_gt50", tomita=1 if grade == "0" else 4, escc=grade)
        return share(image(f, "mr_axial_t2", MR_MIDDLE), canal_box(f, "mr_axial_t2", MR_MIDDLE), low=190)

    grades = [csf(grade) for grade in ("0", "1a", "1b", "1c", "2", "3")]
    assert all(later < earlier + 0.01 for earlier, later in zip(grades, grades[1:], strict=False))
    assert grades[2] < grades[0] - 0.02  # 1b: the sac is dented
    assert grades[4] > 0.1 * grades[0]  # grade 2: the cord is compressed, but CSF is still seen
    assert grades[5] < 0.02 * grades[0]  # grade 3: no CSF left
