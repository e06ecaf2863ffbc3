"""The CRF records of the study: every concrete clinical model (a ``ClinicalRecord`` with an
``audit_participant_lookup``), how to name them, and whose participant a record belongs to.

Used by the data-management features that work on "any CRF record": queries, source data
verification, locks and the study export.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from .models import ClinicalRecord


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
    """The form's name for people, e.g. "Adverse event"."""
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
