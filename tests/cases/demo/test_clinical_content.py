"""Each demo case's images agree with its reading, checked on the pixels: the collapse drawn sits inside the
reference's class, the tumour reaches no further than its Tomita type says, and the pedicle rings on the AP film
match the absent pedicle answer."""

import pytest
from PIL import ImageChops, ImageFilter, ImageStat

from cases.demo import phantoms
from cases.demo.library import CASES
from sinsquiz import sins

MIDLINE = 2


def case_id(demo):
    return f"{demo.reading['level']}-{demo.slug[:30]}"


def seed_of(demo, kind):
    return demo.series.index(kind)  # the library seeds each series by its order in the case


def mean(img, box) -> float:
    return ImageStat.Stat(img.crop(box)).mean[0]


def count(mask, box=None) -> int:
    return (mask.crop(box) if box else mask).histogram()[255]


# --- Collapse ------------------------------------------------------------------------------------------------

# Height kept by the index body, as a share of its neighbours', for each collapse answer, with a margin from the
# cut-offs: a teaching example sits well inside its class.
KEPT = {"gt50": (0.0, 0.45), "lt50": (0.6, 0.85), "involved_gt50": (0.93, 1.07), "none": (0.93, 1.07)}


def endplate_span(img, box) -> int:
    """Height in pixels between the outermost cortical pixels down the middle of a body on sagittal CT."""
    x = (box[0] + box[2]) // 2
    bright = [y for y in range(box[1] - 3, box[3] + 4) if img.getpixel((x, y)) > 155]
    return bright[-1] - bright[0]


@pytest.mark.parametrize("demo", [d for d in CASES if d.reading["level"][0] != "S"], ids=case_id)
def test_the_collapse_drawn_sits_inside_the_reference_class(demo):
    f, kind = demo.findings, "ct_sagittal_bone"
    img = phantoms.render_series(f, kind, seed_of(demo, kind))[MIDLINE]
    index = sins.LEVELS.index(f.level)
    neighbours = [sins.LEVELS[index + step] for step in (-1, 1)]
    normal = [
        endplate_span(img, phantoms.body_box(f, kind, level, seed_of(demo, kind)))
        for level in neighbours
        if level not in f.extra_levels and level[0] == f.level[0]
    ]
    kept = endplate_span(img, phantoms.body_box(f, kind, f.level, seed_of(demo, kind))) / (sum(normal) / len(normal))
    low, high = KEPT[f.collapse]
    assert low < kept < high, kept


@pytest.mark.parametrize("demo", CASES, ids=case_id)
def test_the_front_and_back_of_the_body_both_sit_inside_the_collapse_class(demo):
    # A wedge must not reach the cut-off at its front while its middle looks safely inside the class.
    low, high = KEPT[demo.findings.collapse]
    assert all(low < kept < high for kept in phantoms.kept_heights(demo.findings))


# --- Tumour extent and the Tomita type ---------------------------------------------------------------------------

IMAGED = [d for d in CASES if "ct_axial_bone" in d.series]


@pytest.mark.parametrize("demo", CASES, ids=case_id)
def test_tumour_in_bone_stays_inside_the_cortex(demo):
    f = demo.findings
    for kind in ("ct_axial_bone", "ct_sagittal_bone"):
        for index in range(phantoms.SERIES_KINDS[kind].slices):
            lesion = phantoms.tissue_mask(f, kind, index, {"lytic", "blastic"})
            bone = phantoms.tissue_mask(f, kind, index, {"marrow", "cortex"}, lesions=False)
            outside = ImageChops.subtract(lesion, bone.filter(ImageFilter.MaxFilter(5)))
            assert count(outside) <= 0.02 * max(1, count(lesion)), (kind, index)


@pytest.mark.parametrize("demo", CASES, ids=case_id)
def test_tumour_leaves_the_bone_only_where_the_tomita_type_says(demo):
    f, kind = demo.findings, "mr_axial_t2"
    epidural = f.tomita == 4 or f.escc != "0"
    paravertebral = f.tomita == 5
    inside_canal = outside_canal = 0
    for index in range(phantoms.SERIES_KINDS[kind].slices):
        mask = phantoms.tissue_mask(f, kind, index, {"tumour"})
        x0, y0, x1, y1 = phantoms.canal_box(f, kind, index)
        canal = (x0 - 6, y0 - 24, x1 + 6, y1)  # with the breach through the back of the body
        inside_canal += count(mask, canal)
        outside_canal += count(mask) - count(mask, canal)
    assert (inside_canal > 0) == epidural
    assert (outside_canal > 0) == paravertebral


@pytest.mark.parametrize("demo", CASES, ids=case_id)
def test_other_levels_carry_tumour_only_for_tomita_6_and_7(demo):
    f, kind = demo.findings, "mr_sagittal_t1"
    index = sins.LEVELS.index(f.level)
    mask = phantoms.tissue_mask(f, kind, MIDLINE, {"lytic", "blastic"})
    involved = set()
    for step in (-3, -2, -1, 1, 2, 3):
        if 0 <= index + step < len(sins.LEVELS):
            level = sins.LEVELS[index + step]
            x0, y0, x1, y1 = phantoms.body_box(f, kind, level)
            middle = (x0 + (x1 - x0) // 4, y0 + (y1 - y0) // 4, x1 - (x1 - x0) // 4, y1 - (y1 - y0) // 4)
            if count(mask, middle) > 0:
                involved.add(step)
    adjacent, apart = involved & {-1, 1}, involved - {-1, 1}
    assert bool(adjacent) == (f.tomita == 6)
    assert bool(apart) == (f.tomita == 7)


# --- The absent pedicle sign ------------------------------------------------------------------------------------


@pytest.mark.parametrize("demo", CASES, ids=case_id)
def test_the_pedicle_rings_on_the_ap_film_match_the_absent_pedicle_answer(demo):
    f = demo.findings
    if "xr_ap" not in demo.series:
        assert f.absent_pedicle == "not_assessable"
        return
    img = phantoms.render_series(f, "xr_ap", seed_of(demo, "xr_ap"))[0].filter(ImageFilter.GaussianBlur(1))
    levels = sins.LEVELS
    k = levels.index(f.level)
    healthy = next(levels[k + s] for s in (-1, 1, -2, 2) if levels[k + s] not in f.extra_levels)
    erased = set()
    for side in ("left", "right"):
        ring = mean(img, phantoms.pedicle_box(f, "xr_ap", side))
        normal = mean(img, phantoms.pedicle_box(f, "xr_ap", side, level=healthy))
        if ring < normal - 30:
            erased.add(side)
    expected = {"bilateral": {"left", "right"}, "unilateral": {f.side}, "none": set()}[f.posterolateral]
    assert erased == (expected if f.absent_pedicle == "present" else set())
