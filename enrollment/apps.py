from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    """Participants, screening, eligibility, consent and enrolment; the participant dashboard and
    audit page."""

    name = "enrollment"
    verbose_name = "Enrollment"
