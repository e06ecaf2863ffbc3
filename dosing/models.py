"""Treatment records (PROTOCOL §2 and §3): height and weight, every dose given or omitted, documented
delays, chemotherapy dose-modification reviews, the EBRT course and the brachytherapy fractions.

Invariants live here (choices, uniqueness, non-negative numbers); the clinical rules live in
``dosing/rules`` and the writes in ``dosing/services``. Every model is audited
(django-simple-history) and versioned (``core.models.ClinicalRecord``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ClinicalRecord
from trialsite.protocol import treatment as protocol


class Agent(models.TextChoices):
    CISPLATIN = protocol.CISPLATIN, "Cisplatin"
    PACLITAXEL = protocol.PACLITAXEL, "Paclitaxel"
    TORIPALIMAB = protocol.TORIPALIMAB, "Toripalimab"


class Phase(models.TextChoices):
    CCRT = protocol.CCRT, "Concurrent chemoradiotherapy"
    CONSOLIDATION = protocol.CONSOLIDATION, "Consolidation"
    MAINTENANCE = protocol.MAINTENANCE, "Maintenance"


class BsaFormula(models.TextChoices):
    MOSTELLER = protocol.MOSTELLER, "Mosteller"
    DUBOIS = protocol.DUBOIS, "DuBois"


_NON_NEGATIVE = [MinValueValidator(0)]
_USER = {"on_delete": models.PROTECT, "null": True, "blank": True, "related_name": "+"}


class Anthropometrics(ClinicalRecord):
    """Height and weight on a date, and the body-surface area calculated from them."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="anthropometrics")
    measured_on = models.DateField("Date measured")
    height_cm = models.DecimalField("Height", max_digits=4, decimal_places=1, validators=_NON_NEGATIVE)
    weight_kg = models.DecimalField("Weight", max_digits=4, decimal_places=1, validators=_NON_NEGATIVE)
    bsa_formula = models.CharField(max_length=10, choices=BsaFormula.choices, default=BsaFormula.MOSTELLER)
    bsa_m2 = models.DecimalField("BSA", max_digits=4, decimal_places=2, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "height and weight"
        verbose_name_plural = "heights and weights"
        ordering = ["-measured_on", "-id"]

    def __str__(self) -> str:
        return f"{self.measured_on:%Y-%m-%d}: {self.height_cm} cm, {self.weight_kg} kg, BSA {self.bsa_m2} m²"


class DoseKey(models.Model):
    """The planned dose a record belongs to: agent, phase, cycle and cycle day (PROTOCOL §2)."""

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="+")
    agent = models.CharField(max_length=12, choices=Agent.choices)
    phase = models.CharField(max_length=14, choices=Phase.choices)
    cycle = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        abstract = True

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.agent, self.phase, self.cycle, self.day)

    def dose_label(self) -> str:
        phase = self.get_phase_display().lower()
        if self.phase == protocol.CCRT and self.agent == protocol.CISPLATIN:
            return f"{self.get_agent_display()} week {self.cycle} ({phase})"
        return f"{self.get_agent_display()} cycle {self.cycle} day {self.day} ({phase})"


class DoseStatus(models.TextChoices):
    GIVEN = "given", "Given"
    OMITTED = "omitted", "Not given (omitted)"


class DifferenceReason(models.TextChoices):
    NONE = "", "No difference"
    DELAY = "delay", "Delay"
    REDUCTION = "reduction", "Dose reduction"
    OMISSION = "omission", "Omission"
    INFUSION_INTERRUPTED = "infusion_interrupted", "Infusion interrupted"
    OTHER = "other", "Other"


