from django import forms
from django.db.models import Q

from cases.models import Case, Series


class CaseFilterForm(forms.Form):
    """The case list's search and filters; every field is optional and bad values are ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": "Title, primary tumour, history…"}),
    )
    region = forms.ChoiceField(label="Region", choices=[("", "Any region"), *Case.Region.choices], required=False)
    modality = forms.ChoiceField(
        label="Imaging", choices=[("", "Any imaging"), *Series.Modality.choices], required=False
    )
    difficulty = forms.TypedChoiceField(
        label="Difficulty",
        choices=[("", "Any difficulty"), *Case.Difficulty.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def chosen(self) -> dict:
        """The filters given, by field name; a bad value (an address edited by hand) is ignored, not the rest."""
        if not self.is_bound:
            return {}
        self.is_valid()  # cleaned_data keeps the fields that are valid
        return {name: value for name, value in self.cleaned_data.items() if value}

    def filter(self, cases):
        data = self.chosen()
        if query := data.get("q", "").strip():
            cases = cases.filter(
                Q(title__icontains=query) | Q(primary_tumour__icontains=query) | Q(presentation__icontains=query)
            )
        if region := data.get("region"):
            cases = cases.filter(region=region)
        if modality := data.get("modality"):
            cases = cases.filter(pk__in=Series.objects.filter(modality=modality).values("case"))
        if difficulty := data.get("difficulty"):
            cases = cases.filter(difficulty=difficulty)
        return cases

    @property
    def is_filtered(self) -> bool:
        return bool(self.chosen())
