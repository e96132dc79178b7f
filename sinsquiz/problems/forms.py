from django import forms

from sinsquiz.problems.models import ANSWER_MAX, ProblemReport


class ReportForm(forms.ModelForm):
    class Meta:
        model = ProblemReport
        fields = ["kind", "text"]
        labels = {"kind": "What is wrong?", "text": "Tell the educators"}
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="problem", **kwargs)
        self.fields["kind"].choices = ProblemReport.Kind.choices  # no empty "---------" among the radios


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer", max_length=ANSWER_MAX, required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The trainee reads it on the feedback the report was sent from, not on the case page.",
    )  # fmt: skip
    close = forms.BooleanField(label="Close the report", required=False, initial=True)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("answer", "").strip() and not cleaned.get("close") and not self.errors:
            raise forms.ValidationError("Write an answer, or close the report, or both.")
        return cleaned
