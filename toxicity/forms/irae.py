"""The investigator's decision on a toripalimab irAE dose decision (PROTOCOL §3). Input shape only:
``toxicity.services.irae.irae_dose_decide`` applies the rules and its refusals go next to the fields."""

from django import forms

from ..models import IraeAction


class IraeDecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm the protocol's action"), ("override", "Override it")],
        widget=forms.RadioSelect,
    )
    action = forms.ChoiceField(label="Action instead", choices=[("", "—"), *IraeAction.choices], required=False)
    reason = forms.CharField(
        label="Reason", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for an override; kept in the audit trail.",
    )  # fmt: skip
