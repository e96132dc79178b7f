from django import forms
from django.contrib import admin

from sinsquiz.progress.models import Cohort


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "trainees", "educators"]

    def clean_educators(self):
        """Educators are staff users: anyone else follows nothing (Cohort.objects.for_educator), so the form says
        so by name rather than keep them, or drop them, without a word."""
        educators = self.cleaned_data["educators"]
        if names := [user.get_username() for user in educators if not user.is_staff]:
            raise forms.ValidationError(
                f"Not staff users, so they would follow nothing: {', '.join(names)}. Make them staff (in the "
                "Educators group) first, or take them out."
            )
        return educators


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    form = CohortForm
    list_display = ["name", "size", "created"]
    search_fields = ["name"]
    filter_horizontal = ["trainees", "educators"]

    def get_queryset(self, request):
        # Educators manage the cohorts they follow; superusers all of them.
        cohorts = super().get_queryset(request).for_educator(request.user)
        return cohorts.with_size()

    @admin.display(description="Trainees", ordering="size")
    def size(self, cohort):
        return cohort.size

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            form.instance.educators.add(request.user)  # whoever makes a cohort follows it
