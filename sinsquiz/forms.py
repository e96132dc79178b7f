from dataclasses import dataclass

from django import forms

from sinsquiz import sins


class OptionRadioSelect(forms.RadioSelect):
    """Radio buttons for one SINS component, each showing its definition and its points."""

    option_template_name = "sinsquiz/widgets/sins_option.html"

    def __init__(self, component: sins.Component, attrs=None):
        super().__init__(attrs)
        self.component = component

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            sins_option = self.component.option(value)
            option["definition"] = sins_option.definition
            option["points"] = sins_option.points
        return option


def component_field(component: sins.Component, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=component.label,
        choices=component.choices,
        widget=OptionRadioSelect(component),
        help_text=component.hint,
        error_messages={
            "required": f"Choose an option for {component.label.lower()}.",
            "invalid_choice": f"That is not an option for {component.label.lower()}.",
        },
        **kwargs,
    )


def level_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Levels grouped by region, for a <select> with <optgroup>s."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for level in sins.LEVELS:
        groups.setdefault(sins.region_for_level(level), []).append((level, sins.level_label(level)))
    return [(label, groups[code]) for code, label in sins.REGIONS]


class LevelField(forms.ChoiceField):
    """A vertebral level, normalised by sins.normalise_level ("t7" is accepted as "T7")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Index level")
        super().__init__(choices=[("", "Choose a level…"), *level_choices()], **kwargs)
        self.error_messages["required"] = "Choose the index level."

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return sins.normalise_level(value)
        except sins.SinsError as error:
            raise forms.ValidationError(str(error), code="invalid_level") from None


class CalculatorForm(forms.Form):
    """The level and the five components that are not derived from it."""

    level = LevelField()
    pain = component_field(sins.PAIN)
    bone_lesion = component_field(sins.BONE_LESION)
    alignment = component_field(sins.ALIGNMENT)
    collapse = component_field(sins.COLLAPSE)
    posterolateral = component_field(sins.POSTEROLATERAL)

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
            problems=[
                message
                for field_errors in errors.as_data().values()
                for error in field_errors
                if error.code != "required"
                for message in error.messages
            ],
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
