from django.apps import AppConfig


class DosingConfig(AppConfig):
    """Treatment calendar, dose calculation and administration, dose modification, radiotherapy."""

    name = "dosing"
    verbose_name = "Dosing"
