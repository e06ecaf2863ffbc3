"""Tumour assessment forms (RECIST 1.1): the baseline with its target and non-target lesion rows,
the follow-up with one row per baseline target lesion, and the investigator's confirmation.

Input shape only: ``efficacy.services.assessments`` applies ``efficacy.rules.recist`` and its
refusals come back by input name (``targets-0-diameter_mm``, ``lesion_7_status``...) and are shown
next to the row they concern. The same follow-up form, in preview mode, reads the query of the
live computation endpoint.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import StaleRecordError
from core.forms import AuditedEditMixin, DateInput
from enrollment.forms import SignatureForm

from ..models import (
    BaselineNodes,
    ImagingMethod,
    Lesion,
    MeasurementStatus,
    NewLesions,
    NonTargetResponse,
    Response,
    ResponseConfirmation,
)
from ..services.assessments import (
    NON_TARGETS,
    TARGETS,
    LesionInput,
    MeasurementInput,
    measurement_field,
    tumour_assessment_visits,
)

MAX_DIAMETER_MM = Decimal("999.9")


def visit_choices(participant) -> list[tuple[str, str]]:
    """The participant's scheduled visits that expect a tumour assessment, with their windows."""
    return [("", gettext("— none —"))] + [
        (visit.code, gettext("%(visit)s (window %(start)s to %(end)s)") % {
            "visit": visit.label, "start": f"{visit.window_start:%Y-%m-%d}", "end": f"{visit.window_end:%Y-%m-%d}",
        })
        for visit in tumour_assessment_visits(participant)
    ]  # fmt: skip


def _table_inputs(form: forms.Form, names=None) -> None:
    """Bootstrap classes for inputs laid out in a table (crispy lays out the others)."""
    for name, field in form.fields.items():
        widget = field.widget
        if (names is not None and name not in names) or isinstance(widget, forms.HiddenInput | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select form-select-sm"
        else:
            widget.attrs["class"] = "form-control form-control-sm"


def mark_invalid(form: forms.Form, names=None) -> None:
    """Before display: each table input (of ``names``, default all) with an error is marked invalid
    and described by its message (the service's refusals come after validation, so this runs last)."""
    if not form.is_bound:
        return
    for name in form.errors:
        field = form.fields.get(name)
        if names is not None and name not in names:
            continue
        if field is None or isinstance(field.widget, forms.HiddenInput):
            continue
        attrs = field.widget.attrs
        if "is-invalid" not in attrs.get("class", ""):
            attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
        attrs["aria-describedby"] = f"{form[name].auto_id}_error"


def _mm_field(label: str, *, required: bool, minimum: str = "0", help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=5, decimal_places=1, min_value=Decimal(minimum),
        max_value=MAX_DIAMETER_MM, help_text=help_text, widget=forms.NumberInput(attrs={"step": "0.1"}),
    )  # fmt: skip


class _AssessmentFields(AuditedEditMixin):
    assessment_date = forms.DateField(label=_("Imaging date"), widget=DateInput)
    imaging_method = forms.ChoiceField(label=_("Imaging method"), choices=[("", "—")] + ImagingMethod.choices)
    visit_code = forms.ChoiceField(label=_("Visit"), required=False,
                                   help_text=_("The scheduled visit this imaging belongs to, if any."))  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit_code"].choices = visit_choices(participant)


# --- baseline ---------------------------------------------------------------------------------------


class BaselineForm(_AssessmentFields):
    baseline_nodes = forms.ChoiceField(label=_("Nodal status at baseline"), choices=[("", "—")] + BaselineNodes.choices)

    field_order = ["assessment_date", "imaging_method", "visit_code", "baseline_nodes", "note"]

    @staticmethod
    def initial_from(assessment) -> dict:
        return {name: getattr(assessment, name) for name in
                ("assessment_date", "imaging_method", "visit_code", "baseline_nodes", "note")}  # fmt: skip

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in
                ("assessment_date", "imaging_method", "visit_code", "baseline_nodes", "note")}  # fmt: skip


