"""Grade a trainee's reading against the expert reference, item by item, with the teaching that goes with it.

Pure Python: readings in, feedback out. Every point, total and category comes from sins.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sinsquiz import sins

RIGHT = "right"
WRONG = "wrong"
WITHIN_DISAGREEMENT = "within_disagreement"
NOT_ASKED = "not_asked"

VERDICT_LABELS = {
    RIGHT: "Right",
    WRONG: "Wrong",
    WITHIN_DISAGREEMENT: "Within expert disagreement",
    NOT_ASKED: "Not asked",
}

AGREE = "agree"
UNDER_TRIAGE = "under_triage"
OVER_TRIAGE = "over_triage"

COMPONENT_NAMES = tuple(c.name for c in sins.COMPONENTS)


@dataclass(frozen=True)
class OtherExpert:
    """A further expert reading of the same case: its reader's name and reading."""

    reader: str
    reading: sins.Reading


@dataclass(frozen=True)
class ItemResult:
    item: str
    label: str
    yours: object
    reference: object
    verdict: str
    yours_label: str
    reference_label: str
    your_points: int | None = None
    reference_points: int | None = None
    definition: str = ""  # what the reference option means
    your_definition: str = ""  # what the trainee's option means, when it differs
    rationale: str = ""  # the educator's note for this item
    mapping: str = ""  # where the index level lies, said once: on the location item, whose points it decides
    key_slice: object = None  # whatever identifies the key image (a slice id)
    agreeing_experts: tuple[str, ...] = ()  # other experts who gave the trainee's answer

    @property
    def is_right(self) -> bool:
        return self.verdict == RIGHT

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def is_component(self) -> bool:
        return self.item in COMPONENT_NAMES


@dataclass(frozen=True)
class Note:
    kind: str  # "inconsistent" (answers that contradict each other), "second_look" (an unusual pair) or "teaching"
    text: str


@dataclass(frozen=True)
class Grade:
    items: tuple[ItemResult, ...]
    your_score: sins.SinsScore
    reference_score: sins.SinsScore
    consultation: str
    notes: tuple[Note, ...] = field(default_factory=tuple)

    def item(self, name: str) -> ItemResult:
        return next(result for result in self.items if result.item == name)

    @property
    def components(self) -> tuple[ItemResult, ...]:
        return tuple(result for result in self.items if result.is_component)

    @property
    def components_right(self) -> int:
        return sum(result.is_right for result in self.components)

    @property
    def your_category(self) -> sins.Category:
        return sins.CATEGORIES_BY_CODE[self.your_score.category]

    @property
    def reference_category(self) -> sins.Category:
        return sins.CATEGORIES_BY_CODE[self.reference_score.category]

    @property
    def category_right(self) -> bool:
        return self.your_score.category == self.reference_score.category

    @property
    def total_difference(self) -> int:
        """Your total minus the reference total: positive when you over-score."""
        return self.your_score.total - self.reference_score.total

    @property
    def consultation_text(self) -> str:
        if self.consultation == UNDER_TRIAGE:
            return (
                f"Under-triage: the reference total of {self.reference_score.total} calls for a surgical opinion, "
                f"but your {self.your_score.total} would not ask for one. This is the dangerous error."
            )
        if self.consultation == OVER_TRIAGE:
            return (
                f"Over-triage: your {self.your_score.total} would ask for a surgical opinion that the reference "
                f"total of {self.reference_score.total} does not need."
            )
        needed = self.reference_score.needs_surgical_consultation
        return "You agree on surgical consultation: " + ("it is needed." if needed else "it is not needed.")

    @property
    def total_text(self) -> str:
        """How far your total is from the reference's: "2 points under the reference"."""
        difference = self.total_difference
        if difference == 0:
            return "Same total as the reference."
        side = "over" if difference > 0 else "under"
        return f"{sins.points_text(abs(difference))} {side} the reference."

    @property
    def summary(self) -> str:
        """One line: "4 of 6 SINS components right; category right", then the other items wrong, if any:
        "; index level and Tomita type wrong"."""
        category = "category right" if self.category_right else "category wrong"
        text = f"{self.components_right} of {len(self.components)} SINS components right; {category}"
        if self.consultation != AGREE:
            text += f"; {self.consultation.replace('_', '-')}"
        if wrong := [sins.in_sentence(r.label) for r in self.items if not r.is_component and r.verdict == WRONG]:
            listed = wrong[0] if len(wrong) == 1 else f"{', '.join(wrong[:-1])} and {wrong[-1]}"
            text += f"; {listed} wrong"
        return text


