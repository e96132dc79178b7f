from dataclasses import dataclass

from django import forms

from cases.fields import LevelChoiceField
from cases.forms import CaseFilterForm
from sinsquiz import sins
from sinsquiz.training.models import Attempt, done_by, started_by


class DefinedRadioSelect(forms.RadioSelect):
    """Radio buttons that show each option's definition and, for SINS components, its points."""

    option_template_name = "training/widgets/sins_option.html"

    def __init__(self, definitions: dict[str, tuple[str, int | None]], attrs=None):
        super().__init__(attrs)
        self.definitions = definitions

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["definition"], option["points"] = self.definitions.get(str(value), ("", None))
        return option


def component_widget(component: sins.Component) -> DefinedRadioSelect:
    return DefinedRadioSelect({o.code: (o.definition, o.points) for o in component.options})


WIDGETS = {
    **{c.name: component_widget(c) for c in sins.COMPONENTS},
    "absent_pedicle": DefinedRadioSelect({c.code: (c.definition, None) for c in sins.ABSENT_PEDICLE}),
    "tomita": DefinedRadioSelect({str(t.type): (t.definition, None) for t in sins.TOMITA_TYPES}),
    "escc": DefinedRadioSelect({g.code: (g.definition, None) for g in sins.ESCC_GRADES}),
}


def component_field(component: sins.Component, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=component.label,
        choices=component.choices,
        widget=component_widget(component),
        help_text=component.hint,
        error_messages={
            "required": f"Choose an option for {component.label.lower()}.",
            "invalid_choice": f"That is not an option for {component.label.lower()}.",
        },
        **kwargs,
    )


class CalculatorForm(forms.Form):
    """The level and the five components that are not derived from it. Nothing is required: the result says
    what is still to choose."""

    level = LevelChoiceField(required=False)
    pain = component_field(sins.PAIN, required=False)
    bone_lesion = component_field(sins.BONE_LESION, required=False)
    alignment = component_field(sins.ALIGNMENT, required=False)
    collapse = component_field(sins.COLLAPSE, required=False)
    posterolateral = component_field(sins.POSTEROLATERAL, required=False)

    def calculation(self) -> "Calculation":
        """What the valid part of the form scores so far (nothing chosen, for an unbound form)."""
        errors = self.errors  # runs validation; cleaned_data keeps the fields that passed
        data = self.cleaned_data if self.is_bound else {}
        level = data.get("level") or None
        chosen = {"location": sins.location_for_level(level) if level else None}
        chosen |= {c.name: data.get(c.name) or None for c in sins.COMPONENTS if c.name != "location"}
        rows = [(c, c.option(chosen[c.name]) if chosen[c.name] else None) for c in sins.COMPONENTS]
        complete = all(chosen.values())
        return Calculation(
            level=level,
            location_explanation=sins.explain_location(level) if level else "",
            rows=rows,
            total_range=sins.total_range(**chosen),
            score=sins.score(**chosen) if complete else None,
            problems=[message for field_errors in errors.values() for message in field_errors],
        )


@dataclass(frozen=True)
class Calculation:
    level: str | None
    location_explanation: str
    rows: list[tuple[sins.Component, sins.Option | None]]
    total_range: tuple[int, int]
    score: sins.SinsScore | None
    problems: list[str]

    @property
    def category(self) -> sins.Category | None:
        return sins.CATEGORIES_BY_CODE[self.score.category] if self.score else None

    @property
    def possible_categories(self) -> list[sins.Category]:
        """While components are missing: the categories the total can still reach."""
        low, high = self.total_range
        return [c for c in sins.CATEGORIES if c.low <= high and c.high >= low]

    @property
    def missing(self) -> list[sins.Component]:
        return [component for component, option in self.rows if option is None]


HELP_TEXTS = {
    # SINS has no rule for disease at several levels: scoring the most affected one is this product's convention.
    "level": "Several levels involved? Score the most affected one: this quiz's convention, not a SINS rule.",
    "location": sins.LOCATION.hint,
    **{component.name: component.hint for component in sins.COMPONENTS},
    "absent_pedicle": "On the AP radiograph.",
    "tomita": "Where the tumour lies: inside the bone, beyond it, or at several levels.",
    "escc": "Epidural cord compression, on axial T2 at the worst level.",
}


