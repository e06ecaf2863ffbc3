"""The survival report's parameters: the data cut-off and the comparison factor."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput

from ..selectors.survival import FACTOR_CHOICES

EARLIEST_CUTOFF = datetime.date(2000, 1, 1)


class SurvivalReportForm(forms.Form):
    """The report's GET parameters (input shape only): the data cut-off and the comparison factor."""

    cutoff = forms.DateField(
        label=_("Data cut-off"),
        required=False,
        widget=DateInput,
        help_text=_("Progressions, deaths and follow-up after this date are ignored. Default: today."),
    )
    factor = forms.ChoiceField(label=_("Compare by"), choices=FACTOR_CHOICES, required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["cutoff"].widget.attrs["max"] = today.isoformat()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Row(Column("cutoff", css_class="col-md-4"), Column("factor", css_class="col-md-4")))

    def clean_cutoff(self):
        value = self.cleaned_data.get("cutoff")
        if value is not None and value < EARLIEST_CUTOFF:
            raise forms.ValidationError(
                gettext("Enter a date from %(date)s on.") % {"date": f"{EARLIEST_CUTOFF:%Y-%m-%d}"}
            )
        if value is not None and value > self.today:
            raise forms.ValidationError(gettext("The cut-off cannot be after today: nothing is known yet."))
        return value

    def parameters(self) -> tuple[datetime.date, str | None]:
        """(cutoff, factor) to report on: today and no comparison unless the form is valid."""
        if not self.is_bound or not self.is_valid():
            return self.today, None
        return self.cleaned_data["cutoff"] or self.today, self.cleaned_data["factor"] or None
