"""Efficacy data (PROTOCOL §5): RECIST 1.1 tumour assessments with their lesions and measurements,
the investigator's confirmation of each time-point response, progressions, and each participant's
follow-up status (last known alive, death, off study). The Simon decision notices record when a
decision point of the two-stage design was reached.

Every clinical model is audited (django-simple-history) and written only through
``efficacy.services``; the computed columns (sums, changes, responses) are filled by the services
from ``efficacy.rules.recist`` and stored so reports and exports read them without recomputing.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import ClinicalRecord
from efficacy.rules import recist
from enrollment.models import Participant


class AssessmentKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    FOLLOW_UP = "follow_up", _("Follow-up")


class ImagingMethod(models.TextChoices):
    """RECIST 1.1 section 3.3 (methods of measurement): CT and MRI preferred; the same method
    at baseline and follow-up."""

    CT = "ct", "CT"
    MRI = "mri", "MRI"
    PET_CT = "pet_ct", "PET-CT"
    CHEST_XRAY = "chest_xray", _("Chest X-ray")
    ULTRASOUND = "ultrasound", _("Ultrasound")
    CLINICAL = "clinical", _("Clinical examination")


class BaselineNodes(models.TextChoices):
    """Nodal status at baseline imaging (a factor of the survival report)."""

    NONE = "none", _("No pathological nodes")
    PELVIC = "pelvic", _("Pelvic nodes")
    PARA_AORTIC = "para_aortic", _("Para-aortic nodes (with or without pelvic)")


class NonTargetResponse(models.TextChoices):
    """RECIST 1.1 section 4.3.3."""

    CR = recist.CR, _("CR: all non-target lesions gone, nodes < 10 mm")
    NON_CR_NON_PD = recist.NON_CR_NON_PD, _("Non-CR/non-PD: persistence of one or more")
    PD = recist.PD, _("PD: unequivocal progression")
    NE = recist.NE, _("NE: not evaluated")


class NewLesions(models.TextChoices):
    """RECIST 1.1 section 4.3.5: only an unequivocal new lesion makes the time point PD."""

    NONE = "none", _("None")
    EQUIVOCAL = "equivocal", _("Equivocal (re-assess)")
    UNEQUIVOCAL = "unequivocal", _("Unequivocal")


class Response(models.TextChoices):
    CR = recist.CR, _("CR (complete response)")
    PR = recist.PR, _("PR (partial response)")
    SD = recist.SD, _("SD (stable disease)")
    PD = recist.PD, _("PD (progressive disease)")
    NE = recist.NE, _("NE (not evaluable)")
    NON_CR_NON_PD = recist.NON_CR_NON_PD, _("Non-CR/non-PD")


class TumourAssessment(ClinicalRecord):
    """One RECIST 1.1 assessment: the baseline (which declares the lesions) or a follow-up (which
    measures them). The computed columns are set by the service from ``efficacy.rules.recist``."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="tumour_assessments")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    assessment_date = models.DateField(_("Imaging date"))
    imaging_method = models.CharField(max_length=12, choices=ImagingMethod.choices)
    visit_code = models.CharField(_("Visit"), max_length=20, blank=True)
    # Baseline only
    baseline_nodes = models.CharField(
        _("Nodal status at baseline"), max_length=12, choices=BaselineNodes.choices, blank=True
    )
    # Follow-up only
    non_target_response = models.CharField(
        _("Non-target lesions"), max_length=14, choices=NonTargetResponse.choices, blank=True
    )
    new_lesions = models.CharField(max_length=12, choices=NewLesions.choices, default=NewLesions.NONE)
    new_lesion_sites = models.CharField(_("Where the new lesions are"), max_length=200, blank=True)
    note = models.TextField(blank=True)
    # Computed by the service (RECIST 1.1 sections 4.2-4.4)
    target_sum_mm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True, editable=False)
    baseline_sum_mm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True, editable=False)
    nadir_sum_mm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True, editable=False)
    change_from_baseline_pct = models.DecimalField(
        max_digits=7, decimal_places=1, null=True, blank=True, editable=False
    )
    change_from_nadir_pct = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True, editable=False)
    measurements_text = models.CharField(
        _("Target lesions as measured"), max_length=300, blank=True, editable=False,
        help_text=_("e.g. 'T1 32.5 mm; T2 too small (5 mm)'. Part of the record, so a change of any "
                    "measurement raises the assessment's version (and voids its confirmation)."),
    )
    target_response = models.CharField(max_length=14, choices=Response.choices, blank=True, editable=False)
    computed_response = models.CharField(
        _("Overall response (computed)"), max_length=14, choices=Response.choices, blank=True, editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "assessment_date", "id"]
        permissions = [
            ("confirm_response", "Can confirm a RECIST time-point response"),
            ("view_efficacy_report", "Can view the Simon monitor and the survival report"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(kind="baseline"),
                name="efficacy_one_baseline_per_participant",
            ),
            models.UniqueConstraint(
                fields=["participant", "assessment_date"], name="efficacy_one_assessment_per_date"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s assessment of %(participant)s on %(date)s") % {
            "kind": self.get_kind_display(), "participant": self.participant, "date": f"{self.assessment_date:%Y-%m-%d}",
        }


class LesionKind(models.TextChoices):
    TARGET = "target", pgettext_lazy("lesion kind", "Target")
    NON_TARGET = "non_target", pgettext_lazy("lesion kind", "Non-target")


class Lesion(ClinicalRecord):
    """A lesion declared at baseline (RECIST 1.1 section 4.2). ``baseline_diameter_mm`` is the
    longest diameter, or the short axis of a lymph node; non-target lesions are not measured."""

    audit_participant_lookup = "baseline__participant_id"

    baseline = models.ForeignKey(TumourAssessment, on_delete=models.PROTECT, related_name="lesions")
    kind = models.CharField(max_length=10, choices=LesionKind.choices)
    label = models.CharField(max_length=8, help_text=_("T1-T5 for targets, NT1... for non-targets"))
    organ = models.CharField(max_length=60, help_text=_("e.g. cervix, parametrium, lung; nodes: 'lymph node'"))
    location = models.CharField(_("Location / description"), max_length=200, blank=True)
    is_lymph_node = models.BooleanField(_("Lymph node"), default=False)
    baseline_diameter_mm = models.DecimalField(
        _("Baseline diameter (mm)"), max_digits=6, decimal_places=1, null=True, blank=True,
        help_text=_("Longest diameter; short axis for a lymph node."),
    )
    slice_thickness_mm = models.DecimalField(
        _("CT slice thickness (mm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["baseline_id", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["baseline", "label"], name="efficacy_lesion_label_unique")]

    def __str__(self) -> str:
        return f"{self.label} {self.organ}"


class MeasurementStatus(models.TextChoices):
    """RECIST 1.1 section 4.3.2."""

    MEASURED = recist.MEASURED, _("Measured")
    TOO_SMALL = recist.TOO_SMALL, _("Too small to measure (5 mm)")
    DISAPPEARED = recist.DISAPPEARED, _("Disappeared (0 mm)")
    NOT_EVALUATED = recist.NOT_EVALUATED, _("Not evaluated")


class LesionMeasurement(ClinicalRecord):
    """A target lesion at one follow-up assessment."""

    audit_participant_lookup = "assessment__participant_id"

    assessment = models.ForeignKey(TumourAssessment, on_delete=models.PROTECT, related_name="measurements")
    lesion = models.ForeignKey(Lesion, on_delete=models.PROTECT, related_name="measurements")
    status = models.CharField(max_length=14, choices=MeasurementStatus.choices, default=MeasurementStatus.MEASURED)
    diameter_mm = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment_id", "lesion_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "lesion"], name="efficacy_one_measurement_per_lesion")
        ]

    def __str__(self) -> str:
        return gettext("%(lesion)s at %(date)s") % {"lesion": self.lesion.label, "date": f"{self.assessment.assessment_date:%Y-%m-%d}"}


