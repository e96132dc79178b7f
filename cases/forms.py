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

    def filter(self, cases):
        if not self.is_valid():
            return cases
        data = self.cleaned_data
        if query := data["q"].strip():
            cases = cases.filter(
                Q(title__icontains=query) | Q(primary_tumour__icontains=query) | Q(presentation__icontains=query)
            )
        if data["region"]:
            cases = cases.filter(region=data["region"])
        if data["modality"]:
            cases = cases.filter(pk__in=Series.objects.filter(modality=data["modality"]).values("case"))
        if data["difficulty"]:
            cases = cases.filter(difficulty=data["difficulty"])
        return cases

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())
