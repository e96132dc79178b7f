"""What the feedback page shows beside the grade: each item's key image with its shapes, the spine diagram, and what
is said of corrections of the reference since the reading was graded."""

import json
from dataclasses import dataclass

from cases.models import PublicImage, PublicSeries
from sinsquiz import grading, sins
from sinsquiz.training import regrading
from sinsquiz.training.models import Attempt


def regrading_notes(attempt: Attempt, grade) -> dict:
    """What the feedback says about corrections of the reference: the regrade and the original result, if any, and,
    whenever the reference was corrected after the grade shown (regraded or not), that it was and when."""
    context = {}
    if attempt.outdated:
        answers_changed = regrading.answers_changed(attempt)
        context = {"outdated": True, "version": attempt.case_version, "corrected": attempt.case.reference_changed,
                   "answers_changed": answers_changed,
                   "undecided": answers_changed and regrading.pending(attempt.case) is not None}  # fmt: skip
    regrades = list(attempt.regrades.all())
    if regrades:
        first = regrades[0]
        original = first.original_grade()
        changed = [
            (before, after)
            for before, after in zip(original.items, grade.items, strict=True)
            if before.verdict != after.verdict or before.reference != after.reference
            if not before.verdict == after.verdict == grading.NOT_ASKED  # an item never asked has nothing to say
        ]
        context |= {"regraded": regrades[-1], "first": first, "original": original, "changed": changed}
    return context


@dataclass(frozen=True)
class KeyImage:
    """An item's key image in the feedback, with the shapes the educator drew on it."""

    series: PublicSeries
    number: int  # 1-based, as the viewer counts
    image: PublicImage
    shapes: tuple[dict, ...] = ()

    @property
    def shapes_json(self) -> str:
        return json.dumps(self.shapes)


def key_images(series_list, grade, snapshot: dict) -> dict[str, KeyImage]:
    """Item -> its key image, from the reference the attempt was graded against (annotations included; an
    attempt committed before there were any has none). An item the case does not ask has none."""
    images = {
        image.pk: (series, number, image) for series in series_list for number, image in enumerate(series.images, 1)
    }
    shapes = snapshot["primary"].get("annotations", {})
    return {
        result.item: KeyImage(*images[result.key_slice], shapes=tuple(shapes.get(result.item, ())))
        for result in grade.items
        if result.key_slice in images and result.verdict != grading.NOT_ASKED
    }


def spine_levels(reference_level: str, your_level: str | None) -> list[dict]:
    """The levels of the spine diagram, each with its location class and marks for the two readings."""
    return [
        {
            "code": level,
            "label": sins.level_label(level),
            "location": sins.location_for_level(level),
            "reference": level == reference_level,
            "yours": level == your_level,
            "y": 14 + index * 16,
        }
        for index, level in enumerate(sins.LEVELS)
    ]
