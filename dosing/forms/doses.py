"""Forms for height and weight, doses, delays, toxicity reviews and the investigator's decision.
Input shape only: the services apply the PROTOCOL §2/§3 rules and put their refusals next to the
fields."""

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Field, Fieldset, Layout
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import AuditedEditMixin, DateInput
from trialsite.protocol.treatment import (
    ANEMIA,
    CHEMO_MODIFICATION,
    FEBRILE_NEUTROPENIA,
    LYMPHOCYTE_COUNT_DECREASED,
    NEUTROPHIL_COUNT_DECREASED,
    PLATELET_COUNT_DECREASED,
    TORIPALIMAB,
    WHITE_BLOOD_CELL_DECREASED,
)

from ..models import DifferenceReason, DoseStatus, ModificationAction


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


class AnthropometricsForm(AuditedEditMixin):
    measured_on = forms.DateField(label=gettext_lazy("Date measured"), widget=DateInput)
    height_cm = forms.DecimalField(label=gettext_lazy("Height"), max_digits=4, decimal_places=1, min_value=0)
    weight_kg = forms.DecimalField(label=gettext_lazy("Weight"), max_digits=4, decimal_places=1, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extra = ["version", "reason_for_change"] if self.editing else []
        self.helper = _helper(
            "measured_on", AppendedText("height_cm", "cm"), AppendedText("weight_kg", "kg"), *extra
        )


class DoseForm(AuditedEditMixin):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=DoseStatus.choices, widget=forms.RadioSelect, initial=DoseStatus.GIVEN
    )
    given_on = forms.DateField(label=gettext_lazy("Date given"), widget=DateInput, required=False)
    given_time = forms.TimeField(label=gettext_lazy("Time"), widget=TimeInput, required=False)
    dose_given_mg = forms.DecimalField(label=gettext_lazy("Dose given"), max_digits=7, decimal_places=1, required=False)
    difference_reason = forms.ChoiceField(
        label=gettext_lazy("Reason for a difference"),
        choices=DifferenceReason.choices,
        required=False,
        help_text=gettext_lazy(
            "Needed when the dose given differs from the calculated dose or the date is outside its window."
        ),
    )
    difference_note = forms.CharField(
        label=gettext_lazy("Details"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    infusion_start = forms.TimeField(label=gettext_lazy("Infusion start"), widget=TimeInput, required=False)
    infusion_stop = forms.TimeField(label=gettext_lazy("Infusion stop"), widget=TimeInput, required=False)
    lot_number = forms.CharField(label=gettext_lazy("Lot number"), max_length=40, required=False)
    override_reason = forms.CharField(
        label=gettext_lazy("Investigator override: reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Only to give more than 10 % above the calculated dose."),
    )

    def __init__(self, *args, agent: str, can_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [
            "status", "given_on", "given_time", AppendedText("dose_given_mg", "mg"), "difference_reason",
            "difference_note", "infusion_start", "infusion_stop",
        ]
        if agent == TORIPALIMAB:
            fields.append("lot_number")
        else:
            del self.fields["lot_number"]
        if can_override:
            fields.append("override_reason")
        else:
            del self.fields["override_reason"]
        if self.editing:
            fields += ["version", "reason_for_change"]
        self.helper = _helper(*fields)

    def dose_values(self) -> dict:
        names = (
            "status", "given_on", "given_time", "dose_given_mg", "difference_reason", "difference_note",
            "infusion_start", "infusion_stop", "lot_number", "override_reason",
        )
        return {name: self.cleaned_data.get(name) for name in names if name in self.fields}


class DelayForm(AuditedEditMixin):
    delayed_to = forms.DateField(label=gettext_lazy("New date"), widget=DateInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason for the delay"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. held for grade 3 neutropenia, patient's request, public holiday."),
    )


_GRADES = [("", gettext_lazy("Not graded")), ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]
HAEMATOLOGICAL_FIELDS = (
    ("neutrophil_grade", NEUTROPHIL_COUNT_DECREASED),
    ("platelet_grade", PLATELET_COUNT_DECREASED),
    ("wbc_grade", WHITE_BLOOD_CELL_DECREASED),
    ("anemia_grade", ANEMIA),
    ("lymphocyte_grade", LYMPHOCYTE_COUNT_DECREASED),
    ("febrile_neutropenia_grade", FEBRILE_NEUTROPENIA),
)
NON_HAEMATOLOGICAL_ROWS = 3
_RECOVERED = [("", gettext_lazy("Not documented")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class ToxicityReviewForm(forms.Form):
    """Worst CTCAE v5.0 grades since the last cycle (PROTOCOL §3). ``prefill_note`` (plain text) is
    shown above the fields when the grades were pre-filled (``initial_from_grades``)."""

    assessed_on = forms.DateField(label=gettext_lazy("Date assessed"), widget=DateInput)
    febrile = forms.BooleanField(label=gettext_lazy("Fever with the neutropenia"), required=False)
    haematological_recovered = forms.ChoiceField(
        label=gettext_lazy("Haematological toxicity back to grade 0-1"), choices=_RECOVERED, required=False
    )

    def __init__(self, *args, prefill_note: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        haem = []
        for name, term in HAEMATOLOGICAL_FIELDS:
            self.fields[name] = forms.TypedChoiceField(  # the CTCAE term stays in English
                label=term, choices=_GRADES, required=False, coerce=int, empty_value=None
            )
            haem.append(name)
        other = []
        for index in range(1, NON_HAEMATOLOGICAL_ROWS + 1):
            self.fields[f"other_term_{index}"] = forms.CharField(
                label=_("Other toxicity %(index)s (CTCAE term)") % {"index": index}, required=False, max_length=120
            )
            self.fields[f"other_grade_{index}"] = forms.TypedChoiceField(
                label=_("Grade of toxicity %(index)s") % {"index": index},
                choices=_GRADES,
                required=False,
                coerce=int,
                empty_value=None,
            )
            other += [f"other_term_{index}", f"other_grade_{index}"]
        note = []
        if prefill_note:
            note.append(HTML(format_html('<div class="alert alert-info" data-testid="review-prefill">{}</div>', prefill_note)))
        self.helper = _helper(
            *note,
            "assessed_on",
            Fieldset(
                _("Haematological (worst grade since the last cycle)"), *haem, "febrile", "haematological_recovered"
            ),
            Fieldset(_("Non-haematological"), *[Field(name) for name in other]),
        )

    @staticmethod
    def initial_from_grades(grades: dict[str, int], *, febrile: bool) -> dict:
        """Initial data from the worst grade per CTCAE term (``toxicity.selectors.chemo_grades``): each
        haematological field gets its term's grade; the "other" rows the highest non-haematological
        grades >= 1 (ties by term name); ``febrile`` when a febrile neutropenia AE is present."""
        initial: dict = {}
        by_term = {term.casefold(): grade for term, grade in grades.items()}
        for name, term in HAEMATOLOGICAL_FIELDS:
            if term.casefold() in by_term:
                initial[name] = by_term[term.casefold()]
        haem_terms = {term.casefold() for _name, term in HAEMATOLOGICAL_FIELDS}
        others = sorted(
            ((term, grade) for term, grade in grades.items() if term.casefold() not in haem_terms and grade >= 1),
            key=lambda item: (-item[1], item[0]),
        )
        for index, (term, grade) in enumerate(others[:NON_HAEMATOLOGICAL_ROWS], start=1):
            initial[f"other_term_{index}"] = term
            initial[f"other_grade_{index}"] = grade
        if febrile:
            initial["febrile"] = True
        return initial

    def clean(self):
        cleaned = super().clean()
        for index in range(1, NON_HAEMATOLOGICAL_ROWS + 1):
            term = (cleaned.get(f"other_term_{index}") or "").strip()
            grade = cleaned.get(f"other_grade_{index}")
            if term and grade is None:
                self.add_error(f"other_grade_{index}", _("Give the grade of this toxicity."))
            if grade is not None and not term:
                self.add_error(f"other_term_{index}", _("Name the CTCAE term of this grade."))
            haem_terms = {t.lower() for _name, t in HAEMATOLOGICAL_FIELDS}
            if term and term.lower() in haem_terms:
                self.add_error(f"other_term_{index}", _("Enter haematological toxicities in their own fields above."))
        return cleaned

    def toxicities(self) -> list[tuple[str, int]]:
        result = [
            (term, self.cleaned_data[name])
            for name, term in HAEMATOLOGICAL_FIELDS
            if self.cleaned_data.get(name) is not None
        ]
        for index in range(1, NON_HAEMATOLOGICAL_ROWS + 1):
            term = (self.cleaned_data.get(f"other_term_{index}") or "").strip()
            if term:
                result.append((term, self.cleaned_data[f"other_grade_{index}"]))
        return result

    def recovered(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("haematological_recovered") or "")


_LEVELS = [("", "—")] + [(str(level), f"{level} %") for level in CHEMO_MODIFICATION.dose_levels_pct]


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("confirm", gettext_lazy("Confirm the recommendation")),
            ("override", gettext_lazy("Override it")),
        ],
        widget=forms.RadioSelect,
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action instead"), choices=[("", "—")] + list(ModificationAction.choices), required=False
    )
    level_pct = forms.TypedChoiceField(
        label=gettext_lazy("Dose level"), choices=_LEVELS, required=False, coerce=int, empty_value=None
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required for an override; kept in the audit trail."),
    )

