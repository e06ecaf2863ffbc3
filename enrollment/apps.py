from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    """Participants, screening, eligibility, consent and enrolment; the participant dashboard and
    audit page."""

    name = "enrollment"
    verbose_name = _("Enrollment")