def grade(
    yours: sins.Reading,
    reference: sins.Reading,
    *,
    others: tuple[OtherExpert, ...] | list[OtherExpert] = (),
    rationales: dict[str, str] | None = None,
    key_slices: dict[str, object] | None = None,
    escc_asked: bool = False,
    prior_treatment: str = "none",
) -> Grade:
    """Compare a complete trainee reading with the primary reference (and any other expert readings)."""
    missing = yours.missing(escc_required=escc_asked)
    if missing or reference.score is None:
        raise sins.SinsError(f"Both readings must be complete to grade; missing: {', '.join(missing) or 'reference'}")
    rationales = rationales or {}
    key_slices = key_slices or {}
    items = tuple(
        _item(name, yours, reference, others, rationales.get(name, ""), key_slices.get(name), escc_asked)
        for name in sins.READING_ITEMS
    )
    your_score, reference_score = yours.score, reference.score
    return Grade(
        items=items,
        your_score=your_score,
        reference_score=reference_score,
        consultation=_consultation(your_score, reference_score),
        notes=tuple(consistency_notes(yours, reference, prior_treatment=prior_treatment, escc_asked=escc_asked)),
    )


def _consultation(yours: sins.SinsScore, reference: sins.SinsScore) -> str:
    if reference.needs_surgical_consultation and not yours.needs_surgical_consultation:
        return UNDER_TRIAGE
    if yours.needs_surgical_consultation and not reference.needs_surgical_consultation:
        return OVER_TRIAGE
    return AGREE


def _item(name, yours, reference, others, rationale, key_slice, escc_asked) -> ItemResult:
    mine, expert = getattr(yours, name), getattr(reference, name)
    if name == "escc" and not escc_asked:
        verdict, agreeing = NOT_ASKED, ()
    elif mine == expert:
        verdict, agreeing = RIGHT, ()
    else:
        agreeing = tuple(other.reader for other in others if getattr(other.reading, name) == mine)
        verdict = WITHIN_DISAGREEMENT if agreeing else WRONG
    definition = option_definition(name, expert)
    your_definition = option_definition(name, mine) if mine != expert else ""
    mapping = ""
    if name == "level":
        # Where a level lies is taught on the location item; the level item says how far off the answer was.
        definition, your_definition = "", _how_far(mine, expert)
    elif name == "location":
        mapping = sins.explain_location(reference.level) + "."
        if rationale.strip() == mapping:
            rationale = ""  # a rationale that only restates the mapping would say it twice
    return ItemResult(
        item=name,
        label=sins.ITEM_LABELS[name],
        yours=mine,
        reference=expert,
        verdict=verdict,
        yours_label=option_label(name, mine),
        reference_label=option_label(name, expert),
        your_points=_points(name, mine),
        reference_points=_points(name, expert),
        definition=definition,
        your_definition=your_definition,
        rationale=rationale,
        mapping=mapping,
        key_slice=key_slice,
        agreeing_experts=agreeing,
    )


def _how_far(yours: str, reference: str) -> str:
    """How far a named level is from the index level, after "T8 (your answer):": "one level below T7, the index
    level"."""
    if yours == reference:
        return ""
    steps = sins.LEVELS.index(sins.normalise_level(yours)) - sins.LEVELS.index(sins.normalise_level(reference))
    count = "one level" if abs(steps) == 1 else f"{abs(steps)} levels"
    side = "below" if steps > 0 else "above"
    return f"{count} {side} {sins.level_label(reference)}, the index level."


def _points(name: str, code) -> int | None:
    component = sins.COMPONENTS_BY_NAME.get(name)
    return component.points(code) if component and code else None


def option_label(name: str, code) -> str:
    """How an answer is written for people, whatever the item."""
    if code in (None, ""):
        return "—"
    if name == "level":
        return sins.level_label(code)
    if name == "escc":
        return sins.escc_grade(code).choice_label
    return _option(name, code).label


def option_definition(name: str, code) -> str:
    if code in (None, ""):
        return ""
    if name == "level":
        return sins.explain_location(code) + "."
    return _option(name, code).definition


def _option(name: str, code):
    """The sins.py entry behind an answer to any item but the level."""
    if name in sins.COMPONENTS_BY_NAME:
        return sins.COMPONENTS_BY_NAME[name].option(code)
    if name == "absent_pedicle":
        return sins.ABSENT_PEDICLE_BY_CODE[code]
    if name == "tomita":
        return sins.tomita_type(code)
    return sins.escc_grade(code)


def consistency_notes(
    yours: sins.Reading, reference: sins.Reading, *, prior_treatment: str = "none", escc_asked: bool = False
) -> list[Note]:
    """Where the trainee's answers contradict each other or are worth a second look, and what the case teaches
    beyond the points."""
    return [
        *(Note("inconsistent", text) for text in contradictions(yours)),
        *(Note("second_look", text) for text in _second_looks(yours)),
        *(Note("teaching", text) for text in _teaching(yours, reference, prior_treatment, escc_asked)),
    ]