class _LesionForm(forms.Form):
    lesion_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    organ = forms.CharField(label=_("Organ"), max_length=60)
    location = forms.CharField(label=_("Location / description"), max_length=200, required=False)
    is_lymph_node = forms.BooleanField(label=_("Lymph node"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _table_inputs(self)

    def lesion_input(self) -> LesionInput:
        data = self.cleaned_data
        return LesionInput(
            organ=data["organ"], location=data.get("location", ""), is_lymph_node=data.get("is_lymph_node", False),
            diameter_mm=data.get("diameter_mm"), slice_thickness_mm=data.get("slice_thickness_mm"),
            lesion_id=data.get("lesion_id"), expected_version=data.get("version"),
        )  # fmt: skip


class TargetLesionForm(_LesionForm):
    diameter_mm = _mm_field(_("Diameter (mm)"), required=True, minimum="0.1",
                            help_text=_("Longest diameter; short axis for a lymph node."))  # fmt: skip
    slice_thickness_mm = _mm_field(_("CT slice thickness (mm)"), required=False, minimum="0.1")


class NonTargetLesionForm(_LesionForm):
    pass


class _LesionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def kept_forms(self) -> list[forms.Form]:
        """The filled-in rows not marked for removal, in order (the service's row indexes)."""
        kept = []
        for form in self.forms:
            if not form.has_changed() and not form.initial:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            kept.append(form)
        return kept


def target_formset(data=None, *, initial: list[dict]):
    """Up to 5 target lesion rows (RECIST 1.1 section 4.2): the saved ones, then empty ones."""
    formset_class = forms.formset_factory(
        TargetLesionForm, formset=_LesionFormSet, extra=max(0, 5 - len(initial)), max_num=5, absolute_max=5,
        validate_max=True, can_delete=True, can_delete_extra=False,
    )  # fmt: skip
    return formset_class(data, initial=initial, prefix=TARGETS)


def non_target_formset(data=None, *, initial: list[dict]):
    formset_class = forms.formset_factory(
        NonTargetLesionForm, formset=_LesionFormSet, extra=3 if not initial else 2, max_num=30, absolute_max=30,
        validate_max=True, can_delete=True, can_delete_extra=False,
    )  # fmt: skip
    return formset_class(data, initial=initial, prefix=NON_TARGETS)


def lesion_initial(lesion: Lesion) -> dict:
    return {
        "lesion_id": lesion.pk, "version": lesion.version, "label": lesion.label, "organ": lesion.organ,
        "location": lesion.location, "is_lymph_node": lesion.is_lymph_node,
        "diameter_mm": lesion.baseline_diameter_mm, "slice_thickness_mm": lesion.slice_thickness_mm,
        "measured": getattr(lesion, "measured", False),
    }  # fmt: skip


class BaselineForms:
    """The baseline form and its two lesion formsets, validated and shown together."""

    def __init__(self, data=None, *, participant, initial=None, targets=(), non_targets=(), **kwargs):
        self.form = BaselineForm(data, participant=participant, initial=initial, **kwargs)
        self.targets = target_formset(data, initial=list(targets))
        self.non_targets = non_target_formset(data, initial=list(non_targets))

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.targets.is_valid(), self.non_targets.is_valid()])

    def lesions(self) -> tuple[list[LesionInput], list[LesionInput]]:
        self._kept = {TARGETS: self.targets.kept_forms(), NON_TARGETS: self.non_targets.kept_forms()}
        return (
            [form.lesion_input() for form in self._kept[TARGETS]],
            [form.lesion_input() for form in self._kept[NON_TARGETS]],
        )

    def add_service_errors(self, error: ValidationError | StaleRecordError) -> None:
        """A refusal keyed ``targets-<row>-<field>`` goes to that row (the row index counts the
        rows sent to the service), a form field's next to it, anything else at the top."""
        if isinstance(error, StaleRecordError) or not hasattr(error, "error_dict"):
            messages = [str(error)] if isinstance(error, StaleRecordError) else error.messages
            for message in messages:
                self.form.add_error(None, message)
            return
        kept = getattr(self, "_kept", {TARGETS: [], NON_TARGETS: []})
        for key, errors in error.error_dict.items():
            group, _, rest = key.partition("-")
            index, _, name = rest.partition("-")
            if group in kept and index.isdigit() and int(index) < len(kept[group]):
                row = kept[group][int(index)]
                for item in errors:
                    row.add_error(name if name in row.fields else None, item)
                continue
            target = key if key in self.form.fields else None
            for item in errors:
                self.form.add_error(target, item)

    def mark_invalid(self) -> None:
        for formset in (self.targets, self.non_targets):
            for form in formset.forms:
                mark_invalid(form)


# --- follow-up --------------------------------------------------------------------------------------