class ReadingForm(forms.Form):
    """A trainee's reading of a case. Any part may be saved as a draft; a commit needs every item.

    Its fields are the Attempt model's (below), but it is a plain form: drafts.save_draft writes the draft column by
    column (so two tabs saving different items never undo each other), never through form.save().
    """

    def __init__(self, *args, asks_escc: bool, committing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.committing = committing
        if not asks_escc:
            del self.fields["escc"]

    def clean(self):
        cleaned = super().clean()
        if self.committing:
            missing = [name for name in self.fields if cleaned.get(name) in (None, "") and name not in self.errors]
            for name in missing:
                self.add_error(name, forms.ValidationError("Still to answer.", code="missing"))
            if first := next((name for name in self.fields if name in self.errors), None):
                # Brings the trainee to it: a browser focuses [autofocus] on a whole page, htmx in a swapped panel.
                self.fields[first].widget.attrs["autofocus"] = True
            if missing:
                raise forms.ValidationError(
                    "Still to answer before you commit: "
                    + ", ".join(sins.in_sentence(sins.ITEM_LABELS[name]) for name in missing)
                    + ".",
                    code="incomplete",
                )
        return cleaned

    def problems(self) -> list[str]:
        """Why posted values were refused, each naming its item and saying what the draft keeps instead."""
        return [
            f"{message} {'Your saved answer is kept.' if name in self.initial else 'Nothing was saved for it.'}"
            for name in self.fields
            if name in self.errors
            for message in self.errors[name]
        ]

    def valid_values(self) -> dict:
        """The posted items that passed validation, for saving as a draft even when others did not.

        Items that were not posted at all are left out, so a stale tab cannot blank answers saved elsewhere.
        """
        self.is_valid()
        return {
            name: self.cleaned_data.get(name, "")
            for name in self.fields
            if name in self.data and (name in self.cleaned_data or self.has_error(name, code="missing"))
        }

    @property
    def answers_key(self) -> str:
        """What an unbound form's fields show: the items asked and the answers chosen."""
        return f"{list(self.fields)}{sorted(self.initial.items())}"

    def running(self) -> "Running":
        """The running total of the draft's answers (`initial`) with the valid ones posted, computed by sins.py."""
        values = {**self.initial, **self.valid_values()} if self.is_bound else self.initial
        return Running.of(values, asks_escc="escc" in self.fields)


ReadingForm.base_fields = forms.fields_for_model(
    Attempt,
    fields=sins.READING_ITEMS,
    widgets=WIDGETS,
    labels=sins.ITEM_LABELS,
    help_texts=HELP_TEXTS,
    error_messages={
        name: {"invalid_choice": f"That is not an option for {sins.in_sentence(label)}."}
        for name, label in sins.ITEM_LABELS.items()
    },
)
for _field in ReadingForm.base_fields.values():
    if isinstance(_field.widget, forms.RadioSelect):  # radio groups need no blank choice
        _field.choices = [choice for choice in _field.choices if choice[0] != ""]


@dataclass(frozen=True)
class Running:
    total_range: tuple[int, int]
    answered: int
    items: int
    # Said beside the location once the level is known; the trainee still chooses the location (it is taught).
    location_explanation: str = ""

    @classmethod
    def of(cls, answers: dict, *, asks_escc: bool) -> "Running":
        items = [item for item in sins.READING_ITEMS if item != "escc" or asks_escc]
        chosen = {c.name: answers.get(c.name) or None for c in sins.COMPONENTS}
        answered = sum(answers.get(item) not in (None, "") for item in items)
        level = answers.get("level")
        return cls(
            total_range=sins.total_range(**chosen),
            answered=answered,
            items=len(items),
            location_explanation=sins.explain_location(level) if level else "",
        )

    @property
    def location_hint(self) -> str:
        return f"{self.location_explanation}." if self.location_explanation else sins.LOCATION.hint

    @property
    def total(self) -> int | None:
        low, high = self.total_range
        return low if low == high else None

    @property
    def category(self) -> sins.Category | None:
        return sins.CATEGORIES_BY_CODE[sins.category_for_total(self.total)] if self.total is not None else None


class CaseListForm(CaseFilterForm):
    """The case list's filters, with one on the user's own progress (the library knows nothing of attempts)."""

    progress = forms.ChoiceField(
        label="Progress",
        choices=[("", "Any progress"), ("todo", "Not done yet"), ("started", "In progress"), ("done", "Done")],
        required=False,
    )

    def filter_for(self, cases, user):
        cases = self.filter(cases)
        progress = self.chosen().get("progress")
        if progress == "todo":
            return cases.filter(~done_by(user))
        if progress == "started":
            return cases.filter(started_by(user))
        if progress == "done":
            return cases.filter(done_by(user))
        return cases
