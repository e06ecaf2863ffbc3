"""The adverse-event form, the investigator's signature and the SAE report sent.

Input shape only: ``toxicity.services.adverse_events`` applies the rules of
``toxicity.rules.adverse_event`` and its refusals are shown next to the fields.

The CTCAE term is a <select> grouped by system organ class, which works without JavaScript;
``toxicity/ae_form.js`` turns it into a search box (the ``toxicity:ctcae_terms`` JSON search) and
redraws the grade choices for the chosen term. The grade radios show only the grades that exist for
the term, each with its CTCAE v5.0 text, whenever the term is known to the server (an edit, a
prefill, or a form shown again with errors); the service refuses a grade the term does not have.
"""

import datetime

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import AuditedEditMixin, DateInput
from enrollment.forms import SignatureForm

from ..models import (
    AE_AGENTS,
    IRAE_CATEGORY_CHOICES,
    SAE_CRITERIA,
    AdverseEvent,
    AdverseEventSignature,
    AgentAction,
    Attribution,
    CtcaeTerm,
    Outcome,
)
from ..rules.adverse_event import CTCAE_GRADES, grade_words
from ..selectors.adverse_events import ctcae_term_choices, grade_choice_label
from ..services.adverse_events import AE_VALUE_FIELDS


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker (local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def storable_moment(value: datetime.datetime) -> None:
    """Refuse a local time the database cannot store: its UTC equivalent must fall inside years
    1-9999 (0001-01-01T00:00 in a zone east of UTC does not)."""
    try:
        value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationError(gettext("Enter a real date and time."), code="out_of_range") from None


def _grade_choices(term: CtcaeTerm | None) -> list[tuple[int, str]]:
    if term is None:
        return [(grade, grade_choice_label(grade)) for grade in CTCAE_GRADES]
    return [(grade, grade_choice_label(grade, term.grade_text(grade))) for grade in term.available_grades()]


def _current_grade_choices(term: CtcaeTerm | None) -> list[tuple[str | int, str]]:
    grades = term.available_grades() if term is not None else list(CTCAE_GRADES)
    return [("", "—"), (0, grade_words(0))] + [
        (grade, grade_choice_label(grade)) for grade in grades
    ]


_ALL_GRADES = [(grade, str(grade)) for grade in CTCAE_GRADES]
_ALL_CURRENT = [("", "—"), (0, "0")] + _ALL_GRADES
_YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _to_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AdverseEventForm(AuditedEditMixin):
    term = forms.TypedChoiceField(label=_("CTCAE term"), coerce=int, choices=())
    description = forms.CharField(label=_("Description (verbatim)"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    grade = forms.TypedChoiceField(label=_("Worst grade"), coerce=int, choices=_ALL_GRADES, widget=forms.RadioSelect)
    current_grade = forms.TypedChoiceField(
        label=_("Grade now"), coerce=int, empty_value=None, choices=_ALL_CURRENT,
        help_text=_("At the latest assessment; 0 when back to normal (then give the resolution date)."),
    )  # fmt: skip
    onset_date = forms.DateField(label=_("Onset"), widget=DateInput)
    resolution_date = forms.DateField(label=_("Resolved on"), required=False, widget=DateInput,
                                      help_text=_("A fatal AE ends on the date of death."))  # fmt: skip
    ongoing = forms.BooleanField(label=pgettext_lazy("adverse event", "Ongoing"), required=False, initial=True)

    serious = forms.BooleanField(label=_("Serious (SAE)"), required=False,
                                 help_text=_("Serious when at least one criterion below is met (ICH E2A)."))  # fmt: skip
    sae_awareness_at = forms.DateTimeField(
        label=_("Site aware of the SAE"), required=False, widget=DateTimeInput, validators=[storable_moment],
        help_text=_("Starts the 24-hour reporting clock; left blank, the time of saving is used."),
    )  # fmt: skip

    immune_related = forms.TypedChoiceField(label=_("Immune-related (irAE)"), choices=_YES_NO, widget=forms.RadioSelect,
                                            coerce=lambda value: value == "yes")  # fmt: skip
    irae_category = forms.ChoiceField(
        label=_("irAE category (PROTOCOL §3)"), required=False, choices=[("", "—")] + IRAE_CATEGORY_CHOICES,
        help_text=_("Decides the toripalimab dose rule; pre-selected from the term, the investigator can change it."),
    )  # fmt: skip

    steroid_given = forms.BooleanField(label=_("Corticosteroids given"), required=False)
    steroid_drug = forms.CharField(label=_("Corticosteroid"), required=False, max_length=80)
    steroid_start_date = forms.DateField(label=_("Corticosteroids started"), required=False, widget=DateInput)
    steroid_start_mg_per_day = forms.DecimalField(label=_("Starting dose (prednisone-equivalent)"), required=False,
                                                  max_digits=6, decimal_places=1)  # fmt: skip
    steroid_current_mg_per_day = forms.DecimalField(label=_("Current dose (prednisone-equivalent)"), required=False,
                                                    max_digits=6, decimal_places=1)  # fmt: skip
    steroid_taper_note = forms.CharField(label=_("Taper"), required=False, max_length=2000,
                                         widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    steroid_stop_date = forms.DateField(label=_("Corticosteroids stopped"), required=False, widget=DateInput)

    outcome = forms.ChoiceField(label=pgettext_lazy("adverse event", "Outcome"), choices=Outcome.choices,
                                initial=Outcome.NOT_RECOVERED)  # fmt: skip
    death_date = forms.DateField(label=_("Date of death"), required=False, widget=DateInput,
                                 help_text=_("Grade 5 only."))  # fmt: skip

    def __init__(self, *args, term: CtcaeTerm | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SAE_CRITERIA:
            self.fields[name] = forms.BooleanField(label=gettext(label), required=False)
        for agent, label in AE_AGENTS:
            self.fields[f"attribution_{agent}"] = forms.ChoiceField(
                label=gettext("Attribution to %(agent)s") % {"agent": gettext(label)},
                choices=[("", "—")] + list(Attribution.choices),
            )
            self.fields[f"action_{agent}"] = forms.ChoiceField(
                label=gettext("Action taken with %(agent)s") % {"agent": gettext(label)},
                choices=AgentAction.choices,
                initial=AgentAction.NONE,
            )
        self.fields["term"].choices = [("", gettext("Choose a term…"))] + ctcae_term_choices()
        self.shown_term = self._shown_term(term)
        # Validation accepts any CTCAE grade (the service says which ones the term lacks); the
        # radios and the select offer only the term's own grades with their texts.
        self.fields["grade"].widget.choices = _grade_choices(self.shown_term)
        self.fields["current_grade"].widget.choices = _current_grade_choices(self.shown_term)
        self.helper = self._layout()

    def _shown_term(self, term: CtcaeTerm | None) -> CtcaeTerm | None:
        if self.is_bound:
            pk = _to_int(self.data.get(self.add_prefix("term")))
            return CtcaeTerm.objects.filter(pk=pk).first() if pk is not None else None
        return term

    def _layout(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        agents = [
            Row(Column(f"attribution_{agent}", css_class="col-md-6"), Column(f"action_{agent}", css_class="col-md-6"))
            for agent, _label in AE_AGENTS
        ]
        mg = "mg/day"  # a unit: the same in every language
        extra = ["version", "reason_for_change"] if self.editing else []
        helper.layout = Layout(
            Fieldset(
                gettext("Adverse event (CTCAE v5.0)"),
                Div("term", css_id="ae-term-field"),
                "description",
                Div("grade", css_id="ae-grade-field"),
                Div("current_grade", css_id="ae-current-grade-field"),
                Row(Column("onset_date", css_class="col-md-4"), Column("resolution_date", css_class="col-md-4"),
                    Column("ongoing", css_class="col-md-4 pt-md-4")),  # fmt: skip
            ),
            Fieldset(
                gettext("Seriousness"),
                "serious",
                *[name for name, _label in SAE_CRITERIA],
                "sae_awareness_at",
            ),
            Fieldset(gettext("Attribution and action per agent"), *agents),
            Fieldset(gettext("Immune-related"), "immune_related", "irae_category"),
            Fieldset(
                gettext("Corticosteroids"),
                "steroid_given",
                "steroid_drug",
                Row(Column("steroid_start_date", css_class="col-md-4"),
                    Column(AppendedText("steroid_start_mg_per_day", mg), css_class="col-md-4"),
                    Column(AppendedText("steroid_current_mg_per_day", mg), css_class="col-md-4")),  # fmt: skip
                "steroid_taper_note",
                "steroid_stop_date",
            ),
            Fieldset(pgettext("adverse event", "Outcome"), "outcome", "death_date"),
            *extra,
        )
        return helper

    def clean_term(self) -> CtcaeTerm:
        term = CtcaeTerm.objects.filter(pk=self.cleaned_data["term"]).first()
        if term is None:
            raise forms.ValidationError(gettext("Choose a CTCAE v5.0 term."))
        return term

    def ae_values(self) -> dict:
        """The cleaned values by AdverseEvent field name, for the service."""
        return {name: self.cleaned_data.get(name) for name in AE_VALUE_FIELDS}

    @staticmethod
    def initial_from(adverse_event: AdverseEvent) -> dict:
        initial = {name: getattr(adverse_event, name) for name in AE_VALUE_FIELDS if name != "term"}
        initial["term"] = adverse_event.term_id
        initial["immune_related"] = "yes" if adverse_event.immune_related else "no"
        return initial


class AdverseEventSignatureForm(SignatureForm):
    """Meaning ticked and password re-entered (as the eligibility signature)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = gettext(AdverseEventSignature.MEANING)


class SaeReportSentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    sae_report_sent_at = forms.DateTimeField(label=_("SAE report sent"), widget=DateTimeInput,
                                             validators=[storable_moment],
                                             help_text=_("Local time the report left the site."))  # fmt: skip
