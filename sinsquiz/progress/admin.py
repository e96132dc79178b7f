from django.contrib import admin

from sinsquiz.progress.models import Cohort


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
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
