from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator

from sinsquiz.problems.models import ProblemReport
from sinsquiz.templatetags.formatting import person


class ProblemReportForm(forms.ModelForm):
    class Meta:
        model = ProblemReport
        fields = ["answer", "status"]

    def clean_status(self):
        # The database allows one open report per trainee and case; its reporter and case are not in this form,
        # so Django would not check the constraint, and reopening beside a newer open report would fail.
        status = self.cleaned_data["status"]
        report = self.instance
        others = ProblemReport.objects.open().filter(reporter_id=report.reporter_id, case_id=report.case_id)
        if status == ProblemReport.Status.OPEN and others.exclude(pk=report.pk).exists():
            raise forms.ValidationError("This trainee has a newer open report on this case: answer that one.")
        return status


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    form = ProblemReportForm
    list_display = ["case", "reporter", "kind", "summary", "created", "status", "answered"]
    list_filter = ["status", "kind"]
    list_select_related = ["case", "reporter"]
    search_fields = ["text", "case__title", "reporter__username", "reporter__last_name"]
    date_hierarchy = "created"
    fields = ["case", "reporter_name", "reading", "kind", "text", "created", "answer", "status", "answerer", "answered"]
    readonly_fields = ["case", "reporter_name", "reading", "kind", "text", "created", "answerer", "answered"]
    actions = ["close"]

    def get_queryset(self, request):
        # An educator sees the reports of the trainees they follow (a superuser, all of them).
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False  # trainees send reports from the feedback page

    @admin.display(description="Report")
    def summary(self, report):
        return Truncator(report.text).chars(80)

    # Names, not the admin's links to the accounts, which only a user manager may open.
    @admin.display(description="Reporter")
    def reporter_name(self, report):
        return person(report.reporter)

    @admin.display(description="Answered by")
    def answerer(self, report):
        return person(report.answered_by) or "—"

    @admin.display(description="Reported from")
    def reading(self, report):
        submitted = report.attempt.submitted
        when = f"{submitted:%d %b %Y}" if submitted else ""
        return format_html('<a href="{}">the feedback of {}</a>', report.attempt.get_absolute_url(), when)

    def save_model(self, request, obj, form, change):
        if "answer" in form.changed_data:
            obj.record_answer(obj.answer, request.user)
        super().save_model(request, obj, form, change)

    @admin.action(description="Close the selected reports", permissions=["change"])
    def close(self, request, queryset):
        closed = queryset.open().update(status=ProblemReport.Status.CLOSED)
        self.message_user(request, f"{closed} report{'s' if closed != 1 else ''} closed.", messages.SUCCESS)
