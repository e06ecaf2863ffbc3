"""Forms of the monitoring pages: the records to mark verified, the reason for locking or unlocking,
and the filters of the locks list and the SDV overview."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import LockScope

from .selectors import RECORD_KEY, SDV_SORTS


class RecordKeysField(forms.MultipleChoiceField):
    """Record keys ("content type-key-version"): any well-formed key is a valid choice."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value) -> bool:
        return bool(RECORD_KEY.fullmatch(str(value)))


class VerifyRecordsForm(forms.Form):
    """The records ticked on the participant monitoring page (``RecordRow.key`` values: content
    type, key and the version the monitor saw). Whether each can be verified is the service's
    decision: a record changed meanwhile is refused there, with its name."""

    records = RecordKeysField(
        label=_("Records to mark verified"),
        error_messages={"required": _("Select at least one record to mark verified.")},
    )


# The reason asked for, by kind: its label and the message when it is left empty.
REASONS = {
    "lock": (_("Reason for locking"), _("Give the reason for locking (it is kept in the audit trail).")),
    "unlock": (_("Reason for unlocking"), _("Give the reason for unlocking (it is kept in the audit trail).")),
}


class ReasonForm(forms.Form):
    """The reason for locking or unlocking (``kind``; required; kept in the audit trail)."""

    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, kind: str = "lock", help_text: str = "", placeholder: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        label, required = REASONS[kind]
        self.fields["reason"].label = label
        if placeholder:
            self.fields["reason"].widget.attrs["placeholder"] = placeholder
        self.fields["reason"].help_text = help_text or _("Required; kept in the audit trail.")
        self.fields["reason"].error_messages["required"] = required
        self.helper = FormHelper()
        self.helper.form_tag = False


class LockFilterForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"), required=False, choices=[("", _("Any scope")), *LockScope.choices])
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Active and released")), ("active", pgettext_lazy("lock state", "Active")),
                 ("released", pgettext_lazy("lock state", "Released"))],
    )
    participant = forms.CharField(
        label=_("Participant"), required=False, max_length=20, help_text=_("Study or screening number.")
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"scope": "", "state": "", "participant": ""}
        return {name: (self.cleaned_data[name] or "").strip() for name in ("scope", "state", "participant")}


SORT_CHOICES = [
    *SDV_SORTS.items(),
    *((f"-{key}", format_lazy(_("{label} (descending)"), label=label)) for key, label in SDV_SORTS.items()),
]


class SdvSortForm(forms.Form):
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def sort_key(self) -> str:
        if self.is_valid() and self.cleaned_data["sort"]:
            return self.cleaned_data["sort"]
        return "participant"
