"""Form pieces shared by every clinical form: the optimistic-lock version and the reason for change."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exceptions import StaleRecordError


class DateInput(forms.DateInput):
    """A browser date picker that submits ISO dates (local calendar dates)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AuditedEditMixin(forms.Form):
    """Adds the hidden ``version`` the user loaded and, when editing a saved record, a required
    ``reason_for_change`` that is stored with the history row."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason_for_change = forms.CharField(
        label=gettext_lazy("Reason for change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when correcting saved data; kept in the audit trail."),
    )

    def __init__(self, *args, editing: bool = False, loaded_version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            self.fields["version"].initial = loaded_version
            self.fields["version"].required = True
            self.fields["reason_for_change"].required = True
            self.fields["reason_for_change"].error_messages["required"] = _(
                "Give a reason for changing a saved record (it is kept in the audit trail)."
            )
            # Keep the reason last, after the record's own fields.
            self.order_fields([name for name in self.fields if name != "reason_for_change"] + ["reason_for_change"])
        else:
            del self.fields["version"]
            del self.fields["reason_for_change"]


def add_service_errors(form: forms.Form, error: ValidationError | StaleRecordError) -> None:
    """Show a service's refusal next to the fields it names (or at the top of the form)."""
    if isinstance(error, StaleRecordError):
        form.add_error(None, str(error))
        return
    if hasattr(error, "error_dict"):
        for field_name, errors in error.error_dict.items():
            target = field_name if field_name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)
