"""Synthetic spine images ("phantoms") for the demo cases.

The demo library needs pictures before any real, anonymised studies exist. This module draws them with
Pillow alone. They are schematic, but they are built from the anatomy a reader looks for (vertebral bodies
with a cortical rim, discs, canal, thecal sac and cord, pedicles, facets, laminae, ribs) and they give each
lesion the density or signal that the teaching tables give it, so every finding a case claims can be read:

* bone lesion: lytic, blastic or mixed, with its CT density, MRI signal and radiographic density;
* collapse and alignment: the height of the index body, a wedge, a focal kyphosis or scoliosis, a translation;
* posterolateral involvement and the Tomita type: tumour in pedicles, facets, costovertebral joints,
  laminae, canal, paravertebral soft tissue and other vertebrae;
* the absent pedicle sign on the AP radiograph, and the Bilsky ESCC grade on axial and sagittal T2.

The geometry of a case is worked out once, in millimetres: a "scene" holds one vertebra per level in view,
each with its centre, tilt and heights on a midsagittal and on a coronal plane. Each series then draws the
scene in its own projection and contrast. Every random choice (lesion outline, texture, noise) comes from a
generator seeded by the arguments, so the same call always gives the same bytes.

`alt_text` is neutral on purpose: the reference reading stays secret until the trainee commits.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from sinsquiz import sins

# --- Public API -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Findings:
    """What the images of one case must show; the codes are those of `sinsquiz.sins`."""

    level: str
    bone_lesion: str
    collapse: str
    alignment: str
    posterolateral: str
    absent_pedicle: str
    tomita: int
    escc: str = "0"
    side: str = "left"
    extra_levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesKind:
    """One kind of image series a case can hold; `sequence` is the label shown to the trainee."""

    code: str
    modality: str
    plane: str
    sequence: str
    slices: int
    whole_spine: bool = False  # a localiser: the skull base to the coccyx, for counting levels

    @property
    def size(self) -> tuple[int, int]:
        return (320, 768) if self.whole_spine else SIZES[self.plane]


SERIES_KINDS: dict[str, SeriesKind] = {
    kind.code: kind
    for kind in (
        SeriesKind("xr_ap", "radiograph", "ap", "", 1),
        SeriesKind("xr_lateral", "radiograph", "lateral", "", 1),
        SeriesKind("ct_sagittal_bone", "ct", "sagittal", "CT bone window", 5),
        SeriesKind("ct_axial_bone", "ct", "axial", "CT bone window", 7),
        SeriesKind("mr_sagittal_localiser", "mri", "sagittal", "T2, whole spine", 1, whole_spine=True),
        SeriesKind("mr_sagittal_t1", "mri", "sagittal", "T1", 5),
        SeriesKind("mr_sagittal_t2", "mri", "sagittal", "T2", 5),
        SeriesKind("mr_sagittal_stir", "mri", "sagittal", "STIR", 5),
        SeriesKind("mr_axial_t2", "mri", "axial", "T2", 9),
    )
}

SIZES = {"sagittal": (384, 512), "axial": (384, 384), "ap": (448, 576), "lateral": (448, 576)}


def render_series(
    findings: Findings, kind: str, seed: int = 0, slices: int | None = None, labels: bool = True
) -> list[Image.Image]:
    """The images of one series, in order; mode "L" (8-bit greyscale); deterministic for the same arguments.
    `slices` cuts the same volume into that many images instead of the kind's own number (a long CT stack).
    `labels` burns in the series' name, the image number and, on axial images, R and L, as an exported picture
    has them; DICOM pixels have none (cases/demo/dicom.py).

    Sagittal stacks run from the patient's right through the midline to the left; axial stacks run down
    from the middle of the vertebra above the index level, through the index vertebra, to the middle of the
    one below. No image names a level: as on a real study, the reader counts from the skull base, the ribs or
    the sacrum (the whole-spine localiser shows them all).
    """
    series = replace(_series(kind), slices=slices or _series(kind).slices)
    scene = _scene(findings, seed, series.whole_spine)
    return [_render(scene, series, index, labels) for index in range(series.slices)]


def alt_text(kind: str, index: int, count: int, region: str) -> str:
    """Neutral alt text for image `index` (counted from 0) of a series of `count` images of `region`.

    It names the examination only, never a finding: 'Sagittal T2-weighted MRI of the thoracic spine, image
    3 of 5'.
    """
    series = _series(kind)
    place = "the sacrum" if region == "sacral" else f"the {region} spine"
    if series.whole_spine:
        place = "the whole spine"
    text = f"{_EXAMINATION[series.code]} of {place}"
    return f"{text}, image {index + 1} of {count}" if count > 1 else text


# --- Measurement helpers ----------------------------------------------------------------------------------
# Pixel boxes worked out from the same geometry the drawing uses, so that tests can check on the pixels that
# each finding was drawn with the density or signal it claims.

Box = tuple[int, int, int, int]


def lesion_box(findings: Findings, kind: str, index: int, seed: int = 0, level: str | None = None) -> Box:
    """A pixel box well inside the lesion of `level` (the index level by default) on image `index`.

    Raises ValueError when that image does not cut the lesion, or the level has none.
    """
    series = _series(kind)
    scene = _scene(findings, seed, series.whole_spine)
    vert = _vertebra(scene, level)
    lesion, a = vert.lesion, vert.anatomy
    if lesion is None:
        raise ValueError(f"{vert.code} has no lesion.")
    if series.plane == "axial":
        cut, t = _axial_cuts(scene, series.slices)[index]
        reach = _lesion_reach_axial(lesion, t) if cut is vert else 0.0
        if reach <= 0:
            raise ValueError(f"Image {index} of {kind} does not cut the lesion of {vert.code}.")
        frame = _axial_frame(scene)
        cx, cy = lesion.cx * a.width, a.offset + lesion.cu * a.depth
        rx, ry = 0.3 * reach * lesion.rx * a.width, 0.3 * reach * lesion.ru * a.depth
        return _box([frame.px(cx - rx, cy - ry), frame.px(cx + rx, cy + ry)])
    if series.plane == "ap":
        frame = _coronal_frame(scene, series.size)
        cx, cv = lesion.cx * a.width, lesion.cv * vert.height
        rx, rv = 0.35 * lesion.rx * a.width, 0.35 * lesion.rv * vert.height
        return _box([frame.px(*_cor_xy(vert, cx + dx, cv + dv)) for dx in (-rx, rx) for dv in (-rv, rv)])
    frame = _sagittal_frame(scene, series.size)
    sagittal_slice = series.plane == "sagittal" and not series.whole_spine
    reach = _lesion_reach_sagittal(vert, _slice_offsets(scene, series)[index]) if sagittal_slice else 1.0
    if reach <= 0:
        raise ValueError(f"Image {index} of {kind} does not cut the lesion.")
    cu, cv = a.offset + lesion.cu * a.depth, lesion.cv * vert.height
    ru, rv = 0.35 * reach * lesion.ru * a.depth, 0.35 * reach * lesion.rv * vert.height
    return _box([frame.px(*_sag_xy(vert, cu + du, cv + dv)) for du in (-ru, ru) for dv in (-rv, rv)])


def marrow_box(findings: Findings, kind: str, index: int, seed: int = 0) -> Box:
    """A pixel box of normal marrow in a neighbouring, lesion-free body on image `index` of the series.

    Only sagittal images and radiographs have one: ValueError for axial series.
    """
    series = _series(kind)
    if series.plane == "axial":
        raise ValueError("Marrow boxes are measured on sagittal images and radiographs.")
    scene = _scene(findings, seed, series.whole_spine)
    position = scene.vertebrae.index(scene.index)
    steps = [position + step for step in (-1, 1, -2, 2, -3, 3) if 0 <= position + step < len(scene.vertebrae)]
    clean = [scene.vertebrae[k] for k in steps if scene.vertebrae[k].lesion is None]
    vert = next((v for v in clean if v.anatomy.shape == "body" and v.core), None)
    if vert is None:
        raise ValueError("No lesion-free vertebral body next to the index level.")
    a = vert.anatomy
    du, dv = 0.22 * a.depth, 0.22 * vert.height
    if series.plane == "ap":
        frame = _coronal_frame(scene, series.size)
        dw = 0.15 * a.width  # keeps clear of the pedicle rings and the spinous process
        corners = [(-0.1 * a.width + x, 0.15 * vert.height + y) for x in (-dw, dw) for y in (-dv / 2, dv / 2)]
        return _box(_px(frame, _cor_xy, vert, corners))
    frame = _sagittal_frame(scene, series.size)
    return _box(_px(frame, _sag_xy, vert, [(a.offset + x, y) for x in (-du, du) for y in (-dv, dv)]))


def body_box(findings: Findings, kind: str, level: str, seed: int = 0) -> Box:
    """The pixel bounding box of the body of `level` on a sagittal, lateral or AP image."""
    series = _series(kind)
    if series.plane == "axial":
        raise ValueError("Body height is not shown on axial images.")
    scene = _scene(findings, seed, series.whole_spine)
    vert = _vertebra(scene, level)
    if series.plane == "ap":
        return _box(_px(_coronal_frame(scene, series.size), _cor_xy, vert, _coronal_body(vert)))
    corners = [(vert.anatomy.offset + u, v) for u, v in _sagittal_body(vert)]
    return _box(_px(_sagittal_frame(scene, series.size), _sag_xy, vert, corners))


def pedicle_box(
    findings: Findings, kind: str, side: str, index: int = 0, seed: int = 0, level: str | None = None
) -> Box:
    """The pixel box around a pedicle of `level` (the index level by default) on the patient's `side`: its ring
    on the AP radiograph, or the pedicle itself on an axial image that passes through the pedicles."""
    series = _series(kind)
    scene = _scene(findings, seed)
    vert = _vertebra(scene, level)
    if series.plane == "ap":
        (cx, cy), (rx, ry) = _pedicle_oval(vert, _SIGN[side])
        corners = [(cx + dx, cy + dy) for dx in (-rx, rx) for dy in (-ry, ry)]
        return _box(_px(_coronal_frame(scene, series.size), _cor_xy, vert, corners))
    if series.plane != "axial":
        raise ValueError("Pedicles are measured on the AP radiograph or on axial images.")
    cut, t = _axial_cuts(scene, series.slices)[index]
    a = cut.anatomy
    ring = a.shape in ("skull", "atlas")
    parts = _axial_ring(a) if ring else _axial_parts(a, _region_of(cut), t)
    name = f"mass_{side}" if ring else f"pedicle_{side}"
    if cut is not vert or name not in parts:
        raise ValueError(f"Image {index} of {kind} does not pass through the pedicles of {vert.code}.")
    frame = _axial_frame(scene)
    return _box([frame.px(x, y) for x, y in parts[name]])


def canal_box(findings: Findings, kind: str, index: int, seed: int = 0) -> Box:
    """The pixel box around the spinal canal on an axial image."""
    series = _series(kind)
    if series.plane != "axial":
        raise ValueError("The canal box is measured on axial images.")
    scene = _scene(findings, seed)
    cut, _ = _axial_cuts(scene, series.slices)[index]
    (cx, cy), (rx, ry) = _axial_canal_geometry(cut.anatomy)
    frame = _axial_frame(scene)
    return _box([frame.px(cx - rx, cy - ry), frame.px(cx + rx, cy + ry)])


def kept_heights(findings: Findings, seed: int = 0) -> tuple[float, float]:
    """The front and back heights the index body is drawn with, as fractions of its normal height."""
    vert = _scene(findings, seed).index
    return vert.h_front / vert.anatomy.height, vert.h_back / vert.anatomy.height


def axial_levels(findings: Findings, kind: str, seed: int = 0) -> list[str]:
    """The level each image of an axial series cuts, in order."""
    series = _series(kind)
    return [vert.code for vert, _ in _axial_cuts(_scene(findings, seed), series.slices)]


def tissue_mask(findings: Findings, kind: str, index: int, tissues, seed: int = 0, lesions: bool = True) -> Image.Image:
    """Where image `index` of a sagittal or axial series is drawn as one of `tissues` (before blur and noise):
    255 there, 0 elsewhere. With lesions=False the same image is drawn as if the spine were healthy."""
    series = _series(kind)
    if series.plane not in ("sagittal", "axial"):
        raise ValueError("Tissue masks are drawn for sagittal and axial images.")
    scene = _scene(findings, seed, series.whole_spine)
    if not lesions:
        vertebrae = tuple(replace(v, lesion=None) for v in scene.vertebrae)
        scene = replace(scene, vertebrae=vertebrae, index=vertebrae[scene.vertebrae.index(scene.index)])
    unknown = set(tissues) - set(_TISSUES)
    if unknown:
        raise ValueError(f"Unknown tissues: {', '.join(sorted(unknown))}.")
    pal = {tissue: 255 if tissue in tissues else 0 for tissue in _TISSUES}
    return _draw(scene, series, index, pal).point(lambda v: 255 if v >= 128 else 0)


def _vertebra(scene: _Scene, level: str | None) -> _Vertebra:
    if level is None:
        return scene.index
    code = sins.normalise_level(level)
    found = next((v for v in scene.vertebrae if v.code == code), None)
    if found is None:
        raise ValueError(f"{code} is not in the field of view.")
    return found


# --- Contrast: the grey level of each tissue in each kind of image ------------------------------------------
# CT is a bone window (cortex white, marrow mid-grey, soft tissue and fluid dark). On MRI, fat is bright on T1
# and on fast spin-echo T2 and dark on STIR; water (CSF, lytic tumour) is bright on T2 and STIR; sclerotic bone
# is dark everywhere. Radiographs are shown as usual: the denser, the whiter.

# fmt: off
_TISSUES = ("air", "lung", "fat", "muscle", "viscera", "brain", "vessel", "csf", "cord", "root",
            "annulus", "nucleus", "marrow", "cortex", "lytic", "blastic", "tumour", "joint")
_GREY_LEVELS = {
    #         air lung  fat musc visc brain vess  csf cord root annu nucl marr cort lyti blas tumo joint
    "ct":   (   0,  10,  42,  74,  76,  72,  80,  64,  68,  68,  92,  88, 130, 240,  72, 226,  78,  60),
    "t1":   (   0,  10, 222,  78,  96, 118,  16,  44, 122,  70,  78,  96, 186,  24,  76,  30,  88,  40),
    "t2":   (   0,  12, 186,  60, 108, 128,  18, 236, 118,  84,  66, 188, 116,  20, 194,  30, 156, 200),
    "stir": (   0,  10,  26,  58, 100, 120,  14, 240, 116,  84,  62, 192,  44,  14, 218,  30, 170, 210),
    "xr":   (   6,  38,  64,  86,  90,  96,  92,  92,  92,  92,  96,  96, 158, 214, 100, 248,  96,  90),
}
# fmt: on
PALETTES: dict[str, dict[str, int]] = {
    contrast: dict(zip(_TISSUES, levels, strict=True)) for contrast, levels in _GREY_LEVELS.items()
}

_CONTRAST = {
    "xr_ap": "xr",
    "xr_lateral": "xr",
    "ct_sagittal_bone": "ct",
    "ct_axial_bone": "ct",
    "mr_sagittal_localiser": "t2",
    "mr_sagittal_t1": "t1",
    "mr_sagittal_t2": "t2",
    "mr_sagittal_stir": "stir",
    "mr_axial_t2": "t2",
}

_EXAMINATION = {
    "xr_ap": "AP radiograph",
    "xr_lateral": "Lateral radiograph",
    "ct_sagittal_bone": "Sagittal CT in bone window",
    "ct_axial_bone": "Axial CT in bone window",
    "mr_sagittal_localiser": "Sagittal T2-weighted MRI localiser",
    "mr_sagittal_t1": "Sagittal T1-weighted MRI",
    "mr_sagittal_t2": "Sagittal T2-weighted MRI",
    "mr_sagittal_stir": "Sagittal STIR MRI",
    "mr_axial_t2": "Axial T2-weighted MRI",
}

# Short PACS-style series names burned into the corner of each image.
_SERIES_NAME = {
    "xr_ap": "AP",
    "xr_lateral": "LAT",
    "ct_sagittal_bone": "CT SAG BONE",
    "ct_axial_bone": "CT AX BONE",
    "mr_sagittal_localiser": "SAG T2 LOC",
    "mr_sagittal_t1": "SAG T1",
    "mr_sagittal_t2": "SAG T2",
    "mr_sagittal_stir": "SAG STIR",
    "mr_axial_t2": "AX T2",
}

_SIGN = {"right": -1, "left": 1}  # lateral coordinates run from the patient's right (-) to the left (+)


# --- Anatomy of one level ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Anatomy:
    """Typical adult dimensions of one level, in millimetres."""

    shape: str  # "skull", "atlas", "axis", "body", "sacral" or "coccyx"
    height: float  # vertebral body height
    depth: float  # anteroposterior body depth
    width: float  # transverse body width
    disc: float  # height of the disc below
    canal: float  # anteroposterior depth of the canal
    canal_width: float
    spinous: float  # length of the spinous process
    slope: float  # how far the spinous tip drops, in body heights
    direction: float  # degrees; the normal curve: + means the column runs backwards going down
    offset: float = 0.0  # anteroposterior centre of the "body" relative to the column line (C1: anterior arch)

    @property
    def back(self) -> float:
        """Where the canal starts: the posterior wall of the body (for C1, the back of the dens)."""
        return 5.5 if self.shape == "atlas" else self.offset + self.depth / 2

    @property
    def pedicle_width(self) -> float:
        return max(4.0, 0.18 * self.width)


# The sagittal direction of the column at each level: cervical and lumbar lordosis, thoracic kyphosis, the
# sharp backward angle at the lumbosacral junction and the sacrum curving forwards again towards the coccyx.
_DIRECTION = {
    "OCCIPUT": -14, "C1": -12, "C2": -10, "C3": -6, "C4": -1, "C5": 4, "C6": 9, "C7": 13,
    "T1": 16, "T2": 15, "T3": 12, "T4": 9, "T5": 6, "T6": 3, "T7": 0, "T8": -3, "T9": -6, "T10": -8,
    "T11": -10, "T12": -10, "L1": -9, "L2": -6, "L3": -1, "L4": 6, "L5": 14,
    "S1": 44, "S2": 38, "S3": 28, "S4": 16, "S5": 4, "CO": -10,
}  # fmt: skip

_COCCYX = "CO"  # drawn below S5 for context; not a SINS level


def _anatomy(code: str) -> _Anatomy:
    direction = _DIRECTION[code]
    if code == "OCCIPUT":
        return _Anatomy("skull", 18, 20, 34, 6, 26, 30, 0, 0, direction)
    if code == _COCCYX:
        return _Anatomy("coccyx", 9, 9, 12, 2, 2, 6, 0, 0, direction)
    letter, n = code[0], int(code[1:])
    if code == "C1":
        return _Anatomy("atlas", 10, 9, 20, 0, 20, 28, 8, 0, direction, offset=-10)
    if code == "C2":
        return _Anatomy("axis", 16, 16, 18, 5, 16, 26, 20, 0.25, direction)
    if letter == "C":
        k = n - 3
        return _Anatomy("body", 13.5 + 0.5 * k, 15.5 + 0.5 * k, 17 + 1.5 * k, 5, 14, 24, 12 + 4 * k, 0.35, direction)
    if letter == "T":
        k = n - 1
        slope = 0.5 if n in (1, 2, 12) else 0.9  # mid-thoracic spinous processes overlap like roof tiles
        return _Anatomy("body", 16 + 0.75 * k, 17 + 1.2 * k, 27 + 1.2 * k, 4 + 0.2 * k, 15, 17, 30, slope, direction)
    if letter == "L":
        k = n - 1
        return _Anatomy("body", 26 + 0.5 * k, 32 + 0.8 * k, 42 + 2 * k, 9 + 0.4 * k, 17, 22, 28, 0.15, direction)
    k = n - 1  # sacrum: fused segments that taper, with only a remnant of disc between them
    return _Anatomy(
        "sacral",
        (28, 22, 17, 13, 10)[k],
        (38, 30, 24, 18, 12)[k],
        (50, 40, 30, 22, 14)[k],
        (1.8, 1.5, 1.5, 1.5, 2.0)[k],
        (12, 10, 8, 7, 5)[k],
        (22, 18, 14, 12, 10)[k],
        (12, 10, 8, 6, 4)[k],
        0.1,
        direction,
    )


# --- The scene: the vertebrae in view, with their geometry and lesions ----------------------------------------


@dataclass(frozen=True)
class _Lesion:
    """Tumour in one vertebra. Centre and semi-axes are fractions of body depth (u), height (v), width (x)."""

    bone: str
    cu: float
    cv: float
    cx: float
    ru: float
    rv: float
    rx: float
    wobble: tuple[tuple[float, int, float], ...]  # (amplitude, frequency, phase) of an irregular outline
    seed: int
    pedicles: tuple[str, ...] = ()
    laminae: tuple[str, ...] = ()
    epidural: str | None = None  # the ESCC grade drawn in the canal, None without epidural tumour
    paravertebral: tuple[str, ...] = ()  # where a soft-tissue mass lies: "anterior", "left", "right"


@dataclass(frozen=True)
class _Vertebra:
    code: str
    anatomy: _Anatomy
    core: bool  # one of the levels the image is framed on, rather than context at the edge
    sag: tuple[float, float]  # body centre on the midsagittal plane (x posterior, y caudal), mm
    sag_angle: float  # radians; the body's caudal axis is (sin, cos)
    cor: tuple[float, float]  # body centre on the coronal plane (x to the patient's left, y caudal), mm
    cor_angle: float
    h_front: float
    h_back: float
    h_right: float
    h_left: float
    lesion: _Lesion | None

    @property
    def height(self) -> float:
        return (self.h_front + self.h_back) / 2


@dataclass(frozen=True)
class _Scene:
    findings: Findings
    seed: int
    vertebrae: tuple[_Vertebra, ...]
    index: _Vertebra
    region: str


def _sag_xy(vert: _Vertebra, u: float, v: float) -> tuple[float, float]:
    """A point given in a vertebra's own frame (u posterior, v caudal) on the midsagittal plane, in mm."""
    c, s = math.cos(vert.sag_angle), math.sin(vert.sag_angle)
    return vert.sag[0] + u * c + v * s, vert.sag[1] - u * s + v * c