class DoseAdministration(ClinicalRecord, DoseKey):
    """One dose of the calendar as given (or omitted), with the dose calculated for it."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="doses")
    status = models.CharField(max_length=10, choices=DoseStatus.choices, default=DoseStatus.GIVEN)
    due_on = models.DateField("Due date when recorded")
    given_on = models.DateField("Date given", null=True, blank=True)
    given_time = models.TimeField("Time", null=True, blank=True)
    anthropometrics = models.ForeignKey(
        Anthropometrics, on_delete=models.PROTECT, null=True, blank=True, related_name="doses",
        verbose_name="height and weight used",
    )
    bsa_m2 = models.DecimalField("BSA used", max_digits=4, decimal_places=2, null=True, blank=True)
    weight_kg_used = models.DecimalField("Weight used", max_digits=4, decimal_places=1, null=True, blank=True)
    mg_per_m2 = models.DecimalField("Dose per m²", max_digits=6, decimal_places=2, null=True, blank=True)
    dose_level_pct = models.PositiveSmallIntegerField(
        "Dose level", default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    planned_dose_mg = models.DecimalField("Planned dose (full)", max_digits=7, decimal_places=1)
    calculated_dose_mg = models.DecimalField("Calculated dose", max_digits=7, decimal_places=1)
    dose_given_mg = models.DecimalField(
        "Dose given", max_digits=7, decimal_places=1, null=True, blank=True, validators=_NON_NEGATIVE
    )
    difference_reason = models.CharField(
        "Reason for a difference", max_length=24, choices=DifferenceReason.choices, blank=True
    )
    difference_note = models.TextField("Details of the difference", blank=True)
    infusion_start = models.TimeField(null=True, blank=True)
    infusion_stop = models.TimeField(null=True, blank=True)
    lot_number = models.CharField("Lot number", max_length=40, blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="overridden by", **_USER)
    override_reason = models.TextField("Reason for the override", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["given_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "agent", "phase", "cycle", "day"], name="one_record_per_dose"),
        ]
        permissions = [("override_dose_limit", "Can authorise a dose above the calculated dose")]

    def __str__(self) -> str:
        return self.dose_label()


class DoseDelay(ClinicalRecord, DoseKey):
    """A documented decision to give a dose (and its slot) later than planned."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="dose_delays")
    original_due = models.DateField("Was due")
    delayed_to = models.DateField("New date")
    reason = models.TextField("Reason for the delay")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "agent", "phase", "cycle", "day"], name="one_delay_per_dose"),
        ]

    def __str__(self) -> str:
        return f"{self.dose_label()} delayed from {self.original_due:%Y-%m-%d} to {self.delayed_to:%Y-%m-%d}"


class ModificationAction(models.TextChoices):
    FULL_DOSE = "full_dose", "Full dose"
    CONTINUE_REDUCED = "continue_reduced", "Continue at the reduced level"
    REDUCE = "reduce", "Reduce"
    HOLD = "hold", "Hold"
    DISCONTINUE = "discontinue", "Discontinue chemotherapy"


class Decision(models.TextChoices):
    NOT_REQUIRED = "not_required", "No rule fired"
    PENDING = "pending", "Awaiting investigator"
    CONFIRMED = "confirmed", "Confirmed"
    OVERRIDDEN = "overridden", "Overridden"


