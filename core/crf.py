"""The CRF records of the study: every concrete clinical model (a ``ClinicalRecord`` with an
``audit_participant_lookup``), how to name them, and whose participant a record belongs to.

Used by the data-management features that work on "any CRF record": queries, source data
verification, locks and the study export.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import pgettext_lazy

from .models import ClinicalRecord

# The names of the CRF forms whose model has no verbose_name of its own (Django derives one from the
# class name, and giving the model one would change its app's migrations), in the reader's language.
# A model that declares its own verbose_name is named by it instead.
FORM_NAMES = {
    "enrollment.participant": pgettext_lazy("CRF form", "Participant"),
    "enrollment.participantstatuschange": pgettext_lazy("CRF form", "Participant status change"),
    "enrollment.screening": pgettext_lazy("CRF form", "Screening"),
    "enrollment.consent": pgettext_lazy("CRF form", "Consent"),
    "enrollment.eligibilitysignature": pgettext_lazy("CRF form", "Eligibility signature"),
    "enrollment.visit": pgettext_lazy("CRF form", "Visit"),
    "enrollment.visitform": pgettext_lazy("CRF form", "Visit form"),
    "dosing.doseadministration": pgettext_lazy("CRF form", "Dose administration"),
    "dosing.dosedelay": pgettext_lazy("CRF form", "Dose delay"),
    "dosing.dosemodification": pgettext_lazy("CRF form", "Dose modification"),
    "dosing.radiotherapycourse": pgettext_lazy("CRF form", "Radiotherapy course"),
    "dosing.brachytherapyfraction": pgettext_lazy("CRF form", "Brachytherapy fraction"),
    "toxicity.labpanel": pgettext_lazy("CRF form", "Lab panel"),
    "toxicity.labresult": pgettext_lazy("CRF form", "Lab result"),
    "toxicity.adverseevent": pgettext_lazy("CRF form", "Adverse event"),
    "toxicity.adverseeventsignature": pgettext_lazy("CRF form", "Adverse event signature"),
    "toxicity.iraedosedecision": pgettext_lazy("CRF form", "Irae dose decision"),
    "efficacy.tumourassessment": pgettext_lazy("CRF form", "Tumour assessment"),
    "efficacy.lesion": pgettext_lazy("CRF form", "Lesion"),
    "efficacy.lesionmeasurement": pgettext_lazy("CRF form", "Lesion measurement"),
    "efficacy.responseconfirmation": pgettext_lazy("CRF form", "Response confirmation"),
    "efficacy.progression": pgettext_lazy("CRF form", "Progression"),
    "efficacy.followupstatus": pgettext_lazy("CRF form", "Follow up status"),
}


def crf_models() -> list[type[ClinicalRecord]]:
    """Every CRF model, in app then model order."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ClinicalRecord) and getattr(model, "audit_participant_lookup", None)
    ]


def is_crf_model(model) -> bool:
    return model in crf_models()


def form_label(model) -> str:
    """The form's name for people, e.g. "Adverse event", in the active language (its English name is
    the model's verbose name, capitalised)."""
    name = FORM_NAMES.get(model._meta.label_lower)
    if name is not None and "verbose_name" not in model._meta.original_attrs:
        return str(name)
    return str(model._meta.verbose_name).capitalize()


def crf_model_for(content_type_id: int):
    """The CRF model of a content type id, or None when it is not a CRF model."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        return None
    return model if model is not None and is_crf_model(model) else None


def participant_id_of(instance) -> int | None:
    """The primary key of the participant a CRF record belongs to (None for a participant not yet
    saved), following the model's ``audit_participant_lookup`` through the record's attributes."""
    lookup = type(instance).audit_participant_lookup
    if not lookup:
        return None
    if lookup == "id":
        return instance.pk
    *path, last = lookup.split("__")
    current = instance
    for name in path:
        current = getattr(current, name, None)
        if current is None:
            return None
    return getattr(current, last, None)