def _cor_xy(vert: _Vertebra, w: float, v: float) -> tuple[float, float]:
    """A point given in a vertebra's own frame (w to the patient's left, v caudal) on the coronal plane."""
    c, s = math.cos(vert.cor_angle), math.sin(vert.cor_angle)
    return vert.cor[0] + w * c + v * s, vert.cor[1] - w * s + v * c


# Heights kept by the index body (front, back), as fractions of normal. Each sits well inside its class, as a
# teaching example must: > 50 % collapse keeps well under half everywhere (a loss of about 60 %); < 50 %
# collapse loses about a quarter of the height (a third at the front), plainly lower than its neighbours.
_COLLAPSE_HEIGHTS = {"gt50": (0.30, 0.44), "lt50": (0.66, 0.80)}
_DEFORMITY_COLLAPSE_HEIGHTS = {"gt50": (0.26, 0.42), "lt50": (0.62, 0.80)}
_KYPHOSIS = math.radians(16)  # extra focal kyphosis for a de novo deformity
_SCOLIOSIS = math.radians(11)
_TRANSLATION = 0.3  # subluxation: forward shift of the level above, as a fraction of body depth (sideways, width)

# Semi-axes of the index lesion (depth, height, width fractions) by collapse reading. An ellipse with semi-axes
# a·D and b·H covers π·a·b of the D × H rectangle: 0.25 × 0.26 is about a fifth of the body, 0.47 × 0.47
# about two thirds.
_LESION_SIZE = {
    "none": (0.25, 0.26, 0.28),
    "involved_gt50": (0.47, 0.47, 0.45),
    "lt50": (0.44, 0.42, 0.42),
    "gt50": (0.44, 0.42, 0.42),
}


def _validate(findings: Findings) -> str:
    level = sins.normalise_level(findings.level)
    sins.BONE_LESION.option(findings.bone_lesion)
    sins.COLLAPSE.option(findings.collapse)
    sins.ALIGNMENT.option(findings.alignment)
    sins.POSTEROLATERAL.option(findings.posterolateral)
    sins.tomita_type(findings.tomita)
    sins.escc_grade(findings.escc)
    if findings.absent_pedicle not in sins.ABSENT_PEDICLE_BY_CODE:
        raise sins.SinsError(f"{findings.absent_pedicle!r} is not an absent pedicle option.")
    if findings.side not in _SIGN:
        raise sins.SinsError(f"The side is 'left' or 'right', not {findings.side!r}.")
    return level


def _levels_in_view(level: str, whole_spine: bool = False) -> list[tuple[str, bool]]:
    """The index level with about three levels either side (clamped at the ends), plus one of context; or,
    for a localiser, every level and the coccyx."""
    levels = sins.LEVELS
    if whole_spine:
        return [(code, True) for code in (*levels, _COCCYX)]
    i, last = levels.index(level), len(levels) - 1
    first = max(0, min(i - 3, last - 6))
    end = first + 6
    codes = [(code, first <= k <= end) for k, code in enumerate(levels) if first - 1 <= k <= end + 1]
    if end == last:
        codes.append((_COCCYX, False))
    return codes


def _extra_levels(findings: Findings, level: str) -> dict[str, int]:
    """Other involved levels, each with the direction (+1 below, -1 above) towards the index, 0 for a skip."""
    levels = sins.LEVELS
    i = levels.index(level)
    codes = [sins.normalise_level(code) for code in findings.extra_levels]
    if not codes and findings.tomita == 6:
        codes = [levels[i + 1] if i + 1 < len(levels) else levels[i - 1]]
    if not codes and findings.tomita == 7:
        codes = [levels[k] for k in (i - 3, i + 2) if 0 <= k < len(levels)]
    extra = {}
    for code in codes:
        k = levels.index(code)
        if k != i:
            extra[code] = (1 if k < i else -1) if abs(k - i) == 1 else 0
    return extra