class DoseModification(ClinicalRecord):
    """A pre-cycle chemotherapy toxicity review: the toxicities graded since the last cycle, the
    PROTOCOL §3 recommendation for the next chemotherapy dose and the rule that produced it, and
    the investigator's decision (confirmed, or overridden with a reason)."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="dose_modifications"
    )
    assessed_on = models.DateField("Date assessed")
    target_agent = models.CharField(max_length=12, choices=Agent.choices)
    target_phase = models.CharField(max_length=14, choices=Phase.choices)
    target_cycle = models.PositiveSmallIntegerField()
    target_day = models.PositiveSmallIntegerField()
    toxicities = models.JSONField(default=list, blank=True, help_text="[{term, grade}] worst grades since the last cycle")
    febrile = models.BooleanField("Fever with the neutropenia", default=False)
    haematological_recovered = models.BooleanField("Haematological toxicity back to grade 0-1", null=True, blank=True)
    current_level_pct = models.PositiveSmallIntegerField("Level of the last cycle")
    recommended_action = models.CharField(max_length=20, choices=ModificationAction.choices)
    recommended_level_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    rule_code = models.CharField(max_length=60)
    rule_reason = models.TextField()
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    decided_action = models.CharField(max_length=20, choices=ModificationAction.choices, blank=True)
    decided_level_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)
    decided_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessed_on", "id"]
        permissions = [("decide_dose_modification", "Can confirm or override a dose modification")]

    def __str__(self) -> str:
        return f"Toxicity review {self.assessed_on:%Y-%m-%d}: {self.get_recommended_action_display()}"

    @property
    def target_key(self) -> tuple[str, str, int, int]:
        return (self.target_agent, self.target_phase, self.target_cycle, self.target_day)


class EbrtTechnique(models.TextChoices):
    IMRT = "IMRT", "IMRT"
    VMAT = "VMAT", "VMAT"
    TOMO = "TOMO", "TomoTherapy"


def _gy(verbose_name: str, **extra):
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, validators=_NON_NEGATIVE, **extra
    )


class RadiotherapyCourse(ClinicalRecord):
    """The external-beam course (PROTOCOL §2), the femoral head V50 from its plan, and whether all
    radiotherapy (EBRT and brachytherapy) is complete."""

    audit_participant_lookup = "participant_id"

    participant = models.OneToOneField(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="radiotherapy_course"
    )
    technique = models.CharField(max_length=4, choices=EbrtTechnique.choices)
    prescription_dose_gy = _gy("Prescription dose")
    prescribed_fractions = models.PositiveSmallIntegerField("Prescribed fractions", validators=[MinValueValidator(1)])
    dose_per_fraction_gy = _gy("Dose per fraction")
    sib_dose_gy = _gy("SIB dose to nodes (PGTVnd)", null=True, blank=True)
    sib_dose_per_fraction_gy = _gy("SIB dose per fraction", null=True, blank=True)
    start_date = models.DateField("First fraction")
    end_date = models.DateField("Last EBRT fraction", null=True, blank=True)
    fractions_delivered = models.PositiveSmallIntegerField("Fractions delivered", default=0)
    interruption_days = models.PositiveSmallIntegerField("Days of interruption", default=0)
    interruption_reason = models.TextField("Reason for interruptions", blank=True)
    bladder_d2cc_ebrt_gy = _gy("Bladder D2cc from EBRT (measured)", null=True, blank=True)
    rectum_d2cc_ebrt_gy = _gy("Rectum D2cc from EBRT (measured)", null=True, blank=True)
    sigmoid_d2cc_ebrt_gy = _gy("Sigmoid D2cc from EBRT (measured)", null=True, blank=True)
    femoral_head_left_v50_pct = models.DecimalField(
        "Left femoral head V50", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    femoral_head_right_v50_pct = models.DecimalField(
        "Right femoral head V50", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    completed = models.BooleanField("All radiotherapy (EBRT and brachytherapy) is complete", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"EBRT {self.technique} {self.prescription_dose_gy} Gy / {self.prescribed_fractions} fx"


class Applicator(models.TextChoices):
    TANDEM_RING = "tandem_ring", "Tandem and ring"
    TANDEM_OVOIDS = "tandem_ovoids", "Tandem and ovoids"
    TANDEM_CYLINDER = "tandem_cylinder", "Tandem and cylinder"
    INTERSTITIAL = "interstitial", "Interstitial template"
    OTHER = "other", "Other"


class BrachytherapyFraction(ClinicalRecord):
    """One image-guided HDR brachytherapy fraction with the doses of its plan (PROTOCOL §2)."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="brachytherapy_fractions"
    )
    number = models.PositiveSmallIntegerField("Fraction", validators=[MinValueValidator(1), MaxValueValidator(10)])
    given_on = models.DateField("Date")
    hrctv_d90_gy = _gy("HR-CTV D90")
    bladder_d2cc_gy = _gy("Bladder D2cc", null=True, blank=True)
    rectum_d2cc_gy = _gy("Rectum D2cc", null=True, blank=True)
    sigmoid_d2cc_gy = _gy("Sigmoid D2cc", null=True, blank=True)
    applicator = models.CharField(max_length=20, choices=Applicator.choices)
    interstitial_needles = models.BooleanField("Interstitial needles used", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "number"], name="one_brachy_fraction_per_number"),
        ]

    def __str__(self) -> str:
        return f"Brachytherapy fraction {self.number} ({self.given_on:%Y-%m-%d})"
