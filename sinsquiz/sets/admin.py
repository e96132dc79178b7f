from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from sinsquiz.progress.models import Cohort
from sinsquiz.sets import sittings
from sinsquiz.sets.models import Assignment, CaseSet, SetCase


class SetCaseInline(admin.TabularInline):
    model = SetCase
    extra = 3
    fields = ["position", "case"]
    autocomplete_fields = ["case"]
    ordering = ["position", "pk"]


@admin.register(CaseSet)
class CaseSetAdmin(admin.ModelAdmin):
    list_display = ["title", "size", "shuffled", "author", "created"]
    search_fields = ["title"]
    fields = ["title", "description", "shuffled"]
    inlines = [SetCaseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(size=Count("items"))

    @admin.display(description="Cases", ordering="size")
    def size(self, case_set):
        return case_set.size

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


class AssignmentForm(forms.ModelForm):
    """The admin's form for an assignment (its fields come from AssignmentAdmin.fieldsets)."""

    def clean(self):
        """The same set twice for a cohort at the same time would stand twice on its trainees' home pages, and as
        practice beside an assessment, the assessment would keep every case of the practice set closed."""
        data = super().clean()
        case_set, cohorts, opens, closes = (data.get(name) for name in ("case_set", "cohorts", "opens", "closes"))
        if case_set and cohorts and opens and closes:
            # Other educators' cohorts are not offered, and the save keeps them (AssignmentAdmin.save_related).
            kept = self.instance.cohorts.exclude(pk__in=self.fields["cohorts"].queryset) if self.instance.pk else []
            cohorts = {*cohorts, *kept}
            overlapping = Assignment.objects.filter(case_set=case_set, opens__lt=closes, closes__gt=opens)
            clash = overlapping.filter(cohorts__in=cohorts).exclude(pk=self.instance.pk).distinct().first()
            if clash:
                shared = ", ".join(clash.cohorts.filter(pk__in=[c.pk for c in cohorts]).values_list("name", flat=True))
                raise forms.ValidationError(
                    f"“{case_set}” is assigned to {shared} already, from {sittings.when(clash.opens)} to "
                    f"{sittings.when(clash.closes)}: change that assignment's dates, or choose other dates here."
                )
        return data


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    form = AssignmentForm
    list_display = ["title", "kind", "cohort_names", "window", "results"]
    list_filter = ["mode", "purpose"]
    filter_horizontal = ["cohorts"]
    fieldsets = [
        (None, {"fields": ["case_set", "cohorts", ("opens", "closes")]}),
        ("How it is taken", {"fields": ["mode", "feedback_at", "time_limit"]}),
        ("Test–retest", {"fields": ["purpose", "baseline", "washout_weeks"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # Educators manage the assignments of the cohorts they follow (a superuser, all of them).
        return (
            super()
            .get_queryset(request)
            .for_educator(request.user)
            .select_related("case_set")
            .prefetch_related("cohorts")
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "cohorts":
            kwargs["queryset"] = Cohort.objects.for_educator(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # A retest repeats a baseline of the educator's own cohorts, or keeps the one it has (a co-educator's).
        own = Q(pk__in=Assignment.objects.for_educator(request.user).values("pk")) | Q(pk=obj and obj.baseline_id)
        baselines = Assignment.objects.filter(own, purpose=Assignment.Purpose.BASELINE).select_related("case_set")
        form.base_fields["baseline"].queryset = baselines
        return form

    # Short columns, so that the list fits beside its filters and the Results link stays in sight.
    @admin.display(description="Set", ordering="case_set__title")
    def title(self, assignment):
        return assignment.title

    @admin.display(description="Mode", ordering="mode")
    def kind(self, assignment):
        return assignment.mode_label

    @admin.display(description="Cohorts")
    def cohort_names(self, assignment):
        return ", ".join(cohort.name for cohort in assignment.cohorts.all())

    @admin.display(description="Open", ordering="opens")
    def window(self, assignment):
        opens, closes = timezone.localtime(assignment.opens), timezone.localtime(assignment.closes)
        return f"{date_format(opens, 'j M')} – {date_format(closes, 'j M Y')}"

    @admin.display(description="Results")
    def results(self, assignment):
        return format_html('<a href="{}">Results</a>', reverse("set-results", args=[assignment.pk]))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change and {"closes", "time_limit", "mode", "feedback_at"} & set(form.changed_data):
            sittings.reschedule(obj)

    def save_related(self, request, form, formsets, change):
        assignment = form.instance
        before = set(assignment.cohorts.all()) if change else set()
        # The cohorts field offers only the editor's own cohorts: the other educators' cohorts that the assignment
        # also goes to are kept, not dropped by saving it.
        others = before - set(Cohort.objects.for_educator(request.user))
        super().save_related(request, form, formsets, change)  # the cohorts are saved here
        assignment.cohorts.add(*others)
        # (The form's cohorts always differ from what it started with when others are kept: compare the outcome.)
        moved = {"case_set", "mode", "purpose"} & set(form.changed_data) or set(assignment.cohorts.all()) != before
        if not change or moved:
            self.warn_of_cases_seen_before(request, assignment)

    def warn_of_cases_seen_before(self, request, assignment):
        # A retest repeats its baseline's cases on purpose; any other assessment is best taken on unseen cases.
        if not assignment.is_assessment or assignment.purpose == Assignment.Purpose.RETEST:
            return
        seen = assignment.seen_before()
        cases, trainees = seen.values("case").distinct().count(), seen.values("trainee").distinct().count()
        if cases:
            messages.warning(request, (
                f"{assignment.title}: {trainees} trainee{pluralize(trainees)} of its cohorts "
                f"{pluralize(trainees, 'has,have')} answered {cases} of its cases before, with feedback. On "
                f"{pluralize(cases, 'that case,those cases')} the assessment measures memory as much as "
                "reading; cases they have not met measure reading alone."
            ))  # fmt: skip
