"""The Spinal Instability Neoplastic Score (SINS) and the classifications taught beside it.

This module is the single source of truth for every score, category and option code in SINS Quiz.
It is pure Python: no Django, no I/O, so it can be checked on its own.

Sources: the SINS table of Fisher et al., AJR 2014;203:869 (as reprinted in Lee, "Interpretation of MR
imaging of spinal metastasis", iMRI) and Fourney et al., J Clin Oncol 2011; the Tomita surgical
classification (Tomita et al., Spine 1997;22:324–333; see TOMITA_TYPES); the Bilsky epidural spinal cord
compression (ESCC) grade; lesion appearance and MRI signal from the encyclopedia article on vertebral
metastases. Descriptions are written for this product; the clinical lead owns the wording of the data
tables below and can correct it here without touching any other code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


class SinsError(ValueError):
    """Input that is not part of SINS: an unknown level, option code or total."""


# --- Levels -----------------------------------------------------------------------------------------

LEVELS: tuple[str, ...] = (
    "OCCIPUT",
    *(f"C{n}" for n in range(1, 8)),
    *(f"T{n}" for n in range(1, 13)),
    *(f"L{n}" for n in range(1, 6)),
    *(f"S{n}" for n in range(1, 6)),
)

_ALIASES = {"C0": "OCCIPUT"}
_VALID_LEVELS_TEXT = "occiput (or C0), C1–C7, T1–T12, L1–L5 or S1–S5"


def normalise_level(text: object) -> str:
    """Return the canonical level code for `text` (" t7 " -> "T7", "C0" -> "OCCIPUT")."""
    if not isinstance(text, str):
        raise SinsError(f"A level must be text, such as T7; valid levels are {_VALID_LEVELS_TEXT}.")
    code = "".join(text.split()).upper()
    code = _ALIASES.get(code, code)
    if code not in LEVELS:
        shown = text.strip() or "an empty level"
        raise SinsError(f"{shown!r} is not a vertebral level; valid levels are {_VALID_LEVELS_TEXT}.")
    return code


def level_label(level: str) -> str:
    """How a level is written for people: "Occiput", "T7"."""
    level = normalise_level(level)
    return "Occiput" if level == "OCCIPUT" else level


# How texts write a level: the letter (thoracic also "Th") and the number, alone or ending a range ("T11-12",
# "L4/5"), or in words ("twelfth thoracic vertebra", "12th thoracic body").
_LEVEL_LETTERS = {"C": "C", "T": "Th|T", "L": "L", "S": "S"}
_REGION_WORDS = {"C": "cervical", "T": "thoracic|dorsal", "L": "lumbar", "S": "sacral"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth")  # fmt: skip
_BONE_WORDS = r"vertebra\w*|body|level|segment"


def names_level(text: str, level: str) -> bool:
    """Whether `text` names `level` ("T4", "t 4", "T-4", "Th4", "T3-4", "fourth thoracic vertebra"; "occiput" or
    "C0"): a history that does gives the answer away."""
    code = normalise_level(level)
    if code == "OCCIPUT":
        pattern = r"occiput|C\s?0"
    else:
        letter, number = code[0], int(code[1:])
        letters = _LEVEL_LETTERS[letter]
        pattern = rf"(?:{letters})[\s-]?(?:\d{{1,2}}\s?[-/–]\s?(?:{letters})?)?{number}"
        ordinal = rf"{number}(?:st|nd|rd|th)"
        if number <= len(_ORDINALS):
            ordinal += rf"|{_ORDINALS[number - 1]}"
        pattern += rf"|(?:{ordinal})\s+(?:{_REGION_WORDS[letter]})\s+(?:{_BONE_WORDS})"
    return re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE) is not None


def region_for_level(level: str) -> str:
    """The spinal region: "cervical" (occiput included), "thoracic", "lumbar" or "sacral"."""
    level = normalise_level(level)
    return {"O": "cervical", "C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}[level[0]]


REGIONS: tuple[tuple[str, str], ...] = (
    ("cervical", "Cervical"),
    ("thoracic", "Thoracic"),
    ("lumbar", "Lumbar"),
    ("sacral", "Sacral"),
)


# --- Options and components -------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    definition: str


@dataclass(frozen=True)
class Option(Choice):
    points: int


@dataclass(frozen=True)
class Component:
    """One of the six SINS components, with its options in the order of the published table."""

    name: str
    label: str
    options: tuple[Option, ...]
    hint: str = ""
    short_label: str = ""

    def __post_init__(self):
        if not self.short_label:
            object.__setattr__(self, "short_label", self.label)

    def option(self, code: object) -> Option:
        for option in self.options:
            if option.code == code:
                return option
        valid = ", ".join(o.code for o in self.options)
        raise SinsError(f"{code!r} is not an option for {self.label.lower()}; use one of: {valid}.")

    def points(self, code: object) -> int:
        return self.option(code).points

    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(o.code, o.label) for o in self.options]

    @property
    def max_points(self) -> int:
        return max(o.points for o in self.options)


LOCATION = Component(
    "location",
    "Location",
    (
        Option(
            "junctional",
            "Junctional (occiput–C2, C7–T2, T11–L1, L5–S1)",
            "The lesion sits where a stiff segment meets a mobile one, so bending forces concentrate there.",
            3,
        ),
        Option(
            "mobile",
            "Mobile spine (C3–C6, L2–L4)",
            "The lesion is in a freely moving segment with no rib cage or pelvis to brace it.",
            2,
        ),
        Option(
            "semirigid",
            "Semirigid (T3–T10)",
            "The lesion is in the mid-thoracic spine, which the ribs and sternum splint.",
            1,
        ),
        Option(
            "rigid",
            "Rigid (S2–S5)",
            "The lesion is in the lower sacrum, which is fused and hardly moves.",
            0,
        ),
    ),
    hint="Follows from the index level.",
)

PAIN = Component(
    "pain",
    "Pain",
    (
        Option(
            "mechanical",
            "Mechanical pain",
            "Pain that eases when the patient lies down, or that comes with movement or loading of the spine.",
            3,
        ),
        Option(
            "occasional",  # the stored code; the option covers any pain that is not mechanical
            "Non-mechanical pain (occasional, constant or at night)",
            "Pain from the lesion that does not depend on posture, movement or load, whether it comes and goes, "
            "never stops or is worst at night.",
            1,
        ),
        Option(
            "none",
            "Pain-free lesion",
            "The history gives no pain attributable to this lesion.",
            0,
        ),
    ),
    hint="Scored from the clinical history, never from the images.",
)

BONE_LESION = Component(
    "bone_lesion",
    "Bone lesion",
    (
        Option(
            "lytic",
            "Lytic",
            "Tumour has destroyed bone: a soft-tissue-density defect in place of trabeculae or cortex.",
            2,
        ),
        Option(
            "mixed",
            "Mixed (lytic/blastic)",
            "The same lesion has areas of bone destruction and areas of new, sclerotic bone.",
            1,
        ),
        Option(
            "blastic",
            "Blastic",
            "The tumour lays down dense, sclerotic bone; no destruction is seen.",
            0,
        ),
    ),
    hint="Judged best on CT.",
)

ALIGNMENT = Component(
    "alignment",
    "Radiographic spinal alignment",
    short_label="Alignment",
    options=(
        Option(
            "subluxation",
            "Subluxation / translation present",
            "One vertebra is displaced on its neighbour, in any plane.",
            4,
        ),
        Option(
            "deformity",
            "De novo deformity (kyphosis / scoliosis)",
            "A kyphosis or scoliosis that is new and caused by the lesion, without translation.",
            2,
        ),
        Option(
            "normal",
            "Normal alignment",
            "No translation and no new deformity at the lesion.",
            0,
        ),
    ),
)

COLLAPSE = Component(
    "collapse",
    "Vertebral body collapse",
    short_label="Collapse",
    options=(
        Option(
            "gt50",
            "> 50 % collapse",
            "The vertebral body has lost more than half of its height.",
            3,
        ),
        Option(
            "lt50",
            "< 50 % collapse",
            "The vertebral body has lost height, but less than half of it.",
            2,
        ),
        Option(
            "involved_gt50",
            "No collapse, > 50 % of the body involved",
            "The height is kept, but tumour fills more than half of the vertebral body.",
            1,
        ),
        Option(
            "none",
            "None of the above",
            "No loss of height, and tumour fills half of the vertebral body or less.",
            0,
        ),
    ),
    hint="Judged best on CT.",
)

POSTEROLATERAL = Component(
    "posterolateral",
    "Posterolateral involvement",
    short_label="Posterolateral",
    options=(
        Option(
            "bilateral",
            "Bilateral",
            "On both sides a facet joint, pedicle or costovertebral joint is fractured or replaced by tumour.",
            3,
        ),
        Option(
            "unilateral",
            "Unilateral",
            "On one side only a facet joint, pedicle or costovertebral joint is fractured or replaced by tumour.",
            1,
        ),
        Option(
            "none",
            "None of the above",
            "Facet joints, pedicles and costovertebral joints are intact on both sides.",
            0,
        ),
    ),
    hint="Facets, pedicles and costovertebral joints.",
)

COMPONENTS: tuple[Component, ...] = (LOCATION, PAIN, BONE_LESION, ALIGNMENT, COLLAPSE, POSTEROLATERAL)
COMPONENTS_BY_NAME: dict[str, Component] = {c.name: c for c in COMPONENTS}
MAX_TOTAL = sum(c.max_points for c in COMPONENTS)  # 18


# --- Location from the level ------------------------------------------------------------------------

# The published spans, cranial to caudal. Every level falls in exactly one.
LOCATION_SPANS: tuple[tuple[str, str, str], ...] = (
    ("OCCIPUT", "C2", "junctional"),
    ("C3", "C6", "mobile"),
    ("C7", "T2", "junctional"),
    ("T3", "T10", "semirigid"),
    ("T11", "L1", "junctional"),
    ("L2", "L4", "mobile"),
    ("L5", "S1", "junctional"),
    ("S2", "S5", "rigid"),
)


def _span_for_level(level: str) -> tuple[str, str, str]:
    index = LEVELS.index(normalise_level(level))
    for first, last, location in LOCATION_SPANS:
        if LEVELS.index(first) <= index <= LEVELS.index(last):
            return first, last, location
    raise AssertionError(f"LOCATION_SPANS does not cover {level}")  # pragma: no cover


def location_for_level(level: str) -> str:
    """The SINS location class of a level: "junctional", "mobile", "semirigid" or "rigid"."""
    return _span_for_level(level)[2]


def location_span(level: str) -> str:
    """The published span that contains a level, as written in the table: "T3–T10", "occiput–C2"."""
    first, last, _ = _span_for_level(level)
    return f"{first.lower() if first == 'OCCIPUT' else first}–{last}"


def explain_location(level: str) -> str:
    """Why a level scores what it does: "T7 lies in T3–T10: semirigid, 1 point"."""
    level = normalise_level(level)
    location = location_for_level(level)
    return f"{level_label(level)} lies in {location_span(level)}: {location}, {points_text(LOCATION.points(location))}"


def points_text(points: int) -> str:
    return f"{points} point" if points == 1 else f"{points} points"


# --- Totals and categories --------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    low: int
    high: int
    meaning: str

    @property
    def range_text(self) -> str:
        return f"{self.low}–{self.high}"


CATEGORIES: tuple[Category, ...] = (
    Category("stable", "Stable", 0, 6, "No surgical consultation is needed on grounds of stability."),
    Category(
        "potentially_unstable",
        "Potentially unstable",
        7,
        12,
        "Indeterminate stability: ask for a surgical opinion.",
    ),
    Category("unstable", "Unstable", 13, 18, "The spine is unstable: ask for a surgical opinion."),
)
CATEGORIES_BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}

# A total at or above this warrants surgical consultation: the binary call the reliability studies report.
SURGICAL_CONSULTATION_THRESHOLD = 7


def _checked_total(total: object) -> int:
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= MAX_TOTAL:
        raise SinsError(f"A SINS total is a whole number from 0 to {MAX_TOTAL}, not {total!r}.")
    return total


def category_for_total(total: int) -> str:
    """ "stable" (0–6), "potentially_unstable" (7–12) or "unstable" (13–18)."""
    total = _checked_total(total)
    return next(c.code for c in CATEGORIES if c.low <= total <= c.high)


def needs_surgical_consultation(total: int) -> bool:
    return _checked_total(total) >= SURGICAL_CONSULTATION_THRESHOLD


@dataclass(frozen=True)
class SinsScore:
    """The points of each component of one SINS reading, with the total and the category."""

    location: int
    pain: int
    bone_lesion: int
    alignment: int
    collapse: int
    posterolateral: int

    @property
    def total(self) -> int:
        return sum(self.points.values())

    @property
    def points(self) -> dict[str, int]:
        return {c.name: getattr(self, c.name) for c in COMPONENTS}

    @property
    def category(self) -> str:
        return category_for_total(self.total)

    @property
    def needs_surgical_consultation(self) -> bool:
        return needs_surgical_consultation(self.total)


def score(
    *, location: str, pain: str, bone_lesion: str, alignment: str, collapse: str, posterolateral: str
) -> SinsScore:
    """Score one reading from its six option codes; an unknown code raises SinsError."""
    chosen = {
        "location": location,
        "pain": pain,
        "bone_lesion": bone_lesion,
        "alignment": alignment,
        "collapse": collapse,
        "posterolateral": posterolateral,
    }
    return SinsScore(**{name: COMPONENTS_BY_NAME[name].points(code) for name, code in chosen.items()})


def total_range(**chosen: str | None) -> tuple[int, int]:
    """The lowest and highest total still possible when only some components are chosen.

    Components left out (or None) may still take any of their options.
    """
    unknown = set(chosen) - set(COMPONENTS_BY_NAME)
    if unknown:
        raise SinsError(f"Not SINS components: {', '.join(sorted(unknown))}.")
    low = high = 0
    for component in COMPONENTS:
        code = chosen.get(component.name)
        if code is None:
            high += component.max_points
        else:
            points = component.points(code)
            low += points
            high += points
    return low, high


# --- Absent pedicle sign ------------------------------------------------------------------------------

ABSENT_PEDICLE: tuple[Choice, ...] = (
    Choice(
        "present",
        "Present",
        "On the AP radiograph a pedicle outline is missing at the level: one side in the classic 'winking owl', "
        "or both.",
    ),
    Choice("absent", "Absent", "Both pedicle outlines are seen on the AP radiograph."),
    Choice(
        "not_assessable",
        "Not assessable",
        "No AP radiograph, or the pedicles cannot be seen well enough to judge.",
    ),
)
ABSENT_PEDICLE_BY_CODE: dict[str, Choice] = {c.code: c for c in ABSENT_PEDICLE}
ABSENT_PEDICLE_DIFFERENTIAL = (
    "tuberculosis and other infection",
    "lymphoma",
    "congenital absence of the pedicle",
    "neurofibromatosis",
    "poor visualisation",
)


# --- Tomita surgical classification -----------------------------------------------------------------
# From the total en bloc spondylectomy paper, Tomita et al., Spine 1997;22:324–333 (not the same group's
# prognostic score for metastases). The primary paper was not at hand: the wording below is the version commonly
# taught and awaits an expert's confirmation; an expert corrects it here, and no other text repeats it. Types 6
# and 7 must not overlap: 6 is spread into the next vertebra, 7 separate lesions with normal vertebrae between.


@dataclass(frozen=True)
class TomitaType:
    type: int
    compartment: str
    extent: str
    definition: str

    @property
    def label(self) -> str:
        return f"Type {self.type}: {self.extent}"


TOMITA_TYPES: tuple[TomitaType, ...] = (
    TomitaType(1, "intracompartmental", "Vertebral body only", "Tumour confined to the vertebral body."),
    TomitaType(2, "intracompartmental", "Body and pedicle", "Tumour in the body that reaches into a pedicle."),
    TomitaType(
        3,
        "intracompartmental",
        "Body, pedicle and lamina",
        "Tumour runs from the body through the pedicle into the lamina, still inside the bone.",
    ),
    TomitaType(
        4,
        "extracompartmental",
        "Epidural extension",
        "Tumour has left the bone and grown into the spinal canal.",
    ),
    TomitaType(
        5,
        "extracompartmental",
        "Paravertebral extension",
        "Tumour has broken out of the bone into the soft tissues beside the spine.",
    ),
    TomitaType(
        6,
        "extracompartmental",
        "Adjacent vertebrae",
        "Tumour has spread from the index vertebra straight into the vertebra above or below.",
    ),
    TomitaType(
        7,
        "multiple",
        "Multiple, non-contiguous (skip) lesions",
        "Separate lesions in two or more vertebrae, with normal vertebrae between them.",
    ),
)
TOMITA_BY_TYPE: dict[int, TomitaType] = {t.type: t for t in TOMITA_TYPES}


def tomita_type(value: object) -> TomitaType:
    try:
        return TOMITA_BY_TYPE[int(value)]  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError):
        raise SinsError(f"{value!r} is not a Tomita type; the types are 1 to 7.") from None


# --- Bilsky epidural spinal cord compression (ESCC) grade, on axial T2 at the worst level ----------------


@dataclass(frozen=True)
class EsccGrade:
    code: str
    label: str
    definition: str
    severity: str

    @property
    def choice_label(self) -> str:
        return f"Grade {self.code}: {self.label}"


_LOW = "low-grade epidural disease"
_DEBATED = "borderline: whether it counts as low- or high-grade is debated"
_HIGH = "high-grade compression"
ESCC_GRADES: tuple[EsccGrade, ...] = (
    EsccGrade("0", "Bone only", "Tumour confined to bone; no epidural tumour.", _LOW),
    EsccGrade("1a", "Epidural impingement", "Epidural tumour touches the thecal sac without deforming it.", _LOW),
    EsccGrade("1b", "Thecal sac deformed", "The thecal sac is deformed, but tumour does not reach the cord.", _LOW),
    EsccGrade("1c", "Cord abutted", "The sac is deformed and tumour abuts the cord without compressing it.", _DEBATED),
    EsccGrade("2", "Cord compressed, CSF visible", "The cord is compressed, but CSF is still seen around it.", _HIGH),
    EsccGrade("3", "Cord compressed, no CSF", "The cord is compressed and no CSF is left around it.", _HIGH),
)  # fmt: skip
ESCC_BY_CODE: dict[str, EsccGrade] = {g.code: g for g in ESCC_GRADES}
ESCC_MANAGEMENT = (
    "In the absence of mechanical instability, the NOMS framework (neurologic, oncologic, mechanical — SINS — and "
    "systemic) usually sends grades 0 to 1b to radiotherapy first; 1c is debated; grades 2 and 3 are decompressed "
    "unless the tumour is highly radiosensitive. Mechanical instability (SINS "
    f"{CATEGORIES_BY_CODE['unstable'].range_text}, and often {CATEGORIES_BY_CODE['potentially_unstable'].range_text})"
    " calls for stabilisation whatever the grade."
)
# For a spine whose SINS calls for a surgical opinion, the grade does not decide the first step.
ESCC_WITH_INSTABILITY = (
    "Instability, or the possibility of it, calls for a surgical opinion on stabilisation whatever the ESCC grade: "
    "radiotherapy first is a default for a stable spine only."
)
CORD_COMPRESSION_SIGNS = "A new sensory level or new weakness is a clinical sign of cord compression and an emergency."


def escc_grade(code: object) -> EsccGrade:
    if isinstance(code, str) and code.strip().lower() in ESCC_BY_CODE:
        return ESCC_BY_CODE[code.strip().lower()]
    raise SinsError(f"{code!r} is not an ESCC grade; the grades are 0, 1a, 1b, 1c, 2 and 3.")


# --- Lesion appearance and signal (seed article on vertebral metastases) ------------------------------


@dataclass(frozen=True)
class LesionAppearance:
    bone_lesion: str
    name: str
    ct: str
    t1: str
    t2: str
    other: str
    typical_primaries: str


LESION_APPEARANCES: tuple[LesionAppearance, ...] = (
    LesionAppearance(
        "lytic",
        "Lytic",
        "bone replaced by soft-tissue density with ragged edges, sometimes breaking through the cortex",
        "intermediate to hypointense",
        "hyperintense or isointense",
        "usually enhances after gadolinium",
        "kidney, thyroid (both often expansile), lung, melanoma",
    ),
    LesionAppearance(
        "mixed",
        "Mixed sclerotic / lytic",
        "dense and lucent areas side by side",
        "hypointense",
        "hypointense and/or hyperintense",
        "",
        "breast, lung",
    ),
    LesionAppearance(
        "blastic",
        "Osteoblastic (sclerotic)",
        "hyperdense and ill-defined; tends to stay inside the vertebra, unlike many lytic deposits",
        "hypointense",
        "hypointense",
        "",
        "prostate, breast, carcinoid, medulloblastoma, bladder",
    ),
)
LESION_APPEARANCE_BY_CODE: dict[str, LesionAppearance] = {a.bone_lesion: a for a in LESION_APPEARANCES}
TREATED_LESIONS_NOTE = (
    "Chemotherapy or radiotherapy can make a lytic metastasis sclerotic, and appearance alone cannot name the "
    "primary tumour."
)


# --- A reading: one value type for the expert's reference and the trainee's attempt ------------------

READING_ITEMS: tuple[str, ...] = (
    "level",
    *(c.name for c in COMPONENTS),
    "absent_pedicle",
    "tomita",
    "escc",
)
ITEM_LABELS: dict[str, str] = {
    "level": "Index level",
    **{c.name: c.label for c in COMPONENTS},
    "absent_pedicle": "Absent pedicle sign",
    "tomita": "Tomita type",
    "escc": "ESCC grade",
}
# First words of labels that are names, and keep their capital inside a sentence.
NAMES = frozenset({"Tomita"})


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "vertebral body collapse", but "Tomita type" and "ESCC grade" keep
    the capital of a name or an abbreviation."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() or first in NAMES else label[:1].lower() + label[1:]


@dataclass(frozen=True)
class Reading:
    """The index level, the six SINS components, the absent pedicle sign, the Tomita type and the ESCC grade.

    Any item may be None while a reading is being written (a trainee's draft).
    """

    level: str | None = None
    location: str | None = None
    pain: str | None = None
    bone_lesion: str | None = None
    alignment: str | None = None
    collapse: str | None = None
    posterolateral: str | None = None
    absent_pedicle: str | None = None
    tomita: int | None = None
    escc: str | None = None

    def missing(self, *, escc_required: bool = False) -> list[str]:
        """The items still to be given; ESCC only counts when the case asks for it."""
        required = [item for item in READING_ITEMS if item != "escc" or escc_required]
        return [item for item in required if getattr(self, item) in (None, "")]

    @property
    def components(self) -> dict[str, str | None]:
        return {c.name: getattr(self, c.name) or None for c in COMPONENTS}

    @property
    def score(self) -> SinsScore | None:
        """The SINS score once all six components are chosen, else None."""
        components = self.components
        if None in components.values():
            return None
        return score(**components)  # type: ignore[arg-type]
