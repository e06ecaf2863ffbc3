from django.apps import AppConfig


class EfficacyConfig(AppConfig):
    """Tumour response (RECIST 1.1), the Simon two-stage monitor, and survival endpoints."""

    name = "efficacy"
    verbose_name = "Efficacy"