class FollowUpForm(_AssessmentFields):
    """One row per baseline target lesion (``lesion_<id>_status``, ``lesion_<id>_diameter_mm``), the
    non-target status when the baseline has non-target lesions, and the new lesions.

    ``preview=True`` reads the live computation's query: only the inputs the computation needs,
    none of them required."""

    non_target_response = forms.ChoiceField(label=_("Non-target lesions"), choices=[("", "—")] + NonTargetResponse.choices)
    new_lesions = forms.ChoiceField(label=_("New lesions"), choices=NewLesions.choices, initial=NewLesions.NONE,
                                    widget=forms.RadioSelect)  # fmt: skip
    new_lesion_sites = forms.CharField(label=_("Where the new lesions are"), max_length=200, required=False,
                                       help_text=_("Required for an equivocal or unequivocal new lesion."))  # fmt: skip

    def __init__(self, *args, targets: list[Lesion], has_non_targets: bool, preview: bool = False,
                 measurement_versions: dict[int, int] | None = None, **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.targets = targets
        self.has_non_targets = has_non_targets
        self.preview = preview
        self.table_fields: list[str] = []
        for lesion in targets:
            self.fields[measurement_field(lesion.pk, "status")] = forms.ChoiceField(
                label=gettext("%(lesion)s status") % {"lesion": lesion.label},
                choices=[("", "—")] + MeasurementStatus.choices, required=not preview, initial=MeasurementStatus.MEASURED,
            )  # fmt: skip
            if lesion.is_lymph_node:
                help_text = gettext("Short axis; only when measured.")
            else:
                help_text = gettext("Longest diameter; only when measured.")
            self.fields[measurement_field(lesion.pk, "diameter_mm")] = _mm_field(
                gettext("%(lesion)s diameter (mm)") % {"lesion": lesion.label}, required=False, help_text=help_text
            )
            if measurement_versions and lesion.pk in measurement_versions:
                self.fields[measurement_field(lesion.pk, "version")] = forms.IntegerField(
                    widget=forms.HiddenInput, initial=measurement_versions[lesion.pk], required=False
                )
        self.table_fields = [name for name in self.fields if name.startswith("lesion_")]
        _table_inputs(self, self.table_fields)
        if not has_non_targets:
            del self.fields["non_target_response"]
        if preview:
            for name in ("assessment_date", "imaging_method", "visit_code", "note", "new_lesion_sites"):
                self.fields[name].required = False
            self.fields["new_lesions"].required = False
            if has_non_targets:
                self.fields["non_target_response"].required = False
            self.fields.pop("visit_code")
            for name in ("version", "reason_for_change"):
                self.fields.pop(name, None)

    @staticmethod
    def initial_from(assessment) -> dict:
        initial = {name: getattr(assessment, name) for name in (
            "assessment_date", "imaging_method", "visit_code", "non_target_response", "new_lesions",
            "new_lesion_sites", "note",
        )}  # fmt: skip
        for measurement in assessment.measurements.all():
            initial[measurement_field(measurement.lesion_id, "status")] = measurement.status
            initial[measurement_field(measurement.lesion_id, "diameter_mm")] = measurement.diameter_mm
        return initial

    def mark_invalid(self) -> None:
        mark_invalid(self, self.table_fields)

    def rows(self):
        """Per target lesion: the lesion and its bound status, diameter and version inputs."""
        for lesion in self.targets:
            version = measurement_field(lesion.pk, "version")
            yield {
                "lesion": lesion,
                "status": self[measurement_field(lesion.pk, "status")],
                "diameter": self[measurement_field(lesion.pk, "diameter_mm")],
                "version": self[version] if version in self.fields else None,
            }

    def measurements(self) -> dict[int, MeasurementInput]:
        data = self.cleaned_data
        result = {}
        for lesion in self.targets:
            status = data.get(measurement_field(lesion.pk, "status")) or ""
            result[lesion.pk] = MeasurementInput(
                status=status,
                diameter_mm=data.get(measurement_field(lesion.pk, "diameter_mm")),
                expected_version=data.get(measurement_field(lesion.pk, "version")),
            )
        return result

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "assessment_date": data.get("assessment_date"),
            "imaging_method": data.get("imaging_method") or "",
            "visit_code": data.get("visit_code") or "",
            "measurements": self.measurements(),
            "non_target_response": data.get("non_target_response") or "",
            "new_lesions": data.get("new_lesions") or NewLesions.NONE,
            "new_lesion_sites": data.get("new_lesion_sites") or "",
            "note": data.get("note") or "",
        }

    def first_error(self) -> tuple[str, str]:
        """The first refusal (input name, message), for the preview's 400 answer."""
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            if field is not None and field.label:
                return name, gettext("%(field)s: %(error)s") % {"field": field.label, "error": errors[0]}
            return ("" if name == NON_FIELD_ERRORS else name), errors[0]
        return "", ""


# --- the investigator's confirmation --------------------------------------------------------------


class ResponseConfirmForm(SignatureForm):
    """The overall response confirmed (the computed one, or another with a reason), the meaning
    ticked and the password re-entered (as the adverse-event signature)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.ChoiceField(label=_("Overall response"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the response differs from the computed one, or replaces a confirmation."),
    )  # fmt: skip

    field_order = ["version", "response", "reason", "confirm", "password"]

    def __init__(self, *args, responses: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].choices = [(value, Response(value).label) for value in responses]
        self.fields["confirm"].label = gettext(ResponseConfirmation.MEANING)
