"""Participant forms: input shape here, clinical plausibility from ``rules`` (the same functions the
services call)."""

from django import forms
from django.utils import timezone

from core.forms import AuditedEditMixin, DateInput

from .models import ParticipantStatus, initials_validator
from .rules.participant import date_of_birth_problem, screening_date_problem
from .rules.status import manual_targets


class InitialsField(forms.CharField):
    """Initials are stored in capitals whatever case is typed."""

    def to_python(self, value):
        return super().to_python(value).upper()


class ParticipantForm(AuditedEditMixin):
    initials = InitialsField(
        max_length=4,
        help_text="2-4 capital letters. Never the patient's name or ID number.",
        validators=[initials_validator],
    )
    date_of_birth = forms.DateField(widget=DateInput)
    screening_date = forms.DateField(widget=DateInput, help_text="Date the patient was first screened.")

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        dob = cleaned.get("date_of_birth")
        if dob is not None:
            problem = date_of_birth_problem(dob, today=today)
            if problem:
                self.add_error("date_of_birth", problem)
                dob = None
        screening_date = cleaned.get("screening_date")
        if screening_date is not None:
            problem = screening_date_problem(screening_date, date_of_birth=dob, today=today)
            if problem:
                self.add_error("screening_date", problem)
        return cleaned



class StatusChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    new_status = forms.ChoiceField(label="New status")
    effective_date = forms.DateField(widget=DateInput, help_text="Date the new status took effect.")
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the audit trail."
    )

    def __init__(self, *args, current_status: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ParticipantStatus.choices)
        self.fields["new_status"].choices = [(s, labels[s]) for s in manual_targets(current_status)]
