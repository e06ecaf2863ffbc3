"""Forms of the monitoring pages: the records to mark verified, the reason for locking or unlocking,
and the filters of the locks list and the SDV overview."""

from crispy_forms.helper import FormHelper
from django import forms

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
        label="Records to mark verified",
        error_messages={"required": "Select at least one record to mark verified."},
    )


class ReasonForm(forms.Form):
    """The reason for locking or unlocking (required; kept in the audit trail)."""

    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label: str = "Reason for locking", help_text: str = "", placeholder: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        if placeholder:
            self.fields["reason"].widget.attrs["placeholder"] = placeholder
        self.fields["reason"].help_text = help_text or "Required; kept in the audit trail."
        self.fields["reason"].error_messages["required"] = f"Give the {label.lower()} (it is kept in the audit trail)."
        self.helper = FormHelper()
        self.helper.form_tag = False


class LockFilterForm(forms.Form):
    scope = forms.ChoiceField(label="Scope", required=False, choices=[("", "Any scope"), *LockScope.choices])
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Active and released"), ("active", "Active"), ("released", "Released")],
    )
    participant = forms.CharField(
        label="Participant", required=False, max_length=20, help_text="Study or screening number."
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"scope": "", "state": "", "participant": ""}
        return {name: (self.cleaned_data[name] or "").strip() for name in ("scope", "state", "participant")}


SORT_CHOICES = [*SDV_SORTS.items(), *((f"-{key}", f"{label} (descending)") for key, label in SDV_SORTS.items())]


class SdvSortForm(forms.Form):
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def sort_key(self) -> str:
        if self.is_valid() and self.cleaned_data["sort"]:
            return self.cleaned_data["sort"]
        return "participant"
