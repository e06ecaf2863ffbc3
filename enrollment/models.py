"""The participant and the dated history of their study status. No names or national ID numbers
are stored: a participant is known by screening number, study number and initials."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ClinicalRecord


class ParticipantStatus(models.TextChoices):
    SCREENING = "screening", "Screening"
    SCREEN_FAILURE = "screen_failure", "Screen failure"
    ENROLLED = "enrolled", "Enrolled"
    ON_TREATMENT = "on_treatment", "On treatment"
    FOLLOW_UP = "follow_up", "Follow-up"
    OFF_STUDY = "off_study", "Off study"
    DIED = "died", "Died"


initials_validator = RegexValidator(
    regex=r"^[A-Z]{2,4}$",
    message="Initials are 2 to 4 capital letters (A-Z), for example WL or ZXM.",
)


class Participant(ClinicalRecord):
    audit_participant_lookup = "id"

    screening_number = models.CharField(max_length=20, unique=True, editable=False)
    study_number = models.CharField(max_length=20, unique=True, null=True, blank=True, editable=False)
    initials = models.CharField(max_length=4, validators=[initials_validator])
    date_of_birth = models.DateField()
    screening_date = models.DateField(help_text="Date the patient was first screened for this study.")
    status = models.CharField(
        max_length=20, choices=ParticipantStatus.choices, default=ParticipantStatus.SCREENING, editable=False
    )
    status_date = models.DateField(editable=False, help_text="Date the current status took effect.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-screening_date", "-id"]
        permissions = [("view_audit_trail", "Can view a participant's audit trail")]

    def __str__(self) -> str:
        number = self.study_number or self.screening_number
        return f"{number} ({self.initials})"


class ParticipantStatusChange(ClinicalRecord):
    """One change of study status, with the date it took effect and why (append-only)."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ParticipantStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ParticipantStatus.choices)
    effective_date = models.DateField()
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["effective_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_to_status_display()} from {self.effective_date:%Y-%m-%d}"
