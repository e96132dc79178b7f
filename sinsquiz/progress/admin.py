from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Q

from sinsquiz.progress.models import Cohort


class CohortForm(forms.ModelForm):
    """Trainees are chosen among users who are not staff, educators among staff users; whoever is in the cohort
    already stays offered, so that a save never drops them without a word."""

    editor: User | None = None  # who saves the form (CohortAdmin.get_form)

    class Meta:
        model = Cohort
        fields = ["name", "trainees", "educators"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = User.objects.order_by("username")
        members = (self.instance.trainees.all(), self.instance.educators.all()) if self.instance.pk else ((), ())
        self.fields["trainees"].queryset = users.filter(Q(is_staff=False) | Q(pk__in=members[0]))
        self.fields["educators"].queryset = users.filter(Q(is_staff=True) | Q(pk__in=members[1]))

    def clean_educators(self):
        """Educators are staff users: anyone else follows nothing (Cohort.objects.for_educator), so the form says
        so by name rather than keep them, or drop them, without a word. An educator may not take themselves off:
        the cohort would vanish from their screens mid-save."""
        educators = self.cleaned_data["educators"]
        if names := [user.get_username() for user in educators if not user.is_staff]:
            raise forms.ValidationError(
                f"Not staff users, so they would follow nothing: {', '.join(names)}. Make them staff (in the "
                "Educators group) first, or take them out."
            )
        editor = self.editor
        if self.instance.pk and editor and not editor.is_superuser and editor not in educators:
            raise forms.ValidationError(
                "You would no longer follow this cohort, nor be able to open it again. Ask another of its "
                "educators, or an administrator, to take you off."
            )
        return educators


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    form = CohortForm
    list_display = ["name", "size", "created"]
    search_fields = ["name"]
    filter_horizontal = ["trainees", "educators"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user
        return form

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
