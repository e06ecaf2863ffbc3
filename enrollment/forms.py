"""Participant forms: input shape here, clinical plausibility from ``rules`` (the same functions the
services call)."""

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.db import models
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import AuditedEditMixin, DateInput
from trialsite.protocol.eligibility import FIGO_2018_STAGES

from .models import (
    EligibilitySignature,
    ParticipantStatus,
    Screening,
    VisitFormState,
    VisitOutcome,
    initials_validator,
)
from .rules.participant import date_of_birth_problem, screening_date_problem
from .rules.plausibility import diagnosis_date_problem
from .rules.status import manual_targets


class InitialsField(forms.CharField):
    """Initials are stored in capitals whatever case is typed."""

    def to_python(self, value):
        return super().to_python(value).upper()


class ParticipantForm(AuditedEditMixin):
    initials = InitialsField(
        label=gettext_lazy("Initials"),
        max_length=4,
        help_text=gettext_lazy("2-4 capital letters. Never the patient's name or ID number."),
        validators=[initials_validator],
    )
    date_of_birth = forms.DateField(label=gettext_lazy("Date of birth"), widget=DateInput)
    screening_date = forms.DateField(
        label=gettext_lazy("Screening date"), widget=DateInput,
        help_text=gettext_lazy("Date the patient was first screened."),
    )
    diagnosis_date = forms.DateField(
        label=gettext_lazy("Diagnosis date"),
        widget=DateInput,
        required=False,
        help_text=gettext_lazy("Date of the pathological diagnosis of cervical cancer. PFS and OS count from it."),
    )
    # Multi-centre studies only (``core.sites``): removed when ``site_choices`` is None.
    site = forms.ModelChoiceField(
        queryset=None, required=False, label=gettext_lazy("Site"), empty_label=gettext_lazy("Choose the site")
    )

    def __init__(self, *args, site_choices=None, **kwargs):
        """``site_choices``: the sites offered (``core.sites.registration_sites`` when registering, every
        site when an all-sites user corrects a participant), or None for no site field. Registering
        with a single site to choose fixes it; with none, the field says why registering is refused."""
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        if site_choices is None:
            del self.fields["site"]
            return
        field.queryset = site_choices
        if self.editing:
            field.help_text = _("Moving her to another site hides her from the staff of her current site.")
            return
        field.required = True
        field.error_messages["required"] = _("Choose the site the patient is registered at.")
        choices = list(site_choices[:2])
        if len(choices) == 1:
            field.initial = choices[0]
            field.disabled = True
            field.help_text = _("The patient is registered at your site.")
        elif not choices:
            from core.sites import NO_SITE_MESSAGE

            field.help_text = NO_SITE_MESSAGE
        self.order_fields(["site"])

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
                screening_date = None
        diagnosis_date = cleaned.get("diagnosis_date")
        if diagnosis_date is not None:
            problem = diagnosis_date_problem(diagnosis_date, date_of_birth=dob, screening_date=screening_date, today=today)
            if problem:
                self.add_error("diagnosis_date", problem)
        return cleaned



class StatusChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    new_status = forms.ChoiceField(label=gettext_lazy("New status"))
    effective_date = forms.DateField(
        label=gettext_lazy("Effective date"), widget=DateInput,
        help_text=gettext_lazy("Date the new status took effect."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in the audit trail."),
    )

    def __init__(self, *args, current_status: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ParticipantStatus.choices)
        self.fields["new_status"].choices = [(s, labels[s]) for s in manual_targets(current_status)]


# --- Screening (PROTOCOL §1) ---------------------------------------------------------------

SCREENING_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (gettext_lazy("Enrolment date for the date windows"), ("planned_enrolment_date",)),
    (gettext_lazy("Disease (I2, E9)"), (
        "figo_stage", "histology", "biopsy_date", "pathology_confirmed", "previously_treated",
        "distant_metastasis_or_recurrence",
    )),
    (gettext_lazy("Performance status and clinical assessment (I3, I5, I6, I7)"), (
        "ecog", "life_expectancy_over_6_months", "pi_confirms_ccrt", "pi_confirms_ccrt_by",
        "pi_confirms_ccrt_on", "active_bleeding",
    )),
    (gettext_lazy("Laboratory (I4)"), (
        "lab_date", "hemoglobin_g_dl", "neutrophils_10e9_l", "leukocytes_10e9_l", "platelets_10e9_l",
        "alt", "alt_uln", "ast", "ast_uln", "bilirubin", "bilirubin_uln", "bun", "bun_uln",
        "creatinine", "creatinine_uln",
    )),
    (gettext_lazy("Pregnancy and contraception (I8)"), (
        "childbearing_potential", "pregnancy_test_date", "pregnancy_test_negative", "contraception_agreed",
    )),
    (gettext_lazy("Medical history (E1, E2, E3, E6, E7, E8, E10, E11)"), (
        "uncontrolled_infection", "prior_malignancy", "prior_malignancy_date", "prior_malignancy_nonmelanoma_skin",
        "uncontrolled_hypertension_or_diabetes", "cardiocerebral_event", "cardiocerebral_event_date",
        "organ_transplant", "hiv", "uncontrolled_mental_illness", "hbv_dna_iu_ml", "hcv_rna_copies_ml",
        "mab_allergy", "active_autoimmune_disease",
    )),
    (gettext_lazy("Medication and vaccines (E4, E5)"), (
        "immunosuppressant_use", "last_immunosuppressant_date", "immunosuppressant_planned",
        "live_vaccine", "last_live_vaccine_date", "live_vaccine_planned",
        "therapeutic_hpv_vaccine_after_diagnosis",
    )),
)
SCREENING_FIELDS = tuple(name for _, names in SCREENING_SECTIONS for name in names)


NOT_RECORDED = gettext_lazy("— not recorded —")


