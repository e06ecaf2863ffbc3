from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DosingConfig(AppConfig):
    """Treatment calendar, dose calculation and administration, dose modification, radiotherapy."""

    name = "dosing"
    verbose_name = gettext_lazy("Dosing")