def contradictions(yours: sins.Reading) -> list[str]:
    """Pairs of the trainee's own answers that cannot both be true (and that no reference may hold)."""
    texts = []
    if yours.level and yours.location and sins.location_for_level(yours.level) != yours.location:
        texts.append(
            # Not the whole mapping: the location item says where the index level lies.
            f"You named {sins.level_label(yours.level)} but chose {yours.location}: "
            f"{sins.level_label(yours.level)} is {sins.location_for_level(yours.level)}."
        )
    pedicle_types = {2: "body and pedicle", 3: "body, pedicle and lamina"}
    if yours.tomita in pedicle_types and yours.posterolateral == "none":
        texts.append(
            f"Tomita type {yours.tomita} ({pedicle_types[yours.tomita]}) puts tumour in a pedicle, which is "
            "posterolateral involvement, yet you scored posterolateral involvement as none."
        )
    epidural = {"1a", "1b", "1c", "2", "3"}
    if yours.escc in epidural and yours.tomita in {1, 2, 3}:
        texts.append(
            f"ESCC grade {yours.escc} means tumour outside the bone in the epidural space, but Tomita type "
            f"{yours.tomita} keeps it inside the bone (epidural extension is type 4)."
        )
    if yours.escc == "0" and yours.tomita == 4:
        texts.append("Tomita type 4 is epidural extension, but ESCC grade 0 means there is no epidural tumour.")
    return texts


def _second_looks(yours: sins.Reading) -> list[str]:
    """Pairs of the trainee's answers that can both be true, but often are not."""
    texts = []
    if yours.tomita == 1 and yours.posterolateral in {"unilateral", "bilateral"}:
        texts.append(
            f"Tomita type 1 keeps the tumour inside the vertebral body, and you scored {yours.posterolateral} "
            "posterolateral involvement. Both can hold, since a fractured facet or costovertebral joint counts too; "
            "but if tumour has reached a pedicle, the Tomita type is 2 or more."
        )
    # A missing pedicle outline is a clue, not proof (congenital absence, infection, a poor view), so these
    # pairs can hold; in a known metastasis they seldom do.
    if yours.absent_pedicle == "present" and yours.posterolateral == "none":
        texts.append(
            "You saw a pedicle outline missing but scored posterolateral involvement as none. In a metastasis, "
            "a missing outline usually means tumour has destroyed that pedicle, which is posterolateral "
            "involvement; if the pedicle is intact on CT, look for another cause of the sign."
        )
    if yours.absent_pedicle == "present" and yours.bone_lesion == "blastic":
        texts.append(
            "You saw a pedicle outline missing but called the lesion blastic. The sign usually comes from bone "
            "destruction; a purely blastic lesion keeps, or thickens, the pedicle outline."
        )
    return texts


def _teaching(yours: sins.Reading, reference: sins.Reading, prior_treatment: str, escc_asked: bool) -> list[str]:
    """What the case teaches beyond the points: how its lesion looks, and what its findings mean."""
    texts = []
    if yours.bone_lesion != reference.bone_lesion and reference.bone_lesion:
        appearance = sins.LESION_APPEARANCE_BY_CODE[reference.bone_lesion]
        other = f"; {appearance.other}" if appearance.other else ""
        texts.append(
            f"{appearance.name} lesions: on CT {appearance.ct}; T1 {appearance.t1}, T2 {appearance.t2}{other}."
        )
    if prior_treatment != "none" and reference.bone_lesion in {"blastic", "mixed"}:
        texts.append(f"This patient has been treated. {sins.TREATED_LESIONS_NOTE}")
    if reference.absent_pedicle == "present":
        differential = ", ".join(sins.ABSENT_PEDICLE_DIFFERENTIAL)
        texts.append(
            f"A missing pedicle outline is a clue to a lytic metastasis, but not proof: think also of {differential}."
        )
    if escc_asked and reference.escc:
        texts.append(_escc_note(sins.escc_grade(reference.escc), reference.score))
    return texts


def _escc_note(grade: sins.EsccGrade, score: sins.SinsScore) -> str:
    """What the grade means for treatment: radiotherapy first is a default for a stable spine only."""
    if score.needs_surgical_consultation:
        category = sins.CATEGORIES_BY_CODE[score.category].label.lower()
        management = f"The reference SINS is {score.total}, {category}. {sins.ESCC_WITH_INSTABILITY}"
    else:
        management = sins.ESCC_MANAGEMENT
    return f"ESCC grade {grade.code} is {grade.severity}. {management} {sins.CORD_COMPRESSION_SIGNS}"