def _wobble(rng: random.Random, bone: str) -> tuple[tuple[float, int, float], ...]:
    # Sclerotic margins are ragged, so blastic outlines get an extra, finer ripple.
    ripples = (2, 3, 5, 9) if bone == "blastic" else (2, 3, 5)
    return tuple((rng.uniform(0.02, 0.045), f, rng.uniform(0, 2 * math.pi)) for f in ripples)


def _index_lesion(findings: Findings, rng: random.Random) -> _Lesion:
    ru, rv, rx = _LESION_SIZE[findings.collapse]
    sign = _SIGN[findings.side]
    sides = {"bilateral": ("right", "left"), "unilateral": (findings.side,), "none": ()}[findings.posterolateral]
    lopsided = findings.posterolateral == "unilateral" or findings.absent_pedicle == "present"
    small = findings.collapse == "none"
    epidural = findings.escc != "0" or findings.tomita == 4
    return _Lesion(
        bone=findings.bone_lesion,
        # Metastases favour the back of the body, next to the pedicles.
        cu=(0.14 if small else 0.03) + rng.uniform(-0.02, 0.02),
        cv=rng.uniform(-0.04, 0.04),
        cx=sign * (0.14 if lopsided else 0.0),
        ru=ru,
        rv=rv,
        rx=rx,
        wobble=_wobble(rng, findings.bone_lesion),
        seed=rng.randrange(1 << 30),
        pedicles=sides,
        laminae=sides if findings.tomita == 3 else (),
        epidural=findings.escc if epidural else None,
        # Beside the spine where the posterior elements are involved; otherwise in front of it (presacral).
        paravertebral=(sides or ("anterior",)) if findings.tomita == 5 else (),
    )


def _extra_lesion(bone: str, towards: int, rng: random.Random) -> _Lesion:
    # Spread to the next vertebra sits by the shared endplate; a skip lesion anywhere in the body.
    return _Lesion(
        bone=bone,
        cu=0.08,
        cv=0.2 * towards + rng.uniform(-0.03, 0.03),
        cx=rng.uniform(-0.1, 0.1),
        ru=0.27,
        rv=0.26,
        rx=0.3,
        wobble=_wobble(rng, bone),
        seed=rng.randrange(1 << 30),
    )


def _chain(heights: list[float], discs: list[float], angles: list[float], start: int) -> list[tuple[float, float]]:
    """Body centres of a column built outwards from body `start`, each body along its own tilt."""

    def step(a: float, b: float, h_a: float, disc: float, h_b: float) -> tuple[float, float]:
        m = (a + b) / 2
        return (
            math.sin(a) * h_a / 2 + math.sin(m) * disc + math.sin(b) * h_b / 2,
            math.cos(a) * h_a / 2 + math.cos(m) * disc + math.cos(b) * h_b / 2,
        )

    centres: list[tuple[float, float]] = [(0.0, 0.0)] * len(heights)
    for k in range(start, len(heights) - 1):
        dx, dy = step(angles[k], angles[k + 1], heights[k], discs[k], heights[k + 1])
        centres[k + 1] = (centres[k][0] + dx, centres[k][1] + dy)
    for k in range(start, 0, -1):
        dx, dy = step(angles[k - 1], angles[k], heights[k - 1], discs[k - 1], heights[k])
        centres[k - 1] = (centres[k][0] - dx, centres[k][1] - dy)
    return centres


def _scene(findings: Findings, seed: int, whole_spine: bool = False) -> _Scene:
    # Callers may give the extra levels as a list; the cache below needs something hashable.
    return _build_scene(replace(findings, extra_levels=tuple(findings.extra_levels)), seed, whole_spine)


@lru_cache(maxsize=64)
def _build_scene(findings: Findings, seed: int, whole_spine: bool) -> _Scene:
    """Work out the geometry of a case once; every series and slice of it is drawn from this."""
    level = _validate(findings)
    rng = random.Random(_stable_seed("scene", findings, seed))
    in_view = _levels_in_view(level, whole_spine)
    codes = [code for code, _ in in_view]
    anatomy = [_anatomy(code) for code in codes]
    i = codes.index(level)
    n = len(codes)
    f = findings

    # Sagittal heights and tilt. A wedge tilts everything above it; a deformity adds a focal kyphosis.
    table = _DEFORMITY_COLLAPSE_HEIGHTS if f.alignment == "deformity" else _COLLAPSE_HEIGHTS
    front, back = table.get(f.collapse, (1.0, 1.0))
    h_front = [a.height for a in anatomy]
    h_back = list(h_front)
    h_front[i] *= front
    h_back[i] *= back
    bend = math.atan((h_back[i] - h_front[i]) / anatomy[i].depth)
    if f.alignment == "deformity":
        bend += _KYPHOSIS
    sag_angles = [
        math.radians(a.direction) + (bend if k < i else bend / 2 if k == i else 0) for k, a in enumerate(anatomy)
    ]
    mean = [(a + b) / 2 for a, b in zip(h_front, h_back, strict=True)]
    discs = [a.disc for a in anatomy]
    sag = _chain(mean, discs, sag_angles, i)

    # Coronal: straight, unless a deformity tilts the column over a body that is lower on the lesion side.
    sign = _SIGN[f.side]
    # The wedge is mild: the tilt comes from the angle, and an AP film must not contradict the collapse reading.
    h_side = [h * (0.88 if k == i and f.alignment == "deformity" else 1.0) for k, h in enumerate(mean)]
    tilt = -sign * _SCOLIOSIS if f.alignment == "deformity" else 0.0
    cor_angles = [tilt if k < i else tilt / 2 if k == i else 0.0 for k in range(n)]
    cor = _chain([(a + b) / 2 for a, b in zip(h_side, mean, strict=True)], discs, cor_angles, i)

    if f.alignment == "subluxation":
        # The vertebra above the diseased one slips forwards (and sideways) on it, with the spine above.
        shift_x, shift_w = -_TRANSLATION * anatomy[i].depth, sign * _TRANSLATION * 0.7 * anatomy[i].width
        sag = [(x + shift_x, y) if k < i else (x, y) for k, (x, y) in enumerate(sag)]
        cor = [(x + shift_w, y) if k < i else (x, y) for k, (x, y) in enumerate(cor)]

    lesions = {level: _index_lesion(f, rng)}
    for code, towards in _extra_levels(f, level).items():
        lesions[code] = _extra_lesion(f.bone_lesion, towards, rng)

    vertebrae = tuple(
        _Vertebra(
            code=code,
            anatomy=anatomy[k],
            core=core,
            sag=sag[k],
            sag_angle=sag_angles[k],
            cor=cor[k],
            cor_angle=cor_angles[k],
            h_front=h_front[k],
            h_back=h_back[k],
            h_right=h_side[k] if sign < 0 else mean[k],
            h_left=h_side[k] if sign > 0 else mean[k],
            lesion=lesions.get(code),
        )
        for k, (code, core) in enumerate(in_view)
    )
    return _Scene(f, seed, vertebrae, vertebrae[i], sins.region_for_level(level))


def _region_of(vert: _Vertebra) -> str:
    return "sacral" if vert.code == _COCCYX else sins.region_for_level(vert.code)


# --- Drawing primitives ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """Maps millimetres on the drawing plane to pixels."""

    scale: float
    ox: float
    oy: float

    def px(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + x * self.scale, self.oy + y * self.scale

    def width(self, mm: float, least: int = 1) -> int:
        return max(least, round(mm * self.scale))


def _px(frame: _Frame, to_plane, vert: _Vertebra, points) -> list[tuple[float, float]]:
    return [frame.px(*to_plane(vert, a, b)) for a, b in points]


def _box(points) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))


def _stable_seed(*parts) -> int:
    # hash() of a str changes between processes; CRC32 of the repr does not.
    return zlib.crc32(repr(parts).encode())


def _rounded(points: list[tuple[float, float]], radius: float) -> list[tuple[float, float]]:
    """A closed polygon with its corners rounded by short quadratic curves."""
    out = []
    n = len(points)
    for k, (px, py) in enumerate(points):
        ax, ay = points[k - 1]
        bx, by = points[(k + 1) % n]
        ta = min(radius / (math.hypot(ax - px, ay - py) or 1), 0.45)
        tb = min(radius / (math.hypot(bx - px, by - py) or 1), 0.45)
        p0 = (px + (ax - px) * ta, py + (ay - py) * ta)
        p2 = (px + (bx - px) * tb, py + (by - py) * tb)
        for s in (0.0, 0.33, 0.67, 1.0):
            out.append(
                (
                    (1 - s) ** 2 * p0[0] + 2 * (1 - s) * s * px + s * s * p2[0],
                    (1 - s) ** 2 * p0[1] + 2 * (1 - s) * s * py + s * s * p2[1],
                )
            )
    return out


def _ellipse(cx: float, cy: float, rx: float, ry: float, wobble=(), n: int = 32) -> list[tuple[float, float]]:
    """An ellipse as a polygon; `wobble` makes the outline irregular, like a tumour margin."""
    points = []
    for k in range(n):
        t = 2 * math.pi * k / n
        r = 1 + sum(amp * math.sin(freq * t + phase) for amp, freq, phase in wobble)
        points.append((cx + rx * r * math.cos(t), cy + ry * r * math.sin(t)))
    return points


