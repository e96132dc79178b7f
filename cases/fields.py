"""The form field for a vertebral level, shared by every form that asks for one."""

from django import forms

from sinsquiz import sins


def level_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Levels grouped by region, for a <select> with <optgroup>s."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for level in sins.LEVELS:
        groups.setdefault(sins.region_for_level(level), []).append((level, sins.level_label(level)))
    return [(label, groups[code]) for code, label in sins.REGIONS]


class LevelChoiceField(forms.ChoiceField):
    """A vertebral level, normalised by sins.normalise_level ("t7" is accepted as "T7")."""

    def __init__(self, *, placeholder: str = "Choose a level…", **kwargs):
        kwargs.setdefault("label", "Index level")
        super().__init__(choices=[("", placeholder), *level_choices()], **kwargs)
        self.error_messages["required"] = "Choose the index level."

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return sins.normalise_level(value)
        except sins.SinsError as error:
            raise forms.ValidationError(str(error), code="invalid_level") from None
