"""The investigator's decision on a toripalimab irAE dose decision (PROTOCOL §3). Input shape only:
``toxicity.services.irae.irae_dose_decide`` applies the rules and its refusals go next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import IraeAction


class IraeDecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm the protocol's action")), ("override", _("Override it"))],
        widget=forms.RadioSelect,
    )
    action = forms.ChoiceField(label=_("Action instead"), choices=[("", "—"), *IraeAction.choices], required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for an override; kept in the audit trail."),
    )  # fmt: skip