def _bar(a: tuple[float, float], b: tuple[float, float], thickness: float) -> list[tuple[float, float]]:
    """A rectangle of the given thickness from point a to point b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1
    nx, ny = -dy / length * thickness / 2, dx / length * thickness / 2
    return [(a[0] + nx, a[1] + ny), (b[0] + nx, b[1] + ny), (b[0] - nx, b[1] - ny), (a[0] - nx, a[1] - ny)]


def _ribbon(points: list[tuple[float, float]], thickness: float) -> list[tuple[float, float]]:
    """A polygon of the given thickness along a polyline (for ribs): a wide line without round joints, which
    Pillow draws slowly."""
    left, right = [], []
    for k, (x, y) in enumerate(points):
        (x0, y0), (x1, y1) = points[max(0, k - 1)], points[min(len(points) - 1, k + 1)]
        length = math.hypot(x1 - x0, y1 - y0) or 1
        nx, ny = -(y1 - y0) / length * thickness / 2, (x1 - x0) / length * thickness / 2
        left.append((x + nx, y + ny))
        right.append((x - nx, y - ny))
    return left + right[::-1]


def _bone(draw: ImageDraw.ImageDraw, points, pal: dict[str, int], rim: int) -> None:
    """Bone in section: marrow inside a cortical rim."""
    draw.polygon(points, fill=pal["marrow"], outline=pal["cortex"], width=rim)


def _paint_lesion(
    img: Image.Image, outline, clip, lesion: _Lesion, pal: dict[str, int], salt: int, rim: int = 0
) -> None:
    """Fill `outline` (clipped to the inside of `clip` less a rim of `rim` pixels) with the lesion's texture.

    Lytic tumour is one soft, slightly uneven tone; blastic tumour is dense and uneven; mixed tumour is lytic
    tissue speckled with sclerotic islands.
    """
    x0, y0, x1, y1 = _box(outline)
    x0, y0 = max(0, x0 - 1), max(0, y0 - 1)
    x1, y1 = min(img.width, x1 + 2), min(img.height, y1 + 2)
    if x1 <= x0 or y1 <= y0:
        return
    size = (x1 - x0, y1 - y0)
    local = [(x - x0, y - y0) for x, y in outline]
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon(local, fill=255)
    rng = random.Random(lesion.seed * 31 + salt)
    if lesion.bone == "blastic":
        # Satellite sclerotic foci at the edge of the main lesion.
        for _ in range(5):
            x, y = local[rng.randrange(len(local))]
            r = rng.uniform(0.05, 0.1) * min(size)
            ImageDraw.Draw(mask).ellipse((x - r, y - r, x + r, y + r), fill=255)
    if clip is not None:
        inside = Image.new("L", size, 0)
        ImageDraw.Draw(inside).polygon([(x - x0, y - y0) for x, y in clip], fill=255, outline=0, width=rim)
        mask = ImageChops.darker(mask, inside)
    base = "blastic" if lesion.bone == "blastic" else "lytic"
    layer = Image.new("L", size, pal[base])
    draw = ImageDraw.Draw(layer)
    spots = max(4, size[0] * size[1] // 140)
    for _ in range(min(spots, 40)):
        x, y = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        r = rng.uniform(0.06, 0.16) * min(size)
        if lesion.bone == "mixed" and rng.random() < 0.55:
            tone = pal["blastic"]
        else:
            tone = max(0, min(255, pal[base] + rng.randint(-14, 14)))
        draw.ellipse((x - r, y - r * rng.uniform(0.6, 1.4), x + r, y + r), fill=tone)
    img.paste(layer, (x0, y0), mask)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)


@lru_cache(maxsize=256)
def _label_masks(text: str, size: int) -> tuple[Image.Image, Image.Image]:
    """The outline and the fill of a label, rendered once: drawing text is slow next to pasting a mask."""
    font = _font(size)
    x0, y0, x1, y1 = font.getbbox(text, stroke_width=2)
    outline, fill = Image.new("L", (x1 - x0, y1 - y0), 0), Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(outline).text((-x0, -y0), text, fill=255, font=font, stroke_width=2, stroke_fill=255)
    ImageDraw.Draw(fill).text((-x0, -y0), text, fill=255, font=font)
    return outline, fill


def _label(img: Image.Image, xy: tuple[float, float], text: str, align: str = "left", size: int = 12) -> None:
    """PACS-style annotation: light text with a dark outline, vertically centred on xy."""
    outline, fill = _label_masks(text, size)
    w, h = outline.size
    x = {"left": xy[0], "right": xy[0] - w, "centre": xy[0] - w / 2}[align]
    corner = (round(x), round(xy[1] - h / 2))
    img.paste(0, corner, outline)
    img.paste(235, corner, fill)


# --- Field of view -------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _sagittal_frame(scene: _Scene, size: tuple[int, int]) -> _Frame:
    """Fit the labelled levels to the image, column left of centre so the back fits on the right."""
    core = [v for v in scene.vertebrae if v.core]
    points = [_sag_xy(v, v.anatomy.offset + u, w) for v in core for u, w in _sagittal_body(v)]
    backs = [_sag_xy(v, v.anatomy.back + v.anatomy.canal + 0.6 * v.anatomy.spinous, 0) for v in core]
    xs, ys = [p[0] for p in points + backs], [p[1] for p in points]
    scale = min(0.86 * size[1] / (max(ys) - min(ys)), 0.62 * size[0] / (max(xs) - min(xs)))
    mid_x = sum(v.sag[0] for v in core) / len(core)
    return _Frame(scale, 0.4 * size[0] - mid_x * scale, size[1] / 2 - (max(ys) + min(ys)) / 2 * scale)


@lru_cache(maxsize=64)
def _coronal_frame(scene: _Scene, size: tuple[int, int]) -> _Frame:
    core = [v for v in scene.vertebrae if v.core]
    points = [_cor_xy(v, w, y) for v in core for w, y in _coronal_body(v)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    scale = min(0.84 * size[1] / (max(ys) - min(ys)), 0.3 * size[0] / max(v.anatomy.width for v in core))
    return _Frame(scale, size[0] / 2 - (max(xs) + min(xs)) / 2 * scale, size[1] / 2 - (max(ys) + min(ys)) / 2 * scale)


def _axial_frame(scene: _Scene) -> _Frame:
    a = scene.index.anatomy
    size = SIZES["axial"][0]
    ap = a.depth + a.canal + 8 + 0.7 * a.spinous
    across = a.width + (100 if a.shape == "sacral" else 40)
    scale = min(0.74 * size / ap, 0.9 * size / across)
    return _Frame(scale, size / 2, 0.25 * size - a.offset * scale)


# --- Sagittal images (CT, MRI) and the lateral radiograph -----------------------------------------------------


@lru_cache(maxsize=512)
def _sagittal_body(vert: _Vertebra) -> tuple[tuple[float, float], ...]:
    """Outline of the body in its own frame, centred on the body: front and back heights, slightly waisted."""
    a = vert.anatomy
    d, hf, hb = a.depth / 2, vert.h_front / 2, vert.h_back / 2
    if a.shape == "atlas":
        return tuple(_ellipse(0, 0, d / 2, hf, n=20))
    waist = 0.03 * a.depth
    corners = [(-d, -hf), (d, -hb), (d - waist, 0), (d, hb), (-d, hf), (-d + waist, 0)]
    return tuple(_rounded(corners, 0.14 * min(a.depth, vert.height)))


def _slice_offsets(scene: _Scene, series: SeriesKind) -> list[float]:
    """Lateral position (mm, patient's right negative) of each sagittal slice: right pedicle to left; a single
    slice (a localiser) is midsagittal."""
    a = scene.index.anatomy
    reach = a.canal_width / 2 + a.pedicle_width / 2
    n = series.slices
    return [0.0] if n == 1 else [-reach + 2 * reach * k / (n - 1) for k in range(n)]


def _slice_mode(scene: _Scene, offset: float) -> str:
    a = scene.index.anatomy
    reach = a.canal_width / 2 + a.pedicle_width / 2
    if abs(offset) < 0.25 * reach:
        return "mid"
    return "lamina" if abs(offset) < 0.75 * reach else "pedicle"


def _lesion_reach_sagittal(vert: _Vertebra, offset: float) -> float:
    """How much of the body lesion a sagittal slice at `offset` cuts: 1 through its middle, 0 if it misses."""
    lesion = vert.lesion
    t = (offset / vert.anatomy.width - lesion.cx) / lesion.rx
    return math.sqrt(1 - t * t) if abs(t) < 0.9 else 0.0


def _lesion_reach_axial(lesion: _Lesion, t: float) -> float:
    """The same for an axial slice at fraction `t` of the body height (0 upper, 1 lower endplate)."""
    k = (t - 0.5 - lesion.cv) / lesion.rv
    return math.sqrt(1 - k * k) if abs(k) < 0.9 else 0.0


def _canal_band(frame: _Frame, samples, y0: float, y1: float) -> list[tuple[float, float]]:
    """A band along the canal between normalised depths y0 and y1 (-1 front wall of the canal, +1 back wall).

    Each sample is (vertebra, v in mm, scale); a scale below 1 narrows the band about its middle (a taper).
    """
    mid, spread = (y0 + y1) / 2, (y1 - y0) / 2
    front = _canal_points(frame, samples, [mid - spread * scale for _, _, scale in samples])
    back = _canal_points(frame, samples, [mid + spread * scale for _, _, scale in samples])
    return front + back[::-1]


def _canal_points(frame: _Frame, samples, depths) -> list[tuple[float, float]]:
    """Pixel positions of the given normalised canal depths, one per canal sample."""
    points = []
    for (vert, v, _), y in zip(samples, depths, strict=True):
        a = vert.anatomy
        points.append(frame.px(*_sag_xy(vert, a.back + (1 + y) * a.canal / 2, v)))
    return points


def _along_column(scene: _Scene, keep=lambda vert: True, beyond: float = 400.0):
    """Canal samples at the top and bottom of each kept body, run off the image at open ends."""
    verts = [v for v in scene.vertebrae if keep(v)]
    samples = []
    for k, vert in enumerate(verts):
        hb = vert.h_back / 2
        if k == 0 and beyond:
            samples.append((vert, -hb - beyond, 1.0))
        samples += [(vert, -hb, 1.0), (vert, hb, 1.0)]
        if k == len(verts) - 1 and beyond:
            samples.append((vert, hb + beyond, 1.0))
    return samples


_CORD_LEVELS = frozenset(sins.LEVELS[: sins.LEVELS.index("T12") + 1])
_SAC_LEVELS = frozenset(sins.LEVELS[: sins.LEVELS.index("S1") + 1])

# The thecal sac and cord inside the canal, in normalised depth (-1 front wall, +1 back wall), and how far
# the front of epidural tumour reaches for each ESCC grade. Grade 0 with epidural tumour (Tomita 4) stops
# short of the sac; 1a touches it; 1b dents it; 1c reaches the cord; 2 and 3 flatten the cord.
_SAC = (-0.84, 0.88)
_CORD = 0.36
_ESCC_FRONT = {"0": -0.93, "1a": -0.84, "1b": -0.6, "1c": -0.36, "2": -0.1, "3": 0.3}
_CORD_BACK = {"2": 0.46, "3": _SAC[1]}  # grade 2 leaves CSF behind the cord; grade 3 leaves none
_BREACH = 5.0  # mm: how far epidural tumour reaches forward into the body, through its posterior cortex


def _cord_samples(scene: _Scene):
    samples = _along_column(scene, lambda v: v.code in _CORD_LEVELS, 0.0)
    first = scene.vertebrae[0]
    if first.code in _CORD_LEVELS:
        samples.insert(0, (first, -first.h_back / 2 - 400, 1.0))
    conus = next((v for v in scene.vertebrae if v.code == "L1"), None)
    last = scene.vertebrae[-1]
    if conus is not None:  # the cord tapers to the conus at L1
        samples += [(conus, -conus.h_back / 2, 1.0), (conus, 0.0, 0.6), (conus, 0.35 * conus.h_back, 0.05)]
    elif last.code in _CORD_LEVELS:  # the conus lies below the field of view: the cord runs off the image
        samples.append((last, last.h_back / 2 + 400, 1.0))
    return samples


def _sac_samples(scene: _Scene):
    samples = _along_column(scene, lambda v: v.code in _SAC_LEVELS, 0.0)
    first = scene.vertebrae[0]
    if first.code in _SAC_LEVELS:
        samples.insert(0, (first, -first.h_back / 2 - 400, 1.0))
    end = next((v for v in scene.vertebrae if v.code == "S2"), None)
    if end is not None:  # the sac ends at S2
        samples += [(end, -end.h_back / 2, 0.8), (end, 0.0, 0.1)]
    elif scene.vertebrae[-1].code in _SAC_LEVELS:
        last = scene.vertebrae[-1]
        samples.append((last, last.h_back / 2 + 400, 1.0))
    return samples


def _render_sagittal(scene: _Scene, pal: dict[str, int], size: tuple[int, int], offset: float, mode: str, salt: int):
    """One sagittal image. `mode` is "mid", "lamina" or "pedicle" by slice position, or "projection" for
    the lateral radiograph, where everything across the body is seen at once."""
    frame = _sagittal_frame(scene, size)
    img = Image.new("L", size, pal["muscle"])
    draw = ImageDraw.Draw(img)
    rim = frame.width(1.2, 2)
    _sagittal_soft_tissue(draw, scene, frame, pal, offset, mode)
    _sagittal_discs(draw, scene, frame, pal)
    if mode in ("pedicle", "projection"):
        # Foraminal fat, then the pedicles and articular pillars over it; the foramina are what is left.
        draw.polygon(_canal_band(frame, _along_column(scene), -1.05, 0.2), fill=pal["fat"])
    for vert in scene.vertebrae:
        _sagittal_bones(draw, vert, frame, pal, rim, mode)
    _sagittal_sacrum(draw, scene, frame, pal, rim)
    if mode in ("mid", "lamina"):
        _sagittal_canal(draw, scene, frame, pal, mode)
    for vert in scene.vertebrae:
        if vert.anatomy.shape == "skull":
            _sagittal_skull(draw, vert, frame, pal, rim, mode)
    for vert in scene.vertebrae:
        if vert.lesion is not None:
            _sagittal_lesion(img, draw, scene, vert, frame, pal, rim, offset, mode, salt)
    return img


def _guide(centres: list[tuple[float, float]]) -> list[tuple[float, float, float, float, int, int]]:
    """Samples along a smoothed line through the body centres, for soft tissue that follows the column.

    Each sample is (x, y, tangent x, tangent y, k, j): at a body centre k == j, half-way between bodies
    j == k + 1. Smoothing keeps skin and organs from copying every step of a translated vertebra.
    """
    points = list(zip(_smooth([x for x, _ in centres]), _smooth([y for _, y in centres]), strict=True))
    samples = []
    for k, p in enumerate(points):
        samples.append((p, k, k))
        if k + 1 < len(points):
            q = points[k + 1]
            samples.append((((p[0] + q[0]) / 2, (p[1] + q[1]) / 2), k, k + 1))
    guide = []
    for m, ((x, y), k, j) in enumerate(samples):
        (x0, y0), (x1, y1) = samples[max(0, m - 1)][0], samples[min(len(samples) - 1, m + 1)][0]
        length = math.hypot(x1 - x0, y1 - y0) or 1
        guide.append((x, y, (x1 - x0) / length, (y1 - y0) / length, k, j))
    return guide


def _smooth(values: list[float]) -> list[float]:
    """Two passes of a 1-2-1 moving average; the end values stay put."""
    for _ in range(2 if len(values) > 2 else 0):
        inner = ((a + 2 * b + c) / 4 for a, b, c in zip(values, values[1:], values[2:], strict=False))
        values = [values[0], *inner, values[-1]]
    return values


def _along_guide(guide, frame: _Frame, verts, first: int, last: int, near, far) -> list[tuple[float, float]]:
    """A band beside the column from body `first` to body `last`, between offsets near(v) and far(v) in mm
    along the normal (posterior, or the patient's left). Runs off the image where it reaches an end."""
    m0, m1 = max(0, 2 * first - 1), min(len(guide) - 1, 2 * last + 1)
    nears, fars = _smooth([near(v) for v in verts]), _smooth([far(v) for v in verts])
    inner, outer = [], []
    for m in range(m0, m1 + 1):
        x, y, tx, ty, k, j = guide[m]
        a, b = (nears[k] + nears[j]) / 2, (fars[k] + fars[j]) / 2
        ends = [0.0]
        if m == 0:
            ends = [-600.0, 0.0]
        elif m == len(guide) - 1:
            ends = [0.0, 600.0]
        for e in ends:
            px, py = x + tx * e, y + ty * e
            inner.append(frame.px(px + ty * a, py - tx * a))
            outer.append(frame.px(px + ty * b, py - tx * b))
    return inner + outer[::-1]


def _runs(verts, key) -> list[tuple[int, int, object]]:
    """Consecutive stretches of vertebrae that share key(v): (first, last, value)."""
    runs: list[tuple[int, int, object]] = []
    for k, vert in enumerate(verts):
        value = key(vert)
        if runs and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], k, value)
        else:
            runs.append((k, k, value))
    return runs


