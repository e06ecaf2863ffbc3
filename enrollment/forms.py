"""Participant forms: input shape here, clinical plausibility from ``rules`` (the same functions the
services call)."""

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.db import models
from django.forms.models import fields_for_model
from django.utils import timezone

from core.forms import AuditedEditMixin, DateInput
from trialsite.protocol.eligibility import FIGO_2018_STAGES

from .models import EligibilitySignature, ParticipantStatus, Screening, initials_validator
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


# --- Screening (PROTOCOL §1) ---------------------------------------------------------------

SCREENING_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Enrolment date for the date windows", ("planned_enrolment_date",)),
    ("Disease (I2, E9)", (
        "figo_stage", "histology", "biopsy_date", "pathology_confirmed", "previously_treated",
        "distant_metastasis_or_recurrence",
    )),
    ("Performance status and clinical assessment (I3, I5, I6, I7)", (
        "ecog", "life_expectancy_over_6_months", "pi_confirms_ccrt", "pi_confirms_ccrt_by",
        "pi_confirms_ccrt_on", "active_bleeding",
    )),
    ("Laboratory (I4)", (
        "lab_date", "hemoglobin_g_dl", "neutrophils_10e9_l", "leukocytes_10e9_l", "platelets_10e9_l",
        "alt", "alt_uln", "ast", "ast_uln", "bilirubin", "bilirubin_uln", "bun", "bun_uln",
        "creatinine", "creatinine_uln",
    )),
    ("Pregnancy and contraception (I8)", (
        "childbearing_potential", "pregnancy_test_date", "pregnancy_test_negative", "contraception_agreed",
    )),
    ("Medical history (E1, E2, E3, E6, E7, E8, E10, E11)", (
        "uncontrolled_infection", "prior_malignancy", "prior_malignancy_date", "prior_malignancy_nonmelanoma_skin",
        "uncontrolled_hypertension_or_diabetes", "cardiocerebral_event", "cardiocerebral_event_date",
        "organ_transplant", "hiv", "uncontrolled_mental_illness", "hbv_dna_iu_ml", "hcv_rna_copies_ml",
        "mab_allergy", "active_autoimmune_disease",
    )),
    ("Medication and vaccines (E4, E5)", (
        "immunosuppressant_use", "last_immunosuppressant_date", "immunosuppressant_planned",
        "live_vaccine", "last_live_vaccine_date", "live_vaccine_planned",
        "therapeutic_hpv_vaccine_after_diagnosis",
    )),
)
SCREENING_FIELDS = tuple(name for _, names in SCREENING_SECTIONS for name in names)


class YesNoSelect(forms.NullBooleanSelect):
    """Yes / No / not recorded."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "— not recorded —"), ("true", "Yes"), ("false", "No")]


def _screening_formfield(model_field, **kwargs):
    if isinstance(model_field, models.DateField):
        kwargs["widget"] = DateInput
    if model_field.name == "figo_stage":
        return forms.ChoiceField(
            label=model_field.verbose_name, required=False,
            choices=[("", "— not recorded —")] + [(s, s) for s in FIGO_2018_STAGES],
        )
    if isinstance(model_field, models.BooleanField):
        return forms.NullBooleanField(
            label=model_field.verbose_name, required=False, help_text=model_field.help_text,
            widget=YesNoSelect,
        )
    field = model_field.formfield(**kwargs)
    if isinstance(model_field, models.DecimalField):
        field.widget.attrs["step"] = "any"
        field.widget.attrs["inputmode"] = "decimal"
        field.help_text = ""
    field.required = False
    return field


class ScreeningForm(AuditedEditMixin):
    """The screening form, sectioned like PROTOCOL §1's table. Every field may stay blank (a
    screening can be saved incomplete); implausible values are refused next to their field by
    the same check the service makes."""

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        units = {f.name: f.help_text for f in Screening._meta.fields if isinstance(f, models.DecimalField)}
        self.units = units
        layout = []
        for title, names in SCREENING_SECTIONS:
            items = [AppendedText(n, units[n]) if n in units else Field(n) for n in names]
            layout.append(Fieldset(title, *items, css_class="screening-section"))
        if self.editing:
            layout.append(Fieldset("Reason for change", "reason_for_change", "version"))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*layout)

    def clean(self):
        cleaned = super().clean()
        from .services.screening import plausibility_errors

        values = {name: cleaned.get(name) for name in SCREENING_FIELDS}
        for field, message in plausibility_errors(values, self.participant).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def screening_values(self) -> dict:
        """Cleaned values of the fields that are valid (invalid ones count as not recorded)."""
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in SCREENING_FIELDS if name not in self.errors}


ScreeningForm.base_fields.update(
    fields_for_model(Screening, fields=SCREENING_FIELDS, formfield_callback=_screening_formfield)
)


class ConsentForm(forms.Form):
    icf_version = forms.CharField(label="Consent form version", max_length=30, help_text="e.g. v2.1 2026-03-01")
    consent_date = forms.DateField(widget=DateInput)


class ConsentWithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    withdrawn_on = forms.DateField(label="Date of withdrawal", widget=DateInput)
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class SignatureForm(forms.Form):
    confirm = forms.BooleanField(label=EligibilitySignature.MEANING, required=True)
    password = forms.CharField(
        widget=forms.PasswordInput, help_text="Re-enter your password to sign electronically."
    )


class ScreenFailureForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    effective_date = forms.DateField(label="Date of screen failure", widget=DateInput)


class EnrolmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    enrolment_date = forms.DateField(widget=DateInput)
    planned_treatment_start = forms.DateField(
        widget=DateInput, help_text="Planned first fraction of external beam radiotherapy (day 1)."
    )
