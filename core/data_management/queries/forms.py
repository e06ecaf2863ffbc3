"""Forms of the query pages: raising a query on a record, the steps of a query (answer, close,
re-open), and the list filters. The rules (who may do what, which transitions exist, which fields
exist) are the services'; the forms only check the input's shape."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from core.models import QueryAction, QueryOrigin

from .selectors import AGE_FILTER_DAYS, STATUS_FILTERS, QueryFilters, form_choices

_TEXT_ROWS = {"rows": 3}


class RaiseQueryForm(forms.Form):
    field_name = forms.ChoiceField(label=_("Field"), required=False,
                                   help_text=_("The field the question is about, or the record as a whole."))  # fmt: skip
    text = forms.CharField(label=pgettext_lazy("data query", "Question"), max_length=4000, widget=forms.Textarea(attrs=_TEXT_ROWS),
                           error_messages={"required": _("Write the question.")})  # fmt: skip

    def __init__(self, *args, field_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_name"].choices = field_choices


STEP_LABELS = {
    QueryAction.ANSWER: (pgettext_lazy("data query", "Answer"), _("Answer the query")),
    QueryAction.CLOSE: (_("Why it is closed"), _("Close the query")),
    QueryAction.REOPEN: (_("Why it is re-opened"), _("Re-open the query")),
}


class QueryStepForm(forms.Form):
    """One step of a query; ``action`` says which (a hidden field, one form per action on the page)."""

    action = forms.ChoiceField(choices=[(action, action) for action in STEP_LABELS], widget=forms.HiddenInput)
    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs=_TEXT_ROWS),
                           error_messages={"required": _("Write a few words: every step of a query is kept with its text.")})  # fmt: skip

    def __init__(self, *args, action: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if action is not None:
            self.fields["action"].initial = action
            self.fields["text"].label = STEP_LABELS[action][0]
            self.auto_id = f"id_{action}_%s"
        self.submit_label = STEP_LABELS[action][1] if action else ""


def _age_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Any age")),
        *((str(days), ngettext("Raised more than %(days)s day ago", "Raised more than %(days)s days ago", days)
           % {"days": days}) for days in AGE_FILTER_DAYS),
    ]  # fmt: skip


class QueryFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTERS, required=False)
    age = forms.ChoiceField(label=pgettext_lazy("how long a query has waited", "Age"), required=False)
    form = forms.TypedChoiceField(label=_("Form"), coerce=int, required=False, empty_value=None)
    origin = forms.ChoiceField(label=_("Origin"), choices=[("", _("Any origin")), *QueryOrigin.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["age"].choices = _age_choices()
        self.fields["form"].choices = [("", _("Any form")), *form_choices()]

    def filters(self, *, participant_id: int | None = None) -> QueryFilters:
        """The filters chosen (none when the form is not valid)."""
        if not self.is_valid():
            return QueryFilters(participant_id=participant_id)
        data = self.cleaned_data
        return QueryFilters(
            status=data["status"],
            older_than_days=int(data["age"]) if data["age"] else None,
            content_type_id=data["form"],
            origin=data["origin"],
            participant_id=participant_id,
        )