# Paraspinal muscle and subcutaneous fat behind the spinous tips, mm.
_BACK_LAYERS = {"cervical": (30, 8), "thoracic": (26, 10), "lumbar": (42, 16), "sacral": (24, 18)}


def _front_tissues(region: str, code: str, mode: str, offset: float) -> list[tuple[float, float, str]]:
    """What lies in front of the column at one level: (near, far, tissue), mm in front of the body."""
    if mode == "projection":
        return {"thoracic": [(10, 150, "lung")], "cervical": [(12, 26, "air")]}.get(region, [])
    if region == "cervical" or code in ("T1", "T2"):
        return [] if mode == "pedicle" else [(10, 26, "air")]  # pharynx and trachea
    if region == "thoracic":
        if mode == "pedicle":
            return [(4, 150, "lung")]
        return [(2, 14, "fat"), (6, 30 if offset > 0 else 16, "vessel")]  # aorta on the left, azygos on the right
    if region == "lumbar":
        vessels = [(6, 28, "vessel")] if mode == "lamina" else []  # aorta on the left, vena cava on the right
        return [(2, 8, "fat"), (8, 100, "viscera"), *vessels]
    return [(2, 45, "fat"), (45, 100, "viscera")]


def _sagittal_soft_tissue(draw, scene: _Scene, frame: _Frame, pal, offset: float, mode: str) -> None:
    """Back muscles, subcutaneous fat and air behind; airway, vessels, lungs or pelvic fat in front."""
    verts = scene.vertebrae
    guide = _guide([v.sag for v in verts])

    def behind(vert):
        a = vert.anatomy
        return a.back + a.canal + 0.7 * a.spinous + _BACK_LAYERS[_region_of(vert)][0]

    def skin(vert):
        return behind(vert) + _BACK_LAYERS[_region_of(vert)][1]

    last = len(verts) - 1
    draw.polygon(_along_guide(guide, frame, verts, 0, last, behind, lambda v: skin(v) + 1), fill=pal["fat"])
    draw.polygon(_along_guide(guide, frame, verts, 0, last, skin, lambda v: skin(v) + 300), fill=pal["air"])
    for first, end, key in _runs(verts, lambda v: (_region_of(v), v.code in ("T1", "T2"), v.anatomy.shape)):
        region, _, shape = key
        if shape in ("skull", "atlas"):
            continue
        for near, far, tissue in _front_tissues(region, verts[first].code, mode, offset):
            polygon = _along_guide(
                guide,
                frame,
                verts,
                first,
                end,
                lambda v, d=near: -v.anatomy.depth / 2 - d,
                lambda v, d=far: -v.anatomy.depth / 2 - d,
            )
            draw.polygon(polygon, fill=pal[tissue])


def _sagittal_discs(draw, scene: _Scene, frame: _Frame, pal) -> None:
    verts = scene.vertebrae
    for upper, lower in zip(verts, verts[1:], strict=False):
        if upper.anatomy.disc <= 0 or upper.anatomy.shape not in ("body", "axis"):
            continue
        ua, la = upper.anatomy, lower.anatomy
        corners = [
            frame.px(*_sag_xy(upper, ua.offset - ua.depth / 2, upper.h_front / 2 - 0.6)),
            frame.px(*_sag_xy(upper, ua.offset + ua.depth / 2, upper.h_back / 2 - 0.6)),
            frame.px(*_sag_xy(lower, la.offset + la.depth / 2, -lower.h_back / 2 + 0.6)),
            frame.px(*_sag_xy(lower, la.offset - la.depth / 2, -lower.h_front / 2 + 0.6)),
        ]
        draw.polygon(corners, fill=pal["annulus"])
        draw.polygon(_rounded(_inset(corners, 0.22, 0.3), 3), fill=pal["nucleus"])


def _inset(quad, across: float, along: float):
    """A smaller quadrilateral inside `quad` (front-top, back-top, back-bottom, front-bottom)."""

    def lerp(p, q, t):
        return p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t

    ft, bt, bb, fb = quad
    top = (lerp(ft, bt, across), lerp(ft, bt, 1 - across))
    bottom = (lerp(fb, bb, across), lerp(fb, bb, 1 - across))
    return [
        lerp(top[0], bottom[0], along),
        lerp(top[1], bottom[1], along),
        lerp(top[1], bottom[1], 1 - along),
        lerp(top[0], bottom[0], 1 - along),
    ]


def _posterior_parts(vert: _Vertebra, mode: str) -> dict[str, list[tuple[float, float]]]:
    """Posterior elements of one vertebra in its own frame, for the given slice mode."""
    a = vert.anatomy
    b, c, H = a.back, a.canal, a.height
    top = -vert.h_back / 2
    parts = {}
    if a.shape in ("skull", "coccyx"):
        return parts
    if a.shape == "atlas":
        parts["arch"] = _ellipse(b + c + 4, 0, 4.5, 5, n=16)
        return parts
    if mode in ("pedicle", "projection"):
        parts["pedicle"] = _rounded(
            [
                (b - 2, top + 0.06 * H),
                (b + 0.75 * c, top + 0.08 * H),
                (b + 0.75 * c, top + 0.42 * H),
                (b - 2, top + 0.46 * H),
            ],
            1.5,
        )
        if a.shape != "sacral":
            joint = 0.5 * a.disc  # the facet joint space, slanted like the joint
            parts["pillar"] = _rounded(
                [
                    (b + 0.55 * c, top - joint + 1),
                    (b + c + 8, top - joint - 1.5),
                    (b + c + 8, -top + joint - 1.5),
                    (b + 0.55 * c, -top + joint + 1),
                ],
                2,
            )
    if mode in ("mid", "projection"):
        drop = a.slope * H
        length = a.spinous
        parts["spinous"] = _rounded(
            [
                (b + c - 1.5, -0.34 * H),
                (b + c + 0.85 * length, -0.1 * H + drop),
                (b + c + 0.85 * length, 0.24 * H + drop),
                (b + c - 1.5, 0.3 * H),
            ],
            3,
        )
    if mode == "lamina":
        parts["lamina"] = _bar((b + 0.8 * c, -0.42 * H), (b + c + 5, 0.32 * H + 0.3 * a.slope * H), 5)
    return parts


def _sagittal_bones(draw, vert: _Vertebra, frame: _Frame, pal, rim: int, mode: str) -> None:
    a = vert.anatomy
    faint = {**pal, "marrow": pal["marrow"] - 30, "cortex": pal["cortex"] - 45} if mode == "projection" else pal
    for points in _posterior_parts(vert, mode).values():
        _bone(draw, _px(frame, _sag_xy, vert, points), faint, rim)
    if mode in ("pedicle", "projection") and a.shape in ("body", "axis"):
        # The nerve root leaves under the pedicle, in the upper part of the foramen.
        root = _ellipse(a.back + 0.3 * a.canal, -vert.h_back / 2 + 0.62 * a.height, 2.2, 2.6, n=12)
        draw.polygon(_px(frame, _sag_xy, vert, root), fill=pal["root"])
    if a.shape in ("skull", "sacral"):
        return  # the skull base and the fused sacrum are drawn whole
    body = [(a.offset + u, v) for u, v in _sagittal_body(vert)]
    _bone(draw, _px(frame, _sag_xy, vert, body), pal, rim)
    if a.shape == "axis" and mode != "pedicle":
        dens = _rounded(
            [
                (-4, -vert.h_front / 2 + 1),
                (4.5, -vert.h_back / 2 + 1),
                (4, -vert.h_back / 2 - 14),
                (-3.5, -vert.h_front / 2 - 14),
            ],
            3,
        )
        _bone(draw, _px(frame, _sag_xy, vert, dens), pal, rim)