class ResponseConfirmation(ClinicalRecord):
    """The investigator's confirmation of a follow-up assessment's overall response, valid only while
    the assessment stays at the confirmed version. ``response`` may differ from the computed one
    only with a reason (kept in the audit trail)."""

    audit_participant_lookup = "assessment__participant_id"
    # Stored with each confirmation in English (the record); pages show it translated.
    MEANING = gettext_noop("I have reviewed this tumour assessment and confirm its RECIST 1.1 overall response")

    assessment = models.ForeignKey(TumourAssessment, on_delete=models.PROTECT, related_name="confirmations")
    assessment_version = models.PositiveIntegerField()
    computed_response = models.CharField(max_length=14, choices=Response.choices)
    response = models.CharField(max_length=14, choices=Response.choices)
    reason = models.TextField(_("Why the response differs from the computed one"), blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=150)
    confirmed_at = models.DateTimeField()
    meaning = models.CharField(max_length=200, default=MEANING)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-confirmed_at", "-id"]

    def __str__(self) -> str:
        return gettext("%(response)s confirmed by %(signer)s at %(time)s") % {
            "response": self.response, "signer": self.signer_name, "time": f"{self.confirmed_at:%Y-%m-%d %H:%M}",
        }


class ProgressionSite(models.TextChoices):
    LOCOREGIONAL = "locoregional", _("Locoregional (pelvic)")
    DISTANT = "distant", _("Distant")
    BOTH = "both", _("Locoregional and distant")


