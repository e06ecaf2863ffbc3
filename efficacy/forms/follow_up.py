"""Forms of the progression and the follow-up status.

Input shape only: ``efficacy.services.follow_up`` applies the rules of ``efficacy.rules.follow_up``
and its refusals are shown next to the fields.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import AuditedEditMixin, DateInput

from ..models import DeathCause, OffStudyReason, Progression, ProgressionConfirmation, ProgressionSite
from ..selectors.follow_up import AssessmentChoice


def _blank(choices) -> list[tuple[str, str]]:
    return [("", "—")] + list(choices)


class ProgressionForm(AuditedEditMixin):
    progression_date = forms.DateField(
        label=_("Date of progression"), widget=DateInput,
        help_text=_("The date it was first documented (imaging, biopsy or examination). PFS ends at the first one."),
    )  # fmt: skip
    site = forms.ChoiceField(label=pgettext_lazy("where a progression is", "Site"), choices=ProgressionSite.choices,
                             widget=forms.RadioSelect)  # fmt: skip
    confirmed_by_method = forms.ChoiceField(
        label=_("How confirmed"), choices=ProgressionConfirmation.choices, widget=forms.RadioSelect
    )
    sites_detail = forms.CharField(
        label=_("Sites"), max_length=200, required=False, help_text=_("e.g. lung, para-aortic nodes, vaginal vault")
    )
    assessment = forms.TypedChoiceField(
        label=_("Tumour assessment that showed it"), required=False, coerce=int, empty_value=None,
        help_text=_("Listed: this participant's follow-up assessments whose computed or confirmed response is PD."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, assessment_choices: list[AssessmentChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.assessments = {choice.assessment.pk: choice.assessment for choice in assessment_choices}
        self.fields["assessment"].choices = [("", gettext("None (no tumour assessment)"))] + [
            (choice.assessment.pk, choice.label) for choice in assessment_choices
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False

    @staticmethod
    def initial_from(progression: Progression) -> dict:
        return {
            "progression_date": progression.progression_date,
            "site": progression.site,
            "confirmed_by_method": progression.confirmed_by_method,
            "sites_detail": progression.sites_detail,
            "assessment": progression.assessment_id or "",
            "note": progression.note,
        }

    def progression_values(self) -> dict:
        data = self.cleaned_data
        return {
            "progression_date": data["progression_date"],
            "site": data["site"],
            "confirmed_by_method": data["confirmed_by_method"],
            "assessment": self.assessments.get(data["assessment"]) if data["assessment"] is not None else None,
            "sites_detail": data["sites_detail"],
            "note": data["note"],
        }


class FollowUpStatusForm(AuditedEditMixin):
    last_known_alive_date = forms.DateField(
        label=_("Last known alive"), widget=DateInput, required=False,
        help_text=_("The last contact. Set to the date of death when a death is recorded."),
    )  # fmt: skip
    last_progression_free_date = forms.DateField(
        label=_("Last known free of progression"), widget=DateInput, required=False,
        help_text=_("The last examination or imaging without progression."),
    )  # fmt: skip
    death_date = forms.DateField(
        label=_("Date of death"), widget=DateInput, required=False,
        help_text=_("Recording a death changes her study status to 'died'."),
    )  # fmt: skip
    death_cause = forms.ChoiceField(label=_("Cause of death"), choices=_blank(DeathCause.choices), required=False)
    death_cause_detail = forms.CharField(
        label=_("Cause in words"), max_length=200, required=False, help_text=_("Required when the cause is 'Other cause'.")
    )
    off_study_date = forms.DateField(
        label=_("Off-study date"), widget=DateInput, required=False,
        help_text=_("Recording it changes her study status to 'off study'; survival follow-up continues."),
    )  # fmt: skip
    off_study_reason = forms.ChoiceField(label=_("Off-study reason"), choices=_blank(OffStudyReason.choices), required=False)
    off_study_detail = forms.CharField(
        label=_("Off-study details"), max_length=200, required=False, help_text=_("Required when the reason is 'Other'.")
    )

    FIELDS = (
        "last_known_alive_date", "last_progression_free_date", "death_date", "death_cause", "death_cause_detail",
        "off_study_date", "off_study_reason", "off_study_detail",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        trailer = ["version", "reason_for_change"] if self.editing else []
        self.helper.layout = Layout(
            Fieldset(pgettext("follow-up form section", "Survival"), "last_known_alive_date", "last_progression_free_date"),
            Fieldset(pgettext("follow-up form section", "Death"), "death_date", "death_cause", "death_cause_detail"),
            Fieldset(pgettext("follow-up form section", "Off study"), "off_study_date", "off_study_reason", "off_study_detail"),
            *trailer,
        )

    def clean(self):
        cleaned = super().clean()
        if not self.editing and not any(cleaned.get(name) for name in self.FIELDS) and not self.errors:
            raise forms.ValidationError(gettext("Enter at least one date: there is nothing to record yet."))
        return cleaned

    def status_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}
