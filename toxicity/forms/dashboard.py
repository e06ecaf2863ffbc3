"""The dashboard's filters (a GET form): attribution to one agent and the onset period. Input shape
only; the selector applies them."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput

from ..selectors.dashboard import NO_FILTERS, RELATED_TO_CHOICES, DashboardFilters

EARLIEST_ONSET_YEAR = 2000


class DashboardFilterForm(forms.Form):
    related_to = forms.ChoiceField(
        label=_("Attribution"),
        choices=RELATED_TO_CHOICES,
        required=False,
        help_text=_("Related = possible, probable or definite."),
    )
    onset_from = forms.DateField(label=_("Onset from"), required=False, widget=DateInput)
    onset_to = forms.DateField(label=_("Onset to"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("related_to", css_class="col-md-4"), Column("onset_from", css_class="col-md-3"),
                Column("onset_to", css_class="col-md-3")),
        )

    def _clean_onset(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and value.year < EARLIEST_ONSET_YEAR:
            raise forms.ValidationError(gettext("Enter a date from %(year)s on.") % {"year": EARLIEST_ONSET_YEAR})
        return value

    def clean_onset_from(self):
        return self._clean_onset("onset_from")

    def clean_onset_to(self):
        return self._clean_onset("onset_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("onset_from"), cleaned.get("onset_to")
        if start and end and start > end:
            self.add_error("onset_to", gettext("The end of the period is before its start."))
        return cleaned

    def filters(self) -> DashboardFilters:
        """The filters to apply: none unless the form is valid."""
        if not self.is_bound or not self.is_valid():
            return NO_FILTERS
        return DashboardFilters(
            related_to=self.cleaned_data["related_to"] or "",
            onset_from=self.cleaned_data["onset_from"],
            onset_to=self.cleaned_data["onset_to"],
        )