class ProgressionConfirmation(models.TextChoices):
    IMAGING = "imaging", _("Imaging (RECIST 1.1)")
    BIOPSY = "biopsy", _("Histology / cytology")
    CLINICAL = "clinical", _("Clinical examination")


class Progression(ClinicalRecord):
    """A documented progression or recurrence (PROTOCOL §5: PFS ends at progression at any site)."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="progressions")
    progression_date = models.DateField()
    site = models.CharField(max_length=14, choices=ProgressionSite.choices)
    confirmed_by_method = models.CharField(_("How confirmed"), max_length=10, choices=ProgressionConfirmation.choices)
    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="progressions",
        help_text=_("The tumour assessment that showed it, when there is one."),
    )
    sites_detail = models.CharField(_("Sites"), max_length=200, blank=True, help_text=_("e.g. lung, para-aortic nodes"))
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "progression_date", "id"]

    def __str__(self) -> str:
        return gettext("Progression of %(participant)s on %(date)s") % {
            "participant": self.participant, "date": f"{self.progression_date:%Y-%m-%d}",
        }


class DeathCause(models.TextChoices):
    DISEASE = "disease", _("Cervical cancer (disease progression)")
    TREATMENT = "treatment", _("Treatment toxicity")
    OTHER = "other", _("Other cause")
    UNKNOWN = "unknown", _("Unknown")


class OffStudyReason(models.TextChoices):
    COMPLETED = "completed", _("Completed follow-up")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Withdrew consent")
    LOST = "lost", _("Lost to follow-up")
    INVESTIGATOR = "investigator", _("Investigator decision")
    TOXICITY = "toxicity", _("Unacceptable toxicity")
    PROGRESSION = "progression", _("Disease progression")
    OTHER = "other", _("Other")


class FollowUpStatus(ClinicalRecord):
    """A participant's survival follow-up (one record each): last known alive, last known free of
    progression, death, off study. The survival times of PROTOCOL §5 are read from here, the
    progressions and the tumour assessments."""

    audit_participant_lookup = "participant_id"

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="follow_up_status")
    last_known_alive_date = models.DateField(_("Last known alive"), null=True, blank=True)
    last_progression_free_date = models.DateField(
        _("Last known free of progression"), null=True, blank=True,
        help_text=_("The last examination or imaging without progression (tumour assessments count too)."),
    )
    death_date = models.DateField(_("Date of death"), null=True, blank=True)
    death_cause = models.CharField(_("Cause of death"), max_length=10, choices=DeathCause.choices, blank=True)
    death_cause_detail = models.CharField(_("Cause in words"), max_length=200, blank=True)
    off_study_date = models.DateField(null=True, blank=True)
    off_study_reason = models.CharField(max_length=20, choices=OffStudyReason.choices, blank=True)
    off_study_detail = models.CharField(_("Off-study details"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("follow-up statuses")

    def __str__(self) -> str:
        return gettext("Follow-up of %(participant)s") % {"participant": self.participant}


class SimonDecisionNotice(models.Model):
    """A decision point of the Simon design reached (operational, not clinical data): one row per
    (stage, status), created once, so investigators and data managers are told once."""

    stage = models.CharField(max_length=10)  # "stage1" or "final"
    status = models.CharField(max_length=20)  # e.g. "continue", "stop", "effective", "not effective"
    code = models.CharField(max_length=40)
    message = models.TextField()
    evaluable = models.PositiveIntegerField()
    responders = models.PositiveIntegerField()
    reached_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reached_at"]
        constraints = [models.UniqueConstraint(fields=["stage", "status"], name="efficacy_simon_notice_unique")]

    def __str__(self) -> str:
        return f"Simon {self.stage}: {self.status}"
