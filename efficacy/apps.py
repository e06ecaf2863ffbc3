from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EfficacyConfig(AppConfig):
    """Tumour response (RECIST 1.1), the Simon two-stage monitor, and survival endpoints."""

    name = "efficacy"
    verbose_name = _("Efficacy")
