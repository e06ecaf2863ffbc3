"""Treatment records (PROTOCOL §2 and §3): height and weight, every dose given or omitted, documented
delays, chemotherapy dose-modification reviews, the EBRT course and the brachytherapy fractions.

Invariants live here (choices, uniqueness, non-negative numbers); the clinical rules live in
``dosing/rules`` and the writes in ``dosing/services``. Every model is audited
(django-simple-history) and versioned (``core.models.ClinicalRecord``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from core.models import ClinicalRecord
from trialsite.protocol import treatment as protocol


class Agent(models.TextChoices):
    CISPLATIN = protocol.CISPLATIN, gettext_lazy("Cisplatin")
    PACLITAXEL = protocol.PACLITAXEL, gettext_lazy("Paclitaxel")
    TORIPALIMAB = protocol.TORIPALIMAB, gettext_lazy("Toripalimab")


class Phase(models.TextChoices):
    CCRT = protocol.CCRT, gettext_lazy("Concurrent chemoradiotherapy")
    CONSOLIDATION = protocol.CONSOLIDATION, gettext_lazy("Consolidation")
    MAINTENANCE = protocol.MAINTENANCE, gettext_lazy("Maintenance")


class BsaFormula(models.TextChoices):
    MOSTELLER = protocol.MOSTELLER, gettext_lazy("Mosteller")
    DUBOIS = protocol.DUBOIS, gettext_lazy("DuBois")


_NON_NEGATIVE = [MinValueValidator(0)]
_USER = {"on_delete": models.PROTECT, "null": True, "blank": True, "related_name": "+"}


class Anthropometrics(ClinicalRecord):
    """Height and weight on a date, and the body-surface area calculated from them."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="anthropometrics")
    measured_on = models.DateField(gettext_lazy("Date measured"))
    height_cm = models.DecimalField(gettext_lazy("Height"), max_digits=4, decimal_places=1, validators=_NON_NEGATIVE)
    weight_kg = models.DecimalField(gettext_lazy("Weight"), max_digits=4, decimal_places=1, validators=_NON_NEGATIVE)
    bsa_formula = models.CharField(max_length=10, choices=BsaFormula.choices, default=BsaFormula.MOSTELLER)
    bsa_m2 = models.DecimalField(gettext_lazy("BSA"), max_digits=4, decimal_places=2, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        verbose_name = gettext_lazy("height and weight")
        verbose_name_plural = gettext_lazy("heights and weights")
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
        params = {
            "agent": self.get_agent_display(),
            "cycle": self.cycle,
            "day": self.day,
            "phase": self.get_phase_display().lower(),
        }
        if self.phase == protocol.CCRT and self.agent == protocol.CISPLATIN:
            return _("%(agent)s week %(cycle)s (%(phase)s)") % params
        return _("%(agent)s cycle %(cycle)s day %(day)s (%(phase)s)") % params


class DoseStatus(models.TextChoices):
    GIVEN = "given", gettext_lazy("Given")
    OMITTED = "omitted", gettext_lazy("Not given (omitted)")


class DifferenceReason(models.TextChoices):
    NONE = "", gettext_lazy("No difference")
    DELAY = "delay", gettext_lazy("Delay")
    REDUCTION = "reduction", gettext_lazy("Dose reduction")
    OMISSION = "omission", gettext_lazy("Omission")
    INFUSION_INTERRUPTED = "infusion_interrupted", gettext_lazy("Infusion interrupted")
    OTHER = "other", gettext_lazy("Other")


class DoseAdministration(ClinicalRecord, DoseKey):
    """One dose of the calendar as given (or omitted), with the dose calculated for it."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="doses")
    status = models.CharField(max_length=10, choices=DoseStatus.choices, default=DoseStatus.GIVEN)
    due_on = models.DateField(gettext_lazy("Due date when recorded"))
    given_on = models.DateField(gettext_lazy("Date given"), null=True, blank=True)
    given_time = models.TimeField(gettext_lazy("Time"), null=True, blank=True)
    anthropometrics = models.ForeignKey(
        Anthropometrics, on_delete=models.PROTECT, null=True, blank=True, related_name="doses",
        verbose_name=gettext_lazy("height and weight used"),
    )
    bsa_m2 = models.DecimalField(gettext_lazy("BSA used"), max_digits=4, decimal_places=2, null=True, blank=True)
    weight_kg_used = models.DecimalField(gettext_lazy("Weight used"), max_digits=4, decimal_places=1, null=True, blank=True)
    mg_per_m2 = models.DecimalField(gettext_lazy("Dose per m²"), max_digits=6, decimal_places=2, null=True, blank=True)
    dose_level_pct = models.PositiveSmallIntegerField(
        gettext_lazy("Dose level"), default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    planned_dose_mg = models.DecimalField(gettext_lazy("Planned dose (full)"), max_digits=7, decimal_places=1)
    calculated_dose_mg = models.DecimalField(gettext_lazy("Calculated dose"), max_digits=7, decimal_places=1)
    dose_given_mg = models.DecimalField(
        gettext_lazy("Dose given"), max_digits=7, decimal_places=1, null=True, blank=True, validators=_NON_NEGATIVE
    )
    difference_reason = models.CharField(
        gettext_lazy("Reason for a difference"), max_length=24, choices=DifferenceReason.choices, blank=True
    )
    difference_note = models.TextField(gettext_lazy("Details of the difference"), blank=True)
    infusion_start = models.TimeField(null=True, blank=True)
    infusion_stop = models.TimeField(null=True, blank=True)
    lot_number = models.CharField(gettext_lazy("Lot number"), max_length=40, blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("overridden by"), **_USER)
    override_reason = models.TextField(gettext_lazy("Reason for the override"), blank=True)
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
    original_due = models.DateField(gettext_lazy("Was due"))
    delayed_to = models.DateField(gettext_lazy("New date"))
    reason = models.TextField(gettext_lazy("Reason for the delay"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "agent", "phase", "cycle", "day"], name="one_delay_per_dose"),
        ]

    def __str__(self) -> str:
        return _("%(dose)s delayed from %(due)s to %(new)s") % {
            "dose": self.dose_label(),
            "due": f"{self.original_due:%Y-%m-%d}",
            "new": f"{self.delayed_to:%Y-%m-%d}",
        }


class ModificationAction(models.TextChoices):
    FULL_DOSE = "full_dose", gettext_lazy("Full dose")
    CONTINUE_REDUCED = "continue_reduced", gettext_lazy("Continue at the reduced level")
    REDUCE = "reduce", gettext_lazy("Reduce")
    HOLD = "hold", gettext_lazy("Hold")
    DISCONTINUE = "discontinue", gettext_lazy("Discontinue chemotherapy")


class Decision(models.TextChoices):
    NOT_REQUIRED = "not_required", gettext_lazy("No rule fired")
    PENDING = "pending", gettext_lazy("Awaiting investigator")
    CONFIRMED = "confirmed", gettext_lazy("Confirmed")
    OVERRIDDEN = "overridden", gettext_lazy("Overridden")


class DoseModification(ClinicalRecord):
    """A pre-cycle chemotherapy toxicity review: the toxicities graded since the last cycle, the
    PROTOCOL §3 recommendation for the next chemotherapy dose and the rule that produced it, and
    the investigator's decision (confirmed, or overridden with a reason)."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="dose_modifications"
    )
    assessed_on = models.DateField(gettext_lazy("Date assessed"))
    target_agent = models.CharField(max_length=12, choices=Agent.choices)
    target_phase = models.CharField(max_length=14, choices=Phase.choices)
    target_cycle = models.PositiveSmallIntegerField()
    target_day = models.PositiveSmallIntegerField()
    toxicities = models.JSONField(default=list, blank=True, help_text=gettext_lazy("[{term, grade}] worst grades since the last cycle"))
    febrile = models.BooleanField(gettext_lazy("Fever with the neutropenia"), default=False)
    haematological_recovered = models.BooleanField(gettext_lazy("Haematological toxicity back to grade 0-1"), null=True, blank=True)
    current_level_pct = models.PositiveSmallIntegerField(gettext_lazy("Level of the last cycle"))
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
        return _("Toxicity review %(date)s: %(action)s") % {
            "date": f"{self.assessed_on:%Y-%m-%d}",
            "action": self.get_recommended_action_display(),
        }

    @property
    def target_key(self) -> tuple[str, str, int, int]:
        return (self.target_agent, self.target_phase, self.target_cycle, self.target_day)

    @property
    def localized_rule_reason(self) -> str:
        """``rule_reason`` in the active language, for display.

        ``rule_reason`` is stored in English (the record, the audit trail and the exports do not
        change with the user's language). The rule is pure and every input it took is stored here,
        so the reason is produced again in the active language; it is used only when the same
        inputs still give, in English, exactly the stored text (otherwise, e.g. after a protocol
        amendment, the stored text is shown as it is).
        """
        from .rules.modification import ToxicityInputError, chemo_modification

        def reason() -> str:
            return chemo_modification(
                [(item["term"], item["grade"]) for item in self.toxicities],
                current_level_pct=self.current_level_pct,
                haematological_recovered=self.haematological_recovered,
                febrile=self.febrile,
            ).reason

        try:
            with translation.override("en"):
                if reason() != self.rule_reason:
                    return self.rule_reason
            return reason()
        except (ToxicityInputError, KeyError):
            return self.rule_reason


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
    prescription_dose_gy = _gy(gettext_lazy("Prescription dose"))
    prescribed_fractions = models.PositiveSmallIntegerField(gettext_lazy("Prescribed fractions"), validators=[MinValueValidator(1)])
    dose_per_fraction_gy = _gy(gettext_lazy("Dose per fraction"))
    sib_dose_gy = _gy(gettext_lazy("SIB dose to nodes (PGTVnd)"), null=True, blank=True)
    sib_dose_per_fraction_gy = _gy(gettext_lazy("SIB dose per fraction"), null=True, blank=True)
    start_date = models.DateField(gettext_lazy("First fraction"))
    end_date = models.DateField(gettext_lazy("Last EBRT fraction"), null=True, blank=True)
    fractions_delivered = models.PositiveSmallIntegerField(gettext_lazy("Fractions delivered"), default=0)
    interruption_days = models.PositiveSmallIntegerField(gettext_lazy("Days of interruption"), default=0)
    interruption_reason = models.TextField(gettext_lazy("Reason for interruptions"), blank=True)
    bladder_d2cc_ebrt_gy = _gy(gettext_lazy("Bladder D2cc from EBRT (measured)"), null=True, blank=True)
    rectum_d2cc_ebrt_gy = _gy(gettext_lazy("Rectum D2cc from EBRT (measured)"), null=True, blank=True)
    sigmoid_d2cc_ebrt_gy = _gy(gettext_lazy("Sigmoid D2cc from EBRT (measured)"), null=True, blank=True)
    femoral_head_left_v50_pct = models.DecimalField(
        gettext_lazy("Left femoral head V50"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    femoral_head_right_v50_pct = models.DecimalField(
        gettext_lazy("Right femoral head V50"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    completed = models.BooleanField(gettext_lazy("All radiotherapy (EBRT and brachytherapy) is complete"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"EBRT {self.technique} {self.prescription_dose_gy} Gy / {self.prescribed_fractions} fx"


class Applicator(models.TextChoices):
    TANDEM_RING = "tandem_ring", gettext_lazy("Tandem and ring")
    TANDEM_OVOIDS = "tandem_ovoids", gettext_lazy("Tandem and ovoids")
    TANDEM_CYLINDER = "tandem_cylinder", gettext_lazy("Tandem and cylinder")
    INTERSTITIAL = "interstitial", gettext_lazy("Interstitial template")
    OTHER = "other", gettext_lazy("Other")


class BrachytherapyFraction(ClinicalRecord):
    """One image-guided HDR brachytherapy fraction with the doses of its plan (PROTOCOL §2)."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="brachytherapy_fractions"
    )
    number = models.PositiveSmallIntegerField(gettext_lazy("Fraction"), validators=[MinValueValidator(1), MaxValueValidator(10)])
    given_on = models.DateField(gettext_lazy("Date"))
    hrctv_d90_gy = _gy(gettext_lazy("HR-CTV D90"))
    bladder_d2cc_gy = _gy(gettext_lazy("Bladder D2cc"), null=True, blank=True)
    rectum_d2cc_gy = _gy(gettext_lazy("Rectum D2cc"), null=True, blank=True)
    sigmoid_d2cc_gy = _gy(gettext_lazy("Sigmoid D2cc"), null=True, blank=True)
    applicator = models.CharField(max_length=20, choices=Applicator.choices)
    interstitial_needles = models.BooleanField(gettext_lazy("Interstitial needles used"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "number"], name="one_brachy_fraction_per_number"),
        ]

    def __str__(self) -> str:
        return _("Brachytherapy fraction %(number)s (%(date)s)") % {
            "number": self.number,
            "date": f"{self.given_on:%Y-%m-%d}",
        }
