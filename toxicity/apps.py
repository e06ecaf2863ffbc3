from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToxicityConfig(AppConfig):
    """CTCAE v5.0 adverse events, lab grading and immune-related adverse event dose rules."""

    name = "toxicity"
    verbose_name = _("Toxicity")