class YesNoSelect(forms.NullBooleanSelect):
    """Yes / No / not recorded."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", NOT_RECORDED), ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]


# Labels of the screening fields whose model field has no verbose name of its own (Django would
# make an untranslated one from the field name).
_SCREENING_LABELS = {
    "planned_enrolment_date": gettext_lazy("Planned enrolment date"),
    "histology": gettext_lazy("Histology"),
    "biopsy_date": gettext_lazy("Biopsy date"),
    "pregnancy_test_date": gettext_lazy("Pregnancy test date"),
}


def _screening_formfield(model_field, **kwargs):
    if isinstance(model_field, models.DateField):
        kwargs["widget"] = DateInput
    if model_field.name in _SCREENING_LABELS:
        kwargs["label"] = _SCREENING_LABELS[model_field.name]
    if model_field.name == "figo_stage":
        return forms.ChoiceField(
            label=model_field.verbose_name, required=False,
            choices=[("", NOT_RECORDED)] + [(s, s) for s in FIGO_2018_STAGES],
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
            layout.append(Fieldset(gettext_lazy("Reason for change"), "reason_for_change", "version"))
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
    icf_version = forms.CharField(
        label=gettext_lazy("Consent form version"), max_length=30, help_text=gettext_lazy("e.g. v2.1 2026-03-01")
    )
    consent_date = forms.DateField(label=gettext_lazy("Consent date"), widget=DateInput)


class ConsentWithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    withdrawn_on = forms.DateField(label=gettext_lazy("Date of withdrawal"), widget=DateInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class SignatureForm(forms.Form):
    # The meaning is stored in English (``EligibilitySignature.MEANING``); the signer reads it in their language.
    confirm = forms.BooleanField(label=gettext_lazy(EligibilitySignature.MEANING), required=True)
    password = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput,
        help_text=gettext_lazy("Re-enter your password to sign electronically."),
    )


class ScreenFailureForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    effective_date = forms.DateField(label=gettext_lazy("Date of screen failure"), widget=DateInput)


class EnrolmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    enrolment_date = forms.DateField(label=gettext_lazy("Enrolment date"), widget=DateInput)
    planned_treatment_start = forms.DateField(
        label=gettext_lazy("Planned treatment start"), widget=DateInput,
        help_text=gettext_lazy("Planned first fraction of external beam radiotherapy (day 1)."),
    )


# --- Visits (PROTOCOL §4; the paper's Table 2) -----------------------------------------------------


class VisitRecordForm(AuditedEditMixin):
    """A scheduled visit: done on a date (with a note when outside its window) or missed with a
    reason. The window rule is the service's (``enrollment.rules.visits.window_deviation``)."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=VisitOutcome.choices, widget=forms.RadioSelect,
        initial=VisitOutcome.DONE,
    )
    visit_date = forms.DateField(label=gettext_lazy("Date of the visit"), widget=DateInput, required=False,
                                 help_text=gettext_lazy("Needed when the visit was done; leave blank for a missed visit."))
    missed_reason = forms.CharField(label=gettext_lazy("Why the visit was missed"), required=False, max_length=1000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    window_note = forms.CharField(label=gettext_lazy("Why the visit is outside its window"), required=False,
                                  max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, window_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if window_text:
            self.fields["window_note"].help_text = _(
                "Needed only when the date is outside the window (%(window)s)."
            ) % {"window": window_text}


class UnscheduledVisitForm(forms.Form):
    visit_date = forms.DateField(label=gettext_lazy("Date of the visit"), widget=DateInput)
    reason = forms.CharField(label=gettext_lazy("Reason for the unscheduled visit"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


FORM_STATE_CHOICES = (("", gettext_lazy("Missing (not yet recorded)")), *VisitFormState.choices)


class VisitFormsForm(forms.Form):
    """One state (entered / not done / blank = missing) and reason per editable expected form;
    forms the system found itself are shown, not edited. Fields: ``state_<code>``,
    ``reason_<code>``, ``version_<code>``."""

    reason_for_change = forms.CharField(
        label=gettext_lazy("Reason for change"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when changing a form state saved before; kept in the audit trail."),
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.editable_codes = []
        self.lines = []
        for row in rows:
            line = {"row": row}
            if not row.automatic:
                code = row.code
                self.editable_codes.append(code)
                record = row.record
                self.fields[f"state_{code}"] = forms.ChoiceField(
                    label=row.label, choices=FORM_STATE_CHOICES, required=False, widget=forms.RadioSelect,
                    initial=record.state if record is not None else "",
                )
                self.fields[f"reason_{code}"] = forms.CharField(
                    label=_("Why %(form)s was not done") % {"form": row.label}, required=False, max_length=1000,
                    initial=record.reason if record is not None else "",
                )
                self.fields[f"version_{code}"] = forms.IntegerField(
                    widget=forms.HiddenInput, required=False, initial=record.version if record is not None else None
                )
                line.update(state=self[f"state_{code}"], reason=self[f"reason_{code}"],
                            version=self[f"version_{code}"])
            self.lines.append(line)

    def states(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self.cleaned_data.get(f"state_{code}") or "", self.cleaned_data.get(f"reason_{code}") or "")
            for code in self.editable_codes
        }

    def versions(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[f"version_{code}"]
            for code in self.editable_codes
            if self.cleaned_data.get(f"version_{code}") is not None
        }

    def add_service_errors(self, error) -> None:
        """Put the service's per-form errors (keyed by form code) next to that form's reason."""
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                target = f"reason_{key}" if f"reason_{key}" in self.fields else (key if key in self.fields else None)
                for item in errors:
                    self.add_error(target, item)
        else:
            for message in getattr(error, "messages", [str(error)]):
                self.add_error(None, message)


class MissingFormsFilterForm(forms.Form):
    participant = forms.ModelChoiceField(
        label=gettext_lazy("Participant"), queryset=None, required=False, empty_label=gettext_lazy("All participants")
    )
    form = forms.ChoiceField(label=gettext_lazy("Form"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        """``user``: only the participants of their sites are offered (``core.sites``)."""
        from core.sites import visible_participants
        from trialsite.protocol.visits import FORMS

        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = visible_participants(user).filter(
            planned_treatment_start__isnull=False
        ).order_by("study_number")
        self.fields["form"].choices = [("", _("All forms")), *((f.code, f.label) for f in FORMS)]
