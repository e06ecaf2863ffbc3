"""Forms of lab panels: the panel (date, laboratory, note and, per analyte, value with the lab's
LLN and ULN) and the dismissal of a proposed adverse event. They check input shape and call the
service's own checks (``toxicity.services.labs``), so no rule lives only here."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from core.forms import AuditedEditMixin, DateInput
from trialsite.protocol.labs import ANALYTES, SECTIONS

from ..labels import analyte_label
from ..services.labs import collected_on_errors, lab_values_errors, lln_field, uln_field, value_field

_NUMBER_ATTRS = {"class": "form-control form-control-sm", "inputmode": "decimal", "autocomplete": "off"}


def _decimal(label: str, *, kind: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=3,
        widget=forms.TextInput(attrs={**_NUMBER_ATTRS, "data-lab": kind}),
        error_messages={
            "invalid": _("Enter a number."),
            "max_digits": _("Use at most 7 digits before the decimal point and 3 after it."),
            "max_decimal_places": _("Use at most 3 digits after the decimal point."),
            "max_whole_digits": _("Use at most 7 digits before the decimal point."),
        },
    )


class LabPanelForm(AuditedEditMixin):
    collected_on = forms.DateField(label=_("Date collected"), widget=DateInput)
    laboratory = forms.CharField(label=_("Laboratory"), max_length=120, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    result_versions = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, participant, stored_badges=None, result_versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.stored_badges = stored_badges or {}
        for analyte in ANALYTES:
            name = {"analyte": analyte_label(analyte)}
            self.fields[value_field(analyte.code)] = _decimal(gettext("%(analyte)s value") % name, kind="value")
            self.fields[lln_field(analyte.code)] = _decimal(gettext("%(analyte)s LLN") % name, kind="lln")
            self.fields[uln_field(analyte.code)] = _decimal(gettext("%(analyte)s ULN") % name, kind="uln")
        if self.editing:
            self.fields["result_versions"].initial = ",".join(
                f"{code}:{version}" for code, version in sorted((result_versions or {}).items())
            )
        else:
            del self.fields["result_versions"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout("collected_on", "laboratory", "note")

    def sections(self) -> list[tuple[str, list[dict]]]:
        """The analyte rows grouped by section, each with its three bound fields, unit and the stored
        grade badge (on a correction)."""
        for name in self.errors:
            attrs = self.fields[name].widget.attrs if name in self.fields else {}
            if "data-lab" in attrs and "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"
        grouped = []
        for section in SECTIONS:
            rows = [
                {
                    "analyte": analyte,
                    "value": self[value_field(analyte.code)],
                    "lln": self[lln_field(analyte.code)],
                    "uln": self[uln_field(analyte.code)],
                    "badge": self.stored_badges.get(analyte.code),
                }
                for analyte in ANALYTES
                if analyte.section == section
            ]
            grouped.append((section, rows))
        return grouped

    def clean_result_versions(self) -> dict[str, int]:
        raw = (self.cleaned_data.get("result_versions") or "").strip()
        versions = {}
        for item in filter(None, raw.split(",")):
            code, _, number = item.partition(":")
            if not number.isdigit():
                raise forms.ValidationError(gettext("The page is damaged: reload it and enter your changes again."))
            versions[code] = int(number)
        return versions

    def clean(self):
        cleaned = super().clean()
        analyte_fields = {name for analyte in ANALYTES for name in self._analyte_fields(analyte.code)}
        broken = {name for name in self.errors if name in analyte_fields}
        errors = {}
        if "collected_on" in cleaned:
            errors.update(collected_on_errors(self.participant, cleaned["collected_on"]))
        errors.update(lab_values_errors(self.values()))
        for name, message in errors.items():
            if name == NON_FIELD_ERRORS:
                if not broken:
                    self.add_error(None, message)
            elif name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    @staticmethod
    def _analyte_fields(code: str) -> tuple[str, str, str]:
        return value_field(code), lln_field(code), uln_field(code)

    def values(self) -> dict[str, tuple]:
        """Analyte code -> (value, LLN, ULN) as the service takes them."""
        data = getattr(self, "cleaned_data", {})
        return {
            analyte.code: tuple(data.get(name) for name in self._analyte_fields(analyte.code)) for analyte in ANALYTES
        }


# Stored in English as the start of the dismissal reason (the audit trail's language); offered translated.
COMMON_DISMISS_REASONS = (
    gettext_noop("Not clinically significant"),
    gettext_noop("Already recorded as an adverse event"),
    gettext_noop("Abnormal at baseline, unchanged"),
    gettext_noop("Laboratory error, repeat normal"),
)


class DismissForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    common_reason = forms.ChoiceField(
        label=_("Common reasons"),
        choices=[(reason, _(reason)) for reason in COMMON_DISMISS_REASONS],
        widget=forms.RadioSelect,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for dismissing"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Pick a common reason, write your own, or both (your text is added to it). Kept in the audit trail."),
    )

    def clean(self):
        cleaned = super().clean()
        parts = [part for part in ((cleaned.get("common_reason") or "").strip(), (cleaned.get("reason") or "").strip()) if part]
        if not parts and "reason" not in self.errors:
            self.add_error("reason", gettext("Give the reason for dismissing the proposed adverse event."))
        cleaned["full_reason"] = ": ".join(parts)
        return cleaned