def _sagittal_sacrum(draw, scene: _Scene, frame: _Frame, pal, rim: int) -> None:
    """The sacral segments as one bone, with the remnants of their discs as faint lines across it."""
    segments = [v for v in scene.vertebrae if v.anatomy.shape == "sacral"]
    if not segments:
        return
    front, back = [], []
    for vert in segments:
        d = vert.anatomy.depth / 2
        front += [_sag_xy(vert, -d, -vert.h_front / 2), _sag_xy(vert, -d, vert.h_front / 2)]
        back += [_sag_xy(vert, d, -vert.h_back / 2), _sag_xy(vert, d, vert.h_back / 2)]
    outline = _rounded(front + back[::-1], 3)
    _bone(draw, [frame.px(x, y) for x, y in outline], pal, rim)
    for upper, lower in zip(segments, segments[1:], strict=False):
        du, dl = upper.anatomy.depth / 2, lower.anatomy.depth / 2
        a = _mid(_sag_xy(upper, -du, upper.h_front / 2), _sag_xy(lower, -dl, -lower.h_front / 2))
        b = _mid(_sag_xy(upper, du, upper.h_back / 2), _sag_xy(lower, dl, -lower.h_back / 2))
        draw.line([frame.px(*a), frame.px(*b)], fill=pal["annulus"], width=max(1, rim // 2 + 1))


def _mid(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
    return (p[0] + q[0]) / 2, (p[1] + q[1]) / 2


def _sagittal_canal(draw, scene: _Scene, frame: _Frame, pal, mode: str) -> None:
    """Epidural fat, then the thecal sac (CSF), then the cord, or the roots of the cauda equina below it."""
    draw.polygon(_canal_band(frame, _along_column(scene), -1.0, 1.0), fill=pal["fat"])
    sac = _sac_samples(scene)
    if sac:
        draw.polygon(_canal_band(frame, sac, *_SAC), fill=pal["csf"])
    roots = _along_column(scene, lambda v: v.code not in _CORD_LEVELS and v.code in _SAC_LEVELS, 0)
    for depth in (0.35, 0.6):
        if roots:
            draw.polygon(_canal_band(frame, roots, depth - 0.06, depth + 0.06), fill=pal["root"])
    cord = _cord_samples(scene)
    if cord:
        half = _CORD * (1.0 if mode == "mid" else 0.6)
        draw.polygon(_canal_band(frame, cord, -half, half), fill=pal["cord"])


def _sagittal_skull(draw, vert: _Vertebra, frame: _Frame, pal, rim: int, mode: str) -> None:
    """The craniocervical junction, simplified: clivus, foramen magnum, occipital bone, brainstem in the
    posterior fossa."""
    a = vert.anatomy
    b, c, h = a.back, a.canal, vert.height / 2

    def poly(points):
        return _px(frame, _sag_xy, vert, points)

    draw.polygon(poly(_ellipse(b + 0.4 * c, -h - 70, 95, 68, n=40)), fill=pal["brain"])
    if mode != "pedicle":
        draw.polygon(
            poly([(b + 0.6 * c, -h - 30), (b + c + 16, -h - 30), (b + c + 2, h), (b + 0.6 * c, h)]), fill=pal["csf"]
        )
        draw.polygon(
            poly([(b + 0.15 * c, -h - 50), (b + 0.7 * c, -h - 50), (b + 0.66 * c, h + 4), (b + 0.2 * c, h + 4)]),
            fill=pal["cord"],
        )
    clivus = _rounded(
        [(-a.depth / 2, h), (a.depth / 2, h), (a.depth / 2 - 16, -h - 26), (-a.depth / 2 - 18, -h - 18)], 3
    )
    _bone(draw, poly(clivus), pal, rim)
    squama = _bar((b + c, h), (b + c + 36, -h - 44), 8)
    _bone(draw, poly(squama), pal, rim)


def _sagittal_lesion(img, draw, scene: _Scene, vert: _Vertebra, frame, pal, rim, offset, mode, salt) -> None:
    lesion = vert.lesion
    a = vert.anatomy
    reach = 1.0 if mode == "projection" else _lesion_reach_sagittal(vert, offset)
    side = "right" if offset < 0 else "left"

    def poly(points):
        return _px(frame, _sag_xy, vert, points)

    body = poly([(a.offset + u, v) for u, v in _sagittal_body(vert)])
    if reach > 0:
        blob = _ellipse(
            a.offset + lesion.cu * a.depth,
            lesion.cv * vert.height,
            lesion.ru * a.depth * reach,
            lesion.rv * vert.height * reach,
            lesion.wobble,
        )
        _paint_lesion(img, poly(blob), body, lesion, pal, salt, rim)
    # Tumour in the posterior elements stays inside their cortex; only Tomita 4 and above leave the bone.
    parts = _posterior_parts(vert, mode)
    replaced = []
    if lesion.pedicles and (mode == "projection" or (mode == "pedicle" and side in lesion.pedicles)):
        replaced += ["pedicle", "pillar"]  # the pedicle and the articular pillar (facets) above and below it
    if mode == "lamina" and side in lesion.laminae:
        replaced.append("lamina")
    for k, name in enumerate(name for name in replaced if name in parts):
        _paint_lesion(img, poly(parts[name]), poly(parts[name]), lesion, pal, salt + 1 + k, rim)
    if "lamina" in replaced:
        _sagittal_canal(draw, scene, frame, pal, mode)  # the lamina runs behind the canal, which stays clear
    sides = set(lesion.paravertebral) - {"anterior"}
    in_front = "anterior" in lesion.paravertebral and mode != "pedicle"
    beside = (mode == "pedicle" and side in sides) or (mode == "projection" and bool(sides))
    if in_front or beside:
        grow = 1.5 if mode == "pedicle" else 1.0
        mass = _ellipse(a.offset - a.depth / 2 - 5 * grow, 0, 9 * grow, 0.75 * a.height, lesion.wobble)
        draw.polygon(poly(mass), fill=pal["tumour"])
    if lesion.epidural is not None and mode in ("mid", "lamina"):
        _sagittal_epidural(draw, scene, vert, frame, pal, lesion.epidural)


def _sagittal_epidural(draw, scene: _Scene, vert: _Vertebra, frame: _Frame, pal, grade: str) -> None:
    """Epidural tumour bulging back from the body into the canal, and the cord it flattens (grades 2, 3).

    Drawn along the canal of the index vertebra and its neighbours, so it follows a kinked or translated canal.
    """
    k = scene.vertebrae.index(vert)
    samples = [(v, v.h_back * (j / 8 - 0.5), 1.0) for v in scene.vertebrae[max(0, k - 1) : k + 2] for j in range(9)]
    a = vert.anatomy
    centre = _sag_xy(vert, a.back + a.canal / 2, 0)
    span = 0.7 * a.height

    def bulge(sample):
        """1 beside the middle of the index body, falling smoothly to 0 a little beyond its endplates."""
        near, v, _ = sample
        at = _sag_xy(near, near.anatomy.back + near.anatomy.canal / 2, v)
        d = math.hypot(at[0] - centre[0], at[1] - centre[1]) / span
        return 1.0 if d < 0.4 else 0.5 + 0.5 * math.cos(math.pi * (d - 0.4) / 0.6) if d < 1 else 0.0

    p = [bulge(sample) for sample in samples]
    edge = [-1 + (_ESCC_FRONT[grade] + 1) * q for q in p]
    wall = [-1 - _BREACH / (a.canal / 2) if q > 0.3 else -1.0 for q in p]  # through the back of the body
    draw.polygon(_canal_points(frame, samples, wall) + _canal_points(frame, samples, edge)[::-1], fill=pal["tumour"])
    cord = [k for k, sample in enumerate(samples) if sample[0].code in _CORD_LEVELS]  # none below the conus
    if grade in _CORD_BACK and vert.code in _CORD_LEVELS:
        samples = [samples[k] for k in cord]
        front = [max(edge[k], -_CORD) for k in cord]
        back = [_CORD + (_CORD_BACK[grade] - _CORD) * p[k] for k in cord]
        draw.polygon(_canal_points(frame, samples, front) + _canal_points(frame, samples, back)[::-1], fill=pal["cord"])


# --- Axial images ------------------------------------------------------------------------------------------


def _axial_positions(count: int) -> list[float]:
    """Where `count` slices cut a body: fractions of its height, upper to lower endplate."""
    return [(k + 0.5) / count for k in range(count)]


def _axial_cuts(scene: _Scene, count: int) -> list[tuple[_Vertebra, float]]:
    """What each of `count` axial images cuts, top to bottom: (vertebra, fraction of its body height).

    One image through the middle of each of the two nearest neighbours (both on one side at the ends of the
    spine), the rest spread through the index body, so that the stack does not give the index level away.
    """
    verts = [v for v in scene.vertebrae if v.anatomy.shape != "coccyx"]
    i = verts.index(scene.index)
    near = sorted((k for k in range(len(verts)) if k != i), key=lambda k: (abs(k - i), k))[:2]
    cuts = [(k, 0.5) for k in near] + [(i, t) for t in _axial_positions(count - len(near))]
    return [(verts[k], t) for k, t in sorted(cuts)]


def _axial_body(a: _Anatomy, region: str) -> list[tuple[float, float]]:
    """The body in cross-section: a rounded box, heart-shaped in the thoracic spine, kidney-shaped lower down."""
    w, d = a.width / 2, a.depth / 2
    hollow = {"lumbar": 0.12, "sacral": 0.05, "thoracic": 0.06}.get(region, 0.03) * a.depth
    narrow = 0.18 if region == "thoracic" else 0.04
    points = []
    for k in range(40):
        t = 2 * math.pi * k / 40
        c, s = math.cos(t), math.sin(t)
        x = w * math.copysign(abs(c) ** 0.7, c)
        y = d * math.copysign(abs(s) ** 0.7, s)
        if y < 0:
            x *= 1 - narrow * (-y / d)
        else:
            y -= hollow * max(0.0, 1 - (x / w) ** 2) * (y / d)
        points.append((x, a.offset + y))
    return points


def _axial_parts(a: _Anatomy, region: str, t: float) -> dict[str, list[tuple[float, float]]]:
    """Bones of the index vertebra in an axial slice at fraction `t` of the body height, in mm (x to the
    patient's left, y backwards). Keys ending in _right / _left are paired."""
    b, c, cw, pw = a.back, a.canal, a.canal_width, a.pedicle_width
    parts: dict[str, list[tuple[float, float]]] = {"body": _axial_body(a, region)}
    through_pedicles = 0.28 <= t <= 0.72
    for side, s in _SIGN.items():
        inner = s * cw / 2
        if a.shape == "sacral":
            ala_reach = 0.7 * a.width
            parts[f"ala_{side}"] = _rounded(
                [
                    (s * 0.4 * a.width, -0.3 * a.depth),
                    (s * ala_reach, -0.25 * a.depth),
                    (s * (ala_reach + 6), b + 6),
                    (s * 0.3 * a.width, b + 4),
                ],
                4,
            )
            parts[f"lamina_{side}"] = _bar((inner, b + c * 0.5), (0, b + c + 3), 5)
            continue
        if region == "cervical":
            # The cervical canal is wider than the body: short pedicles run back and out to the lateral masses.
            mass = s * (cw / 2 + 3.5)
            if through_pedicles:
                parts[f"pedicle_{side}"] = _bar((s * 0.36 * a.width, b - 3), (mass, b + 0.5 * c), 5)
                parts[f"facet_{side}"] = _ellipse(mass, b + 0.62 * c, 5.5, 0.32 * c, n=16)
            else:
                parts[f"facet_{side}"] = _ellipse(mass + s, b + 0.5 * c, 5, 0.26 * c, n=16)
                parts[f"facet2_{side}"] = _ellipse(mass - s * 1.5, b + 0.82 * c, 5, 0.24 * c, n=16)
        elif through_pedicles:
            parts[f"pedicle_{side}"] = _rounded(
                [
                    (inner, b - 4),
                    (s * (cw / 2 + pw) + s * 2, b - 4),
                    (s * (cw / 2 + pw), b + 0.62 * c),
                    (inner, b + 0.62 * c),
                ],
                1.5,
            )
            parts[f"facet_{side}"] = _ellipse(s * (cw / 2 + 0.55 * pw), b + 0.8 * c, 0.75 * pw, 0.3 * c, n=16)
        else:
            # Between the pedicles: the foramen, and the facet joint between two articular processes.
            parts[f"facet_{side}"] = _ellipse(s * (cw / 2 + 0.7 * pw), b + 0.68 * c, 0.6 * pw, 0.28 * c, n=16)
            parts[f"facet2_{side}"] = _ellipse(s * (cw / 2 + 0.1 * pw), b + 0.98 * c, 0.55 * pw, 0.26 * c, n=16)
        parts[f"lamina_{side}"] = _bar((s * (cw / 2 + 0.2 * pw), b + 0.82 * c), (0, b + c + 3), 4.5)
        if region == "lumbar" and through_pedicles:
            parts[f"transverse_{side}"] = _bar(
                (s * (cw / 2 + 0.6 * pw), b + 0.42 * c), (s * (a.width / 2 + 20), b + 0.3 * c), 6
            )
        elif region == "thoracic":
            parts[f"transverse_{side}"] = _bar(
                (s * (cw / 2 + pw), b + 0.75 * c), (s * (a.width / 2 + 14), b + c + 4), 7
            )
        elif region == "cervical" and a.shape not in ("skull", "atlas"):
            parts[f"transverse_{side}"] = _bar(
                (s * (a.width / 2 - 3), -0.1 * a.depth), (s * (a.width / 2 + 9), 0.15 * a.depth), 7
            )
    if a.shape != "sacral":
        parts["spinous"] = _rounded(
            [(-3, b + c + 1), (3, b + c + 1), (2, b + c + 1 + 0.7 * a.spinous), (-2, b + c + 1 + 0.7 * a.spinous)], 2
        )
    return parts


def _axial_ring(a: _Anatomy) -> dict[str, list[tuple[float, float]]]:
    """C1 and the foramen magnum, simplified: the anterior arch of C1 (or the basion of the clivus) as the
    "body", lateral masses (or occipital condyles) and a posterior arch curving round a wide canal."""
    atlas = a.shape == "atlas"
    lateral = 17 if atlas else 15
    parts = {"body": _ellipse(0, a.offset, 0.3 * a.width, 0.4 * a.depth if atlas else 0.35 * a.depth, n=24)}
    for side, s in _SIGN.items():
        parts[f"mass_{side}"] = _ellipse(s * lateral, a.back - 3, 6, 9, n=20)
        if atlas:
            parts[f"ring_{side}"] = _bar((s * 4, a.offset + 1), (s * (lateral - 3), a.back - 8), 4)
    (cx, cy), (rx, ry) = _axial_canal_geometry(a)
    turns = [-0.4 + (math.pi + 0.8) * k / 16 for k in range(17)]
    arc = [(cx + (rx + 3.5) * math.cos(t), cy + (ry + 3.5) * math.sin(t)) for t in turns]
    parts["arch"] = _ribbon(arc, 5)
    if atlas:
        parts["dens"] = _ellipse(0, a.back - 5, 5, 5, n=20)
    return parts


def _render_axial(scene: _Scene, pal: dict[str, int], vert: _Vertebra, t: float, salt: int) -> Image.Image:
    a = vert.anatomy
    region = _region_of(vert)
    frame = _axial_frame(scene)
    rim = frame.width(1.2, 2)
    img = Image.new("L", SIZES["axial"], pal["fat"])
    draw = ImageDraw.Draw(img)

    def poly(points):
        return [frame.px(x, y) for x, y in points]

    def oval(x, y, rx, ry, tissue):
        draw.polygon(poly(_ellipse(x, y, rx, ry, n=28)), fill=pal[tissue])

    _axial_soft_tissue(oval, a, region)
    ring = a.shape in ("skull", "atlas")
    parts = _axial_ring(a) if ring else _axial_parts(a, region, t)
    if region == "thoracic":
        for s in _SIGN.values():
            _bone(draw, poly(_ribbon(_axial_rib(a, s), 6)), pal, rim)
    for name, points in parts.items():
        _bone(draw, poly(points), pal, rim)
        if name.startswith("facet2"):
            draw.line(poly(points[:9]), fill=pal["joint"], width=max(1, rim // 2))  # the facet joint space
    if a.shape == "sacral":
        for s in _SIGN.values():
            _bone(draw, poly(_axial_ilium(a, s)), pal, rim)
    canal = _axial_canal_geometry(a)
    _axial_canal(draw, frame, pal, vert, *canal, t)
    if vert.lesion is not None:
        _axial_lesion(img, draw, frame, pal, vert, region, parts, canal, t, rim, salt)
    for s in _SIGN.values():  # holes through the bone, drawn over any tumour in it
        if a.shape == "sacral":
            oval(s * (0.5 * a.width + 2), a.back - 3, 3.5, 3.5, "root")  # anterior sacral foramina
        elif region == "cervical" and not ring:
            oval(s * (a.width / 2 + 3), 0.02 * a.depth, 2.6, 2.6, "vessel")  # vertebral artery, foramen transversarium
    return img


def _axial_rib(a: _Anatomy, s: int) -> list[tuple[float, float]]:
    """A rib: its head at the side of the body, its neck along the transverse process, then back and round."""
    w, b, c = a.width / 2, a.back, a.canal
    return [
        (s * (w - 1), b - 5),
        (s * (w + 8), b + 0.35 * c),
        (s * (w + 16), b + 0.95 * c),
        (s * (w + 26), b + 1.1 * c),
        (s * (w + 38), b + 0.7 * c),
        (s * (w + 50), b - 4),
        (s * (w + 60), -0.8 * a.depth),
        (s * (w + 66), -2.5 * a.depth),
    ]


def _axial_ilium(a: _Anatomy, s: int) -> list[tuple[float, float]]:
    """The iliac bone beside the sacral ala, across the sacroiliac joint."""
    x = 0.7 * a.width
    corners = [(x + 9, -0.3 * a.depth), (x + 60, -1.2 * a.depth), (x + 70, -0.8 * a.depth), (x + 12, a.back + 18)]
    return _rounded([(s * u, v) for u, v in corners], 5)


def _axial_canal_geometry(a: _Anatomy) -> tuple[tuple[float, float], tuple[float, float]]:
    """Centre and semi-axes of the canal in an axial slice, mm."""
    narrow = 3 if a.shape in ("skull", "atlas") else 0  # the lateral masses crowd the canal of C1
    return (0.0, a.back + a.canal / 2), (a.canal_width / 2 - narrow, a.canal / 2)


def _axial_soft_tissue(oval, a: _Anatomy, region: str) -> None:
    """Muscles, vessels, airway and lungs around the vertebra, by region."""
    w, d, back = a.width / 2, a.depth / 2, a.back + a.canal
    for s in (-1, 1):
        oval(
            s * (0.3 * w + 10), back + 0.3 * a.spinous + 2, 0.45 * w + 9, 0.3 * a.spinous + 10, "muscle"
        )  # erector spinae
    if region == "thoracic":
        for s in (-1, 1):
            oval(s * (w + 58), -6, 52, 72, "lung")
        oval(0.55 * w, -d - 12, 12, 12, "vessel")  # descending aorta, left
        oval(-0.25 * w, -d - 7, 6, 5, "muscle")  # oesophagus
    elif region == "lumbar":
        for s in (-1, 1):
            oval(s * (w + 9), 0.1 * d, 13, 17, "muscle")  # psoas
        oval(0.35 * w, -d - 13, 10, 10, "vessel")  # aorta, left
        oval(-0.55 * w, -d - 12, 12, 8, "vessel")  # inferior vena cava, right
        oval(0, -d - 60, 80, 32, "viscera")
    elif region == "cervical":
        oval(0, -d - 3, w + 3, 5, "muscle")  # longus colli
        oval(0, -d - 20, 14, 10, "muscle")  # oesophagus and pharynx
        oval(0, -d - 24, 9, 7, "air")
        for s in (-1, 1):
            oval(s * (w + 20), -d - 8, 5, 5, "vessel")  # carotid
            oval(s * (w + 28), -d - 2, 7, 6, "vessel")  # jugular
    else:
        for s in (-1, 1):
            oval(s * (w + 40), back + 28, 40, 34, "muscle")  # gluteal muscles
        oval(0, -d - 34, 22, 16, "viscera")  # rectum


def _axial_canal(draw, frame: _Frame, pal, vert: _Vertebra, centre, radii, t: float) -> None:
    """Epidural fat, the thecal sac and the cord, dented by epidural tumour according to the ESCC grade."""
    cx, cy = centre
    rx, ry = radii
    lesion = vert.lesion
    grade = lesion.epidural if lesion is not None else None
    bias = _SIGN[lesion.pedicles[0]] * 0.25 if lesion is not None and len(lesion.pedicles) == 1 else 0.0
    # The tumour bulges most in the middle of the vertebra and less towards the endplates.
    fade = max(0.0, 1 - ((t - 0.5) / 0.7) ** 2) ** 0.5

    def tumour_front(x):
        if grade is None:
            return -2.0
        q = max(0.0, 1 - ((x - bias) / 0.95) ** 2) ** 0.7
        return -1 + (_ESCC_FRONT[grade] + 1) * q * fade

    def shape(x_half, y0, y1, squash=False):
        """An ellipse in normalised canal space pushed back by the tumour; returns front and back edges."""
        xs = [x_half * (2 * k / 24 - 1) for k in range(25)]
        mid, half = (y0 + y1) / 2, (y1 - y0) / 2
        fronts, backs = [], []
        for x in xs:
            e = math.sqrt(max(0.0, 1 - (x / x_half) ** 2))
            front, back = mid - half * e, mid + half * e
            front = max(front, tumour_front(x)) if squash else front
            fronts.append((x, min(front, back - 0.04)))
            backs.append((x, back))
        return fronts, backs

    def to_px(points):
        return [frame.px(cx + x * rx, cy + y * ry) for x, y in points]

    fronts, backs = shape(1.0, -1.0, 1.0)
    draw.polygon(to_px(fronts + backs[::-1]), fill=pal["fat"])
    if vert.code not in _SAC_LEVELS:
        return
    fronts, backs = shape(0.86, *_SAC, squash=True)
    draw.polygon(to_px(fronts + backs[::-1]), fill=pal["csf"])
    if vert.code not in _CORD_LEVELS and vert.code != "L1":
        for k in range(9):  # roots of the cauda equina, lying back in the sac
            x = -0.45 + 0.9 * k / 8
            y = 0.45 + 0.2 * math.sin(k * 1.7)
            draw.ellipse(_box(to_px([(x - 0.05, y - 0.07), (x + 0.05, y + 0.07)])), fill=pal["root"])
        return
    cord_back = _CORD
    cord_width = 0.52
    if grade in _CORD_BACK:
        # A compressed cord is flattened and widened; at grade 3 it fills the sac and no CSF is left.
        cord_back = _CORD + (_CORD_BACK[grade] - _CORD) * fade
        cord_width = 0.62 if grade == "2" else 0.86
    fronts, backs = shape(cord_width, -_CORD, cord_back, squash=True)
    if grade == "3":
        fronts, backs = shape(0.86, *_SAC, squash=True)  # the cord fills what is left of the sac
    draw.polygon(to_px(fronts + backs[::-1]), fill=pal["cord"])
    if grade is not None:
        fronts, _ = shape(1.0, -1.0, 1.0)
        edge = [(x, tumour_front(x)) for x, _ in fronts]
        # The tumour breaks through the back of the body: past the cortex and the concave posterior wall.
        breach = _BREACH / ry * fade
        wall = [(x, min(y, -1.0 - breach * math.sqrt(max(0.0, 1 - (x / 0.8) ** 2)))) for x, y in fronts]
        draw.polygon(to_px(wall + edge[::-1]), fill=pal["tumour"])


def _axial_lesion(img, draw, frame, pal, vert, region, parts, canal, t, rim, salt) -> None:
    lesion = vert.lesion
    a = vert.anatomy

    def poly(points):
        return [frame.px(x, y) for x, y in points]

    for place in lesion.paravertebral:
        # Drawn before the bone lesion, over the cortex: the tumour has broken out through it.
        if place == "anterior":
            mass = _ellipse(0, a.offset - a.depth / 2 - 6, 0.4 * a.width, 11, lesion.wobble, n=28)
        elif a.shape == "sacral":  # in front of the ala, against the pelvic wall
            mass = _ellipse(_SIGN[place] * 0.5 * a.width, a.offset - a.depth / 2 - 4, 13, 10, lesion.wobble, n=28)
        else:
            mass = _ellipse(_SIGN[place] * (a.width / 2 + 6), a.offset, 11, 0.5 * a.depth + 3, lesion.wobble, n=28)
        draw.polygon(poly(mass), fill=pal["tumour"])
    reach = _lesion_reach_axial(lesion, t)
    if reach > 0:
        blob = _ellipse(
            lesion.cx * a.width,
            a.offset + lesion.cu * a.depth,
            lesion.rx * a.width * reach,
            lesion.ru * a.depth * reach,
            lesion.wobble,
        )
        _paint_lesion(img, poly(blob), poly(parts["body"]), lesion, pal, salt, rim)
    # Posterolateral involvement: tumour replaces the pedicle and facet (the lateral mass of C1, the ala of the
    # sacrum), and the rib head in the chest, inside their cortex; the lamina too in Tomita type 3.
    names = ("pedicle", "facet", "mass", "ala")
    replaced = [parts.get(f"{name}_{side}") for side in lesion.pedicles for name in names]
    if region == "thoracic":
        replaced += [_ribbon(_axial_rib(a, _SIGN[side])[:3], 6) for side in lesion.pedicles]
    replaced += [parts.get(f"lamina_{side}") for side in lesion.laminae]
    for k, part in enumerate(part for part in replaced if part):
        _paint_lesion(img, poly(part), poly(part), lesion, pal, salt + 1 + k, rim)
    if lesion.epidural is not None:
        # Redraw the canal so the epidural tumour sits on top of the bone lesion it grew from.
        _axial_canal(draw, frame, pal, vert, *canal, t)


# --- AP radiograph ----------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _coronal_body(vert: _Vertebra) -> tuple[tuple[float, float], ...]:
    a = vert.anatomy
    w, hr, hl = a.width / 2, vert.h_right / 2, vert.h_left / 2
    if a.shape == "atlas":
        return tuple(_ellipse(0, 0, w, 0.5 * hr, n=20))
    if a.shape == "skull":
        return tuple(_rounded([(-1.6 * w, -hr - 10), (1.6 * w, -hl - 10), (1.2 * w, hl), (-1.2 * w, hr)], 6))
    waist = 0.03 * a.width
    corners = [(-w, -hr), (w, -hl), (w - waist, 0), (w, hl), (-w, hr), (-w + waist, 0)]
    return tuple(_rounded(corners, 0.1 * min(a.width, vert.height)))


def _pedicle_oval(vert: _Vertebra, s: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Centre and radii (mm, coronal frame) of the pedicle ring seen end-on on one side."""
    a = vert.anatomy
    return (s * 0.31 * a.width, -0.18 * vert.height), (0.1 * a.width, 0.17 * vert.height + 0.6)


def _render_ap(scene: _Scene, pal: dict[str, int], salt: int) -> Image.Image:
    size = SIZES["ap"]
    frame = _coronal_frame(scene, size)
    rim = frame.width(1.2, 2)
    img = Image.new("L", size, pal["muscle"])
    draw = ImageDraw.Draw(img)
    _ap_soft_tissue(draw, scene, frame, pal, rim)
    _ap_sacrum(draw, scene, frame, pal, rim)
    for vert in scene.vertebrae:
        _ap_processes(draw, vert, frame, pal, rim)
        if vert.anatomy.shape != "sacral":
            _bone(draw, _px(frame, _cor_xy, vert, _coronal_body(vert)), pal, rim)
    for vert in scene.vertebrae:
        if vert.lesion is not None:
            _ap_lesion(img, draw, vert, frame, pal, rim, salt)
    for vert in scene.vertebrae:
        _ap_posterior_elements(img, draw, scene, vert, frame, pal, rim, salt)
    if scene.findings.absent_pedicle == "not_assessable":
        _degrade(img, frame, scene.index, salt)
    draw.rectangle((14, 14, 44, 44), outline=235, width=2)  # the lead "R" marker on the patient's right
    _label(img, (29, 29), "R", align="centre", size=20)
    return img


def _ap_processes(draw, vert: _Vertebra, frame: _Frame, pal, rim: int) -> None:
    """What sticks out beside a body on the AP film: ribs in the chest, transverse processes in the lumbar
    spine, the columns of lateral masses in the neck."""
    a, h, region = vert.anatomy, vert.height, _region_of(vert)
    for s in (-1, 1):
        if region == "thoracic":
            # A posterior rib: out along the transverse process, a little up, then curving down the chest.
            w = a.width
            rib = [
                (0.45 * w, -0.15 * h),
                (0.95 * w, -0.3 * h),
                (1.5 * w, -0.25 * h),
                (2.1 * w, 0.3 * h),
                (2.6 * w, 1.4 * h),
                (3.0 * w, 3.0 * h),
            ]
            faint = {**pal, "marrow": pal["marrow"] - 45, "cortex": pal["cortex"] - 55}  # thin bone
            _bone(draw, _px(frame, _cor_xy, vert, _ribbon([(s * x, y) for x, y in rib], 0.34 * h)), faint, rim)
        elif region == "lumbar" and a.shape == "body":
            process = _bar((s * 0.38 * a.width, -0.12 * h), (s * 0.9 * a.width, -0.08 * h), 0.2 * a.height)
            _bone(draw, _px(frame, _cor_xy, vert, _rounded(process, 2)), pal, rim)
        elif region == "cervical" and a.shape in ("body", "axis"):
            x0, x1, y = s * 0.55 * a.width, s * 0.85 * a.width, 0.6 * a.height
            _bone(draw, _px(frame, _cor_xy, vert, _rounded([(x0, -y), (x1, -y), (x1, y), (x0, y)], 3)), pal, rim)


def _ap_lesion(img, draw, vert: _Vertebra, frame: _Frame, pal, rim: int, salt: int) -> None:
    a, lesion = vert.anatomy, vert.lesion
    for side in set(lesion.paravertebral) - {"anterior"}:
        # A paravertebral mass widens the paraspinal line; against lung it shows as a soft-tissue bulge.
        mass = _ellipse(_SIGN[side] * (0.5 * a.width + 5), 0, 12, 0.75 * a.height, lesion.wobble)
        draw.polygon(_px(frame, _cor_xy, vert, mass), fill=pal["tumour"])
    blob = _ellipse(
        lesion.cx * a.width, lesion.cv * vert.height, lesion.rx * a.width, lesion.rv * vert.height, lesion.wobble
    )
    body = _px(frame, _cor_xy, vert, _coronal_body(vert))
    _paint_lesion(img, _px(frame, _cor_xy, vert, blob), body, lesion, pal, salt, rim)


# How far out the psoas margin lies at each lumbar level, in body widths: the muscles fan out going down.
_PSOAS = {"L1": 0.75, "L2": 0.9, "L3": 1.05, "L4": 1.2, "L5": 1.35}


def _ap_soft_tissue(draw, scene: _Scene, frame: _Frame, pal, rim: int) -> None:
    """Lungs either side of the mediastinum and the heart shadow in the chest, air beside the neck, psoas
    margins in the abdomen, iliac wings beside the sacrum."""
    verts = scene.vertebrae
    guide = _guide([v.cor for v in verts])

    def band(first, last, near, far, tissue):
        draw.polygon(_along_guide(guide, frame, verts, first, last, near, far), fill=pal[tissue])

    for first, last, region in _runs(verts, _region_of):
        for s in (-1, 1):
            if region == "thoracic":
                band(first, last, lambda v, s=s: s * (0.5 * v.anatomy.width + 9), lambda v, s=s: s * 400, "lung")
            elif region == "cervical":
                band(first, last, lambda v, s=s: s * 1.7 * v.anatomy.width, lambda v, s=s: s * 400, "air")
            elif region == "lumbar":

                def edge(v, s=s, extra=0.0):
                    return s * (_PSOAS.get(v.code, 1.35) * v.anatomy.width + extra)

                band(first, last, edge, lambda v, s=s, edge=edge: edge(v, s, 3.0), "fat")
    for first, last, trachea in _runs(verts, lambda v: v.code in ("C6", "C7", "T1", "T2", "T3")):
        if trachea:
            band(first, last, lambda v: -0.3 * v.anatomy.width, lambda v: 0.3 * v.anatomy.width, "lung")
    heart = next((v for v in verts if v.code in ("T10", "T11", "T9", "T12")), None)
    if heart is not None:  # the heart shadow lies low in the chest, mostly to the patient's left
        w = heart.anatomy.width
        outline = _ellipse(1.1 * w, -0.5 * heart.height, 2.7 * w, 3.2 * heart.height, n=40)
        draw.polygon(_px(frame, _cor_xy, heart, outline), fill=pal["viscera"])
    pelvis = next((v for v in verts if v.code == "S1"), None)
    if pelvis is not None:
        w, h = pelvis.anatomy.width, pelvis.height
        thin = {**pal, "marrow": pal["marrow"] - 45}  # the iliac wing is a thin plate, fainter than the spine
        for s in (-1, 1):
            wing = _rounded(
                [
                    (s * 0.98 * w, -0.4 * h),
                    (s * 1.15 * w, -1.5 * h),
                    (s * 1.7 * w, -2.3 * h),
                    (s * 2.7 * w, -2.2 * h),
                    (s * 3.4 * w, -1.2 * h),
                    (s * 3.6 * w, 1.4 * h),
                    (s * 1.2 * w, 2.5 * h),
                    (s * 0.92 * w, 1.3 * h),
                ],
                14,
            )
            _bone(draw, _px(frame, _cor_xy, pelvis, wing), thin, rim + 1)


def _ap_sacrum(draw, scene: _Scene, frame: _Frame, pal, rim: int) -> None:
    """The sacrum seen from the front: one tapering bone with wings (alae) at the top and paired foramina."""
    segments = [v for v in scene.vertebrae if v.anatomy.shape == "sacral"]
    if not segments:
        return
    right, left = [], []
    for k, vert in enumerate(segments):
        w = vert.anatomy.width
        half = w / 2 + {"S1": 0.45, "S2": 0.38, "S3": 0.2}.get(vert.code, 0.0) * w
        heights = [0.0]
        if k == 0:
            heights = [-vert.height / 2, 0.0]
        if k == len(segments) - 1:
            heights.append(vert.height / 2)
        for v in heights:
            right.append(frame.px(*_cor_xy(vert, -half, v)))
            left.append(frame.px(*_cor_xy(vert, half, v)))
    _bone(draw, _rounded(right + left[::-1], 6), pal, rim)
    for vert in segments:
        w, h = vert.anatomy.width, vert.height
        for s in (-1, 1):
            hole = _ellipse(s * 0.34 * w, 0.1 * h, 0.07 * w + 1.2, 0.14 * h + 1, n=16)
            draw.polygon(_px(frame, _cor_xy, vert, hole), fill=pal["muscle"] + 12)
        edge = [(-0.4 * w, h / 2 + vert.anatomy.disc / 2), (0.4 * w, h / 2 + vert.anatomy.disc / 2)]
        draw.line(_px(frame, _cor_xy, vert, edge), fill=pal["marrow"] + 18, width=max(1, rim // 2))


def _ap_posterior_elements(img, draw, scene: _Scene, vert: _Vertebra, frame: _Frame, pal, rim: int, salt: int) -> None:
    """Pedicle rings and the spinous process projected over the body; the absent pedicle sign lives here."""
    a = vert.anatomy
    if a.shape not in ("body", "axis", "sacral") or (a.shape == "sacral" and vert.code != "S1"):
        return
    f = scene.findings
    lesion = vert.lesion
    for side, s in _SIGN.items():
        (cx, cy), (rx, ry) = _pedicle_oval(vert, s)
        ring = _px(frame, _cor_xy, vert, _ellipse(cx, cy, rx, ry, n=24))
        involved = lesion is not None and side in lesion.pedicles
        if vert is scene.index and f.absent_pedicle == "present" and side in (lesion.pedicles or (f.side,)):
            # The "winking owl": a pedicle destroyed by tumour loses its ring (both, when both are replaced).
            blob = _px(frame, _cor_xy, vert, _ellipse(cx, cy, 1.3 * rx, 1.2 * ry, lesion.wobble))
            _paint_lesion(img, blob, None, replace(lesion, bone="lytic"), pal, salt + 4)
            continue
        fill = pal["blastic"] if involved and lesion.bone == "blastic" else pal["marrow"] + 14
        draw.polygon(ring, fill=fill, outline=pal["cortex"], width=rim + 1)
    if a.shape != "sacral":
        drop = (0.6 if _region_of(vert) == "thoracic" else 0.28) * vert.height
        spinous = _px(frame, _cor_xy, vert, _ellipse(0, drop, 0.07 * a.width, 0.2 * a.height, n=16))
        draw.polygon(spinous, outline=pal["cortex"] - 10, width=rim)


def _degrade(img: Image.Image, frame: _Frame, vert: _Vertebra, salt: int) -> None:
    """Make the index level unreadable, as overlying bowel gas and a poorly penetrated film do."""
    a = vert.anatomy
    x0, y0 = frame.px(*_cor_xy(vert, -1.6 * a.width, -vert.height - a.disc))
    x1, y1 = frame.px(*_cor_xy(vert, 1.6 * a.width, vert.height + a.disc))
    box = (max(0, round(x0)), max(0, round(y0)), min(img.width, round(x1)), min(img.height, round(y1)))
    patch = img.crop(box).filter(ImageFilter.GaussianBlur(6))
    patch = patch.point(lambda v: 110 + (v - 110) // 5)  # very low contrast
    patch = ImageChops.add(patch, _noise(patch.size, 40, _stable_seed("degrade", salt)), 1.0, -40)
    feather = Image.new("L", patch.size, 0)
    w, h = patch.size
    ImageDraw.Draw(feather).ellipse((0.08 * w, 0.12 * h, 0.92 * w, 0.88 * h), fill=255)
    img.paste(patch, box[:2], feather.filter(ImageFilter.GaussianBlur(0.06 * h)))


# --- Finishing: blur, noise, shading -----------------------------------------------------------------------

# A 3 × 3 binomial kernel: close to a Gaussian blur of sigma 0.7 at half the cost.
_SOFTEN = ImageFilter.Kernel((3, 3), (1, 2, 1, 2, 4, 2, 1, 2, 1), 16)

# (texture amplitude, noise amplitude, blur before the grain, blur after it): MRI noise is sharp; CT noise is
# grainy; radiographs are soft.
_FINISH = {
    "ct": (5, 14, None, _SOFTEN),
    "t1": (6, 7, _SOFTEN, None),
    "t2": (6, 7, _SOFTEN, None),
    "stir": (6, 8, _SOFTEN, None),
    "xr": (4, 5, ImageFilter.GaussianBlur(1.3), None),
}
_GRAIN_MARGIN = 97  # the grain tile is this much larger than the image; each image uses its own window of it


def _noise(size: tuple[int, int], amplitude: int, seed: int) -> Image.Image:
    """Uniform noise from 0 to 2 × amplitude; add it with an offset of -amplitude.

    Image.effect_noise would be quicker to write, but it draws on C's rand() and is not reproducible.
    """
    data = random.Random(seed).randbytes(size[0] * size[1])
    table = [v * 2 * amplitude // 255 for v in range(256)]
    return Image.frombytes("L", size, data).point(table)


@lru_cache(maxsize=16)
def _grain_tile(size: tuple[int, int], contrast: str) -> Image.Image:
    """Coarse blotches (upsampled low-resolution noise) plus fine noise, centred on the texture + noise
    amplitude. Made once per size and contrast; images crop it at different places, which is far cheaper
    than drawing fresh random numbers for every image and looks the same."""
    texture, amplitude = _FINISH[contrast][:2]
    tile = (size[0] + _GRAIN_MARGIN, size[1] + _GRAIN_MARGIN)
    small = _noise((tile[0] // 6 + 1, tile[1] // 6 + 1), texture, _stable_seed("texture", contrast))
    blotches = small.resize(tile, Image.Resampling.BILINEAR)
    return ImageChops.add(blotches, _noise(tile, amplitude, _stable_seed("noise", contrast)))


@lru_cache(maxsize=8)
def _shading(size: tuple[int, int], plane: str, contrast: str) -> Image.Image | None:
    """A multiplier image: a surface coil makes MRI brighter near the back; radiographs fall off at the edges."""
    if contrast == "ct":
        return None
    if contrast == "xr":
        return Image.radial_gradient("L").resize(size).point(lambda v: 255 - v * 55 // 255)
    ramp = Image.linear_gradient("L")
    if plane == "sagittal":
        ramp = ramp.rotate(90)  # posterior is on the right of a sagittal image
    low = 175 if plane == "sagittal" else 205  # the axial field of view is smaller, so it falls off less
    return ramp.resize(size).point(lambda v: low + v * (255 - low) // 255)


def _finish(img: Image.Image, contrast: str, plane: str, seed: int) -> Image.Image:
    texture, amplitude, before, after = _FINISH[contrast]
    if before:
        img = img.filter(before)
    shade = _shading(img.size, plane, contrast)
    if shade is not None:
        img = ImageChops.multiply(img, shade)
    rng = random.Random(seed)
    x, y = rng.randrange(_GRAIN_MARGIN), rng.randrange(_GRAIN_MARGIN)
    grain = _grain_tile(img.size, contrast).crop((x, y, x + img.width, y + img.height))
    img = ImageChops.add(img, grain, 1.0, -(texture + amplitude))
    if after:
        img = img.filter(after)
    return img


def _annotate(img: Image.Image, series: SeriesKind, index: int) -> None:
    _label(img, (img.width - 6, 10), _SERIES_NAME[series.code], align="right", size=11)
    if series.slices > 1:
        _label(img, (img.width - 6, img.height - 10), f"{index + 1}/{series.slices}", align="right", size=11)
    if series.plane == "axial":
        _label(img, (6, img.height / 2), "R", size=13)
        _label(img, (img.width - 6, img.height / 2), "L", align="right", size=13)


# --- Dispatch ----------------------------------------------------------------------------------------------


def _series(kind: str) -> SeriesKind:
    try:
        return SERIES_KINDS[kind]
    except KeyError:
        raise ValueError(f"Unknown series kind {kind!r}; use one of {', '.join(SERIES_KINDS)}.") from None


def _draw(scene: _Scene, series: SeriesKind, index: int, pal: dict[str, int]) -> Image.Image:
    """Image `index` of the series, drawn in the grey levels `pal` gives each tissue."""
    salt = _stable_seed(series.code, index)
    if series.plane == "ap":
        return _render_ap(scene, pal, salt)
    if series.plane == "axial":
        return _render_axial(scene, pal, *_axial_cuts(scene, series.slices)[index], salt)
    if series.plane == "lateral":
        return _render_sagittal(scene, pal, series.size, 0.0, "projection", salt)
    offset = _slice_offsets(scene, series)[index]
    return _render_sagittal(scene, pal, series.size, offset, _slice_mode(scene, offset), salt)


def _render(scene: _Scene, series: SeriesKind, index: int, labels: bool) -> Image.Image:
    contrast = _CONTRAST[series.code]
    img = _draw(scene, series, index, PALETTES[contrast])
    img = _finish(img, contrast, series.plane, _stable_seed("noise", scene.findings, scene.seed, series.code, index))
    if labels:
        _annotate(img, series, index)
    return img
