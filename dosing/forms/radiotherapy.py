"""Forms for the EBRT course and the brachytherapy fractions. Input shape only: the services
(``dosing.services.radiotherapy``) hold the rules and put their refusals next to the fields."""

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core.forms import AuditedEditMixin, DateInput
from dosing.services.radiotherapy import BRACHY_FIELDS, COURSE_FIELDS
from trialsite.protocol.treatment import RADIOTHERAPY

from ..models import Applicator, EbrtTechnique

_P = RADIOTHERAPY


def _gy(label: str, *, required: bool = False, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=format_lazy("{} (Gy)", label), max_digits=5, decimal_places=2, required=required, help_text=help_text
    )


def _pct(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=format_lazy("{} (%)", label),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=format_lazy(
            gettext_lazy("Share of the femoral head receiving at least 50 Gy; PROTOCOL §2: below {limit} %."),
            limit=f"{_P.femoral_head_v50_max_pct:g}",
        ),
    )


def _audit_fields(form: AuditedEditMixin) -> list[str]:
    return ["version", "reason_for_change"] if form.editing else []


class RadiotherapyCourseForm(AuditedEditMixin):
    technique = forms.ChoiceField(label=gettext_lazy("Technique"), choices=[("", "---------"), *EbrtTechnique.choices])
    prescription_dose_gy = _gy(
        gettext_lazy("Prescription dose"),
        required=True,
        help_text=format_lazy(
            gettext_lazy("PROTOCOL §2: {low}-{high} Gy."), low=_P.ebrt_total_dose_min_gy, high=_P.ebrt_total_dose_max_gy
        ),
    )
    prescribed_fractions = forms.IntegerField(
        label=gettext_lazy("Prescribed fractions"),
        min_value=1,
        help_text=format_lazy(
            gettext_lazy("PROTOCOL §2: {low}-{high} fractions."), low=_P.ebrt_fractions_min, high=_P.ebrt_fractions_max
        ),
    )
    dose_per_fraction_gy = _gy(
        gettext_lazy("Dose per fraction"),
        required=True,
        help_text=format_lazy(gettext_lazy("PROTOCOL §2: {dose} Gy."), dose=_P.ebrt_dose_per_fraction_gy),
    )
    sib_dose_gy = _gy(
        gettext_lazy("SIB dose to nodes (PGTVnd)"),
        help_text=format_lazy(
            gettext_lazy("Node-positive only: {low}-{high} Gy. Leave blank without a boost."),
            low=f"{_P.sib_total_dose_min_gy:.2f}",
            high=f"{_P.sib_total_dose_max_gy:.2f}",
        ),
    )
    sib_dose_per_fraction_gy = _gy(
        gettext_lazy("SIB dose per fraction"),
        help_text=format_lazy(gettext_lazy("PROTOCOL §2: {dose} Gy."), dose=_P.sib_dose_per_fraction_gy),
    )
    start_date = forms.DateField(label=gettext_lazy("First EBRT fraction"), widget=DateInput)
    end_date = forms.DateField(
        label=gettext_lazy("Last EBRT fraction"),
        widget=DateInput,
        required=False,
        help_text=gettext_lazy("Blank while EBRT is ongoing."),
    )
    fractions_delivered = forms.IntegerField(label=gettext_lazy("Fractions delivered"), min_value=0, initial=0)
    interruption_days = forms.IntegerField(label=gettext_lazy("Days of interruption"), min_value=0, initial=0)
    interruption_reason = forms.CharField(
        label=gettext_lazy("Reason for interruptions"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    bladder_d2cc_ebrt_gy = _gy(gettext_lazy("Bladder D2cc from EBRT (measured)"))
    rectum_d2cc_ebrt_gy = _gy(gettext_lazy("Rectum D2cc from EBRT (measured)"))
    sigmoid_d2cc_ebrt_gy = _gy(gettext_lazy("Sigmoid D2cc from EBRT (measured)"))
    femoral_head_left_v50_pct = _pct(gettext_lazy("Left femoral head V50"))
    femoral_head_right_v50_pct = _pct(gettext_lazy("Right femoral head V50"))
    completed = forms.BooleanField(
        label=gettext_lazy("All radiotherapy (EBRT and brachytherapy) is complete"),
        required=False,
        help_text=gettext_lazy(
            "Needs the date of the last EBRT fraction. Consolidation is planned from the last fraction."
        ),
    )

    VALUE_FIELDS = COURSE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        measured_help = _("Leave blank to count the prescribed EBRT dose for this organ (PROTOCOL §2 convention).")
        for name in ("bladder_d2cc_ebrt_gy", "rectum_d2cc_ebrt_gy", "sigmoid_d2cc_ebrt_gy"):
            self.fields[name].help_text = measured_help
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Prescription"),
                "technique",
                AppendedText("prescription_dose_gy", "Gy"),
                AppendedText("prescribed_fractions", pgettext("unit", "fx")),
                AppendedText("dose_per_fraction_gy", "Gy"),
                AppendedText("sib_dose_gy", "Gy"),
                AppendedText("sib_dose_per_fraction_gy", "Gy"),
            ),
            Fieldset(
                _("Delivery"),
                "start_date",
                "end_date",
                AppendedText("fractions_delivered", pgettext("unit", "fx")),
                AppendedText("interruption_days", pgettext("unit", "days")),
                "interruption_reason",
            ),
            Fieldset(
                _("Plan doses to organs at risk"),
                AppendedText("bladder_d2cc_ebrt_gy", "Gy"),
                AppendedText("rectum_d2cc_ebrt_gy", "Gy"),
                AppendedText("sigmoid_d2cc_ebrt_gy", "Gy"),
                AppendedText("femoral_head_left_v50_pct", "%"),
                AppendedText("femoral_head_right_v50_pct", "%"),
            ),
            "completed",
            *_audit_fields(self),
        )

    def course_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.VALUE_FIELDS}


class BrachytherapyFractionForm(AuditedEditMixin):
    number = forms.IntegerField(
        label=gettext_lazy("Fraction number"),
        min_value=1,
        help_text=format_lazy(
            gettext_lazy("PROTOCOL §2 plans {count} fractions of {dose} Gy."),
            count=_P.brachy_fractions,
            dose=f"{_P.brachy_dose_per_fraction_gy:g}",
        ),
    )
    given_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput)
    hrctv_d90_gy = _gy(
        gettext_lazy("HR-CTV D90"), required=True, help_text=gettext_lazy("Physical dose of this fraction.")
    )
    bladder_d2cc_gy = _gy(gettext_lazy("Bladder D2cc"), help_text=gettext_lazy("Physical dose of this fraction."))
    rectum_d2cc_gy = _gy(gettext_lazy("Rectum D2cc"), help_text=gettext_lazy("Physical dose of this fraction."))
    sigmoid_d2cc_gy = _gy(gettext_lazy("Sigmoid D2cc"), help_text=gettext_lazy("Physical dose of this fraction."))
    applicator = forms.ChoiceField(
        label=gettext_lazy("Applicator"), choices=[("", "---------"), *Applicator.choices]
    )
    interstitial_needles = forms.BooleanField(label=gettext_lazy("Interstitial needles used"), required=False)

    VALUE_FIELDS = BRACHY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "number",
            "given_on",
            AppendedText("hrctv_d90_gy", "Gy"),
            AppendedText("bladder_d2cc_gy", "Gy"),
            AppendedText("rectum_d2cc_gy", "Gy"),
            AppendedText("sigmoid_d2cc_gy", "Gy"),
            "applicator",
            "interstitial_needles",
            *_audit_fields(self),
        )

    def fraction_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.VALUE_FIELDS}
