"""Toxicity data: the CTCAE v5.0 term dictionary (reference data), lab panels with their graded
results, adverse events with the investigator's signature, and the toripalimab dose decisions the
irAE rules of PROTOCOL §3 produce.

The dictionary starts with the built-in terms this trial needs (``toxicity.reference.ctcae_builtin``,
loaded by a migration) and can be replaced by the official NCI spreadsheet with
``manage.py import_ctcae`` (``toxicity.services.ctcae_import``). Changes are audited
(django-simple-history).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import ClinicalRecord
from trialsite.protocol.toxicity import CONTINUE, DISCONTINUE, HORMONE_REPLACEMENT, INTERRUPT, IRAE_ROWS, SLOW_INFUSION

from .labels import ANALYTE_CHOICES, IRAE_CATEGORY_CHOICES, irae_category_label

GRADES = (1, 2, 3, 4, 5)


class TermSource(models.TextChoices):
    BUILTIN = "builtin", _("Built in")
    NCI_IMPORT = "nci_import", _("Imported from the NCI spreadsheet")


class CtcaeTerm(models.Model):
    """One CTCAE v5.0 adverse-event term with the text of each grade.

    A blank grade text means that grade does not exist for the term (CTCAE's "-").
    """

    meddra_code = models.PositiveIntegerField(_("MedDRA code"), unique=True)
    soc = models.CharField(_("MedDRA system organ class"), max_length=120)
    term = models.CharField(_("CTCAE term"), max_length=200, unique=True, db_index=True)
    grade_1 = models.TextField(_("Grade 1"), blank=True)
    grade_2 = models.TextField(_("Grade 2"), blank=True)
    grade_3 = models.TextField(_("Grade 3"), blank=True)
    grade_4 = models.TextField(_("Grade 4"), blank=True)
    grade_5 = models.TextField(_("Grade 5"), blank=True)
    definition = models.TextField(blank=True)
    navigational_note = models.TextField(blank=True)
    source = models.CharField(max_length=12, choices=TermSource.choices, default=TermSource.BUILTIN)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CTCAE term")
        verbose_name_plural = _("CTCAE terms")
        ordering = ["soc", "term"]

    def __str__(self) -> str:
        return self.term

    def grade_text(self, grade: int) -> str:
        """The CTCAE text of ``grade`` (1-5); blank when the grade does not exist for this term."""
        if grade not in GRADES:
            raise ValueError(f"CTCAE grades are 1 to 5, not {grade!r}.")
        return getattr(self, f"grade_{grade}")

    def available_grades(self) -> list[int]:
        """The grades that exist for this term, e.g. [1, 2, 3] for Rash maculo-papular."""
        return [grade for grade in GRADES if self.grade_text(grade)]


# --- Clinical records -----------------------------------------------------------------------------

_USER = {"on_delete": models.PROTECT, "null": True, "blank": True, "related_name": "+"}
_GRADE_1_5 = [MinValueValidator(1), MaxValueValidator(5)]


class LabPanel(ClinicalRecord):
    """One blood sample's results (PROTOCOL §4 "blood samples"; the analytes are declared in
    ``trialsite.protocol.labs``)."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="lab_panels")
    collected_on = models.DateField(_("Date collected"))
    laboratory = models.CharField(_("Laboratory"), max_length=120, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-collected_on", "-id"]

    def __str__(self) -> str:
        return gettext("Lab panel %(date)s") % {"date": f"{self.collected_on:%Y-%m-%d}"}


class AeProposal(models.TextChoices):
    """What became of a graded lab value: grade >= 1 proposes an adverse event that the coordinator
    confirms (an AE is recorded and linked) or dismisses with a reason."""

    NONE = "none", _("Not an adverse event")
    PROPOSED = "proposed", _("Adverse event proposed")
    CONFIRMED = "confirmed", _("Recorded as an adverse event")
    DISMISSED = "dismissed", _("Dismissed")


class LabResult(ClinicalRecord):
    """One analyte of a panel with the laboratory's normal range and the CTCAE v5.0 grade its value
    alone supports (``toxicity.rules.ctcae.grade_lab``; None: the analyte is not graded by value)."""

    audit_participant_lookup = "panel__participant_id"

    panel = models.ForeignKey(LabPanel, on_delete=models.PROTECT, related_name="results")
    analyte = models.CharField(max_length=10, choices=ANALYTE_CHOICES)
    value = models.DecimalField(max_digits=10, decimal_places=3)
    unit = models.CharField(max_length=20)
    lln = models.DecimalField(_("LLN"), max_digits=10, decimal_places=3, null=True, blank=True)
    uln = models.DecimalField(_("ULN"), max_digits=10, decimal_places=3, null=True, blank=True)
    baseline = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True,
        help_text=_("The participant's pre-treatment value, for CTCAE's 'if baseline was abnormal' rules."),
    )  # fmt: skip
    ctcae_term = models.CharField(_("CTCAE term"), max_length=200, blank=True)
    grade = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(5)])
    grade_basis = models.TextField(_("How the grade was reached"), blank=True)
    ae_proposal = models.CharField(max_length=10, choices=AeProposal.choices, default=AeProposal.NONE)
    dismiss_reason = models.TextField(_("Reason for dismissing"), blank=True)
    adverse_event = models.ForeignKey(
        "AdverseEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="lab_results"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["panel", "id"]
        constraints = [models.UniqueConstraint(fields=["panel", "analyte"], name="lab_result_once_per_panel")]
        # The worklist's "lab values proposed as adverse events": a few hundred of ~300,000 values.
        indexes = [
            models.Index(fields=["panel"], condition=models.Q(ae_proposal="proposed"), name="lab_result_proposed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_analyte_display()} {self.value} {self.unit}"


class Attribution(models.TextChoices):
    UNRELATED = "unrelated", _("Unrelated")
    UNLIKELY = "unlikely", _("Unlikely")
    POSSIBLE = "possible", _("Possible")
    PROBABLE = "probable", _("Probable")
    DEFINITE = "definite", _("Definite")


RELATED_ATTRIBUTIONS = (Attribution.POSSIBLE, Attribution.PROBABLE, Attribution.DEFINITE)


class AgentAction(models.TextChoices):
    NONE = "none", _("Dose not changed")
    REDUCED = "reduced", _("Dose reduced")
    INTERRUPTED = "interrupted", _("Interrupted / held")
    DISCONTINUED = "discontinued", _("Discontinued")
    NOT_APPLICABLE = "na", _("Not applicable")


class Outcome(models.TextChoices):
    RECOVERED = "recovered", _("Recovered / resolved")
    RECOVERING = "recovering", _("Recovering / resolving")
    NOT_RECOVERED = "not_recovered", _("Not recovered / not resolved")
    SEQUELAE = "sequelae", _("Recovered with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


# The four agents an AE is attributed to (PROTOCOL §2), field suffix -> label. The labels here and
# of SAE_CRITERIA are plain English strings (exports and CSVs use them); pages show gettext(label).
AE_AGENTS = (
    ("toripalimab", gettext_noop("Toripalimab")),
    ("cisplatin", gettext_noop("Cisplatin")),
    ("paclitaxel", gettext_noop("Paclitaxel")),
    ("radiotherapy", gettext_noop("Radiotherapy")),
)

SAE_CRITERIA = (
    ("sae_death", gettext_noop("Results in death")),
    ("sae_life_threatening", gettext_noop("Life-threatening")),
    ("sae_hospitalisation", gettext_noop("Requires or prolongs hospitalisation")),
    ("sae_disability", gettext_noop("Persistent or significant disability / incapacity")),
    ("sae_congenital_anomaly", gettext_noop("Congenital anomaly / birth defect")),
    ("sae_important_medical_event", gettext_noop("Important medical event")),
)


def _attribution(verbose_name):
    return models.CharField(verbose_name, max_length=10, choices=Attribution.choices)


def _action(verbose_name):
    return models.CharField(verbose_name, max_length=12, choices=AgentAction.choices, default=AgentAction.NONE)


class AdverseEvent(ClinicalRecord):
    """An adverse event graded by NCI CTCAE v5.0.

    ``grade`` is the worst grade reached (what safety tables report); ``current_grade`` is the grade
    at the latest assessment (0 = back to normal), which the irAE rules of PROTOCOL §3 use to hold
    and resume toripalimab. A serious AE (any SAE criterion) starts a 24-hour reporting clock at
    ``sae_awareness_at`` that stops when ``sae_report_sent_at`` is recorded.
    """

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.PROTECT, related_name="adverse_events")
    number = models.PositiveSmallIntegerField(_("AE number"), help_text=_("Sequential per participant."))
    term = models.ForeignKey(CtcaeTerm, on_delete=models.PROTECT, related_name="adverse_events",
                             verbose_name=_("CTCAE term"))  # fmt: skip
    description = models.TextField(_("Description (verbatim)"), blank=True)
    grade = models.PositiveSmallIntegerField(_("Worst grade"), validators=_GRADE_1_5)
    current_grade = models.PositiveSmallIntegerField(
        _("Grade now"), validators=[MaxValueValidator(5)], help_text=_("At the latest assessment; 0 when back to normal.")
    )
    onset_date = models.DateField(_("Onset"))
    resolution_date = models.DateField(_("Resolved on"), null=True, blank=True)
    ongoing = models.BooleanField(default=True)

    serious = models.BooleanField(_("Serious (SAE)"), default=False)
    sae_death = models.BooleanField(_(SAE_CRITERIA[0][1]), default=False)
    sae_life_threatening = models.BooleanField(_(SAE_CRITERIA[1][1]), default=False)
    sae_hospitalisation = models.BooleanField(_(SAE_CRITERIA[2][1]), default=False)
    sae_disability = models.BooleanField(_(SAE_CRITERIA[3][1]), default=False)
    sae_congenital_anomaly = models.BooleanField(_(SAE_CRITERIA[4][1]), default=False)
    sae_important_medical_event = models.BooleanField(_(SAE_CRITERIA[5][1]), default=False)
    sae_awareness_at = models.DateTimeField(_("Site aware of the SAE"), null=True, blank=True)
    sae_report_sent_at = models.DateTimeField(_("SAE report sent"), null=True, blank=True)

    attribution_toripalimab = _attribution(_("Attribution to toripalimab"))
    attribution_cisplatin = _attribution(_("Attribution to cisplatin"))
    attribution_paclitaxel = _attribution(_("Attribution to paclitaxel"))
    attribution_radiotherapy = _attribution(_("Attribution to radiotherapy"))
    immune_related = models.BooleanField(_("Immune-related (irAE)"), default=False)
    irae_category = models.CharField(_("irAE category (PROTOCOL §3)"), max_length=24, choices=IRAE_CATEGORY_CHOICES,
                                     blank=True)  # fmt: skip
    action_toripalimab = _action(_("Action taken with toripalimab"))
    action_cisplatin = _action(_("Action taken with cisplatin"))
    action_paclitaxel = _action(_("Action taken with paclitaxel"))
    action_radiotherapy = _action(_("Action taken with radiotherapy"))

    steroid_given = models.BooleanField(_("Corticosteroids given"), default=False)
    steroid_drug = models.CharField(_("Corticosteroid"), max_length=80, blank=True)
    steroid_start_date = models.DateField(_("Corticosteroids started"), null=True, blank=True)
    steroid_start_mg_per_day = models.DecimalField(
        _("Starting dose (prednisone-equivalent)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    steroid_current_mg_per_day = models.DecimalField(
        _("Current dose (prednisone-equivalent)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    steroid_taper_note = models.TextField(_("Taper"), blank=True)
    steroid_stop_date = models.DateField(_("Corticosteroids stopped"), null=True, blank=True)

    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.NOT_RECOVERED)
    death_date = models.DateField(_("Date of death"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "number"]
        constraints = [models.UniqueConstraint(fields=["participant", "number"], name="ae_number_per_participant")]
        permissions = [("sign_adverseevent", _("Can sign adverse events (investigator)"))]

    def __str__(self) -> str:
        return gettext("AE %(number)s: %(term)s grade %(grade)s") % {
            "number": self.number, "term": self.term, "grade": self.grade,
        }


class AdverseEventSignature(ClinicalRecord):
    """An investigator's electronic signature of an adverse event, valid only while the AE stays at
    the signed version (an edit after signing needs a new signature)."""

    audit_participant_lookup = "adverse_event__participant_id"
    # Stored in English with each signature (and as its audit reason); shown translated (gettext(MEANING)).
    MEANING = gettext_noop("I have reviewed this adverse event and confirm its grade, seriousness and attribution")

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="signatures")
    ae_version = models.PositiveIntegerField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=200, default=MEANING)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return gettext("AE signed by %(name)s at %(when)s") % {
            "name": self.signer_name, "when": f"{self.signed_at:%Y-%m-%d %H:%M}",
        }


class IraeAction(models.TextChoices):
    """``toxicity.rules.irae.Action`` values (PROTOCOL §3)."""

    CONTINUE = CONTINUE, _("Continue")
    INTERRUPT = INTERRUPT, _("Interrupt (hold)")
    DISCONTINUE = DISCONTINUE, _("Discontinue")
    HORMONE_REPLACEMENT = HORMONE_REPLACEMENT, _("Hormone replacement")
    SLOW_INFUSION = SLOW_INFUSION, _("Slow or pause the infusion")


IRAE_ACTION_WORDS = {
    CONTINUE: pgettext_lazy("irAE action", "continue"),
    INTERRUPT: pgettext_lazy("irAE action", "interrupt"),
    DISCONTINUE: pgettext_lazy("irAE action", "discontinue"),
    HORMONE_REPLACEMENT: pgettext_lazy("irAE action", "hormone replacement"),
    SLOW_INFUSION: pgettext_lazy("irAE action", "slow infusion"),
}


class IraeDecisionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the investigator")
    CONFIRMED = "confirmed", _("Confirmed")
    OVERRIDDEN = "overridden", _("Overridden")
    NOT_REQUIRED = "not_required", _("No decision needed")


class IraeDoseDecision(ClinicalRecord):
    """What PROTOCOL §3's irAE table does to toripalimab for one immune-related AE at one grade.

    Created when an irAE is saved (or the nightly sweep finds the 12-week limits passed). While
    ``active``, the effective action (the investigator's if decided, else the rule's) applies to the
    next toripalimab dose: "interrupt" holds it, "discontinue" stops toripalimab for good. A hold
    ends (``active`` False, ``ended_on`` and ``end_reason`` set) when the AE is back at grade 0-1,
    or is superseded when the AE's grade changes.
    """

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="irae_dose_decisions"
    )
    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="dose_decisions")
    assessed_on = models.DateField(_("Date assessed"))
    grade = models.PositiveSmallIntegerField(validators=_GRADE_1_5)
    target_phase = models.CharField(max_length=14, blank=True)
    target_cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    target_day = models.PositiveSmallIntegerField(null=True, blank=True)
    recommended_action = models.CharField(max_length=20, choices=IraeAction.choices)
    rule_code = models.CharField(max_length=80)
    rule_reason = models.TextField()
    decision = models.CharField(max_length=12, choices=IraeDecisionStatus.choices, default=IraeDecisionStatus.PENDING)
    decided_action = models.CharField(max_length=20, choices=IraeAction.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_USER)
    decided_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        permissions = [("decide_irae_dose", _("Can confirm or override an irAE dose decision (investigator)"))]

    def __str__(self) -> str:
        return f"{self.rule_code}: {self.get_recommended_action_display()}"

    @property
    def effective_action(self) -> str:
        """The investigator's action once decided, else the rule's."""
        return self.decided_action or self.recommended_action

    @property
    def label(self) -> str:
        """How the calendar and the dashboard name it, e.g. "discontinue — hepatitis grade 3"."""
        words = IRAE_ACTION_WORDS.get(self.effective_action, self.effective_action)
        category = self.adverse_event.irae_category if self.adverse_event_id else ""
        what = irae_category_label(category) if category in IRAE_ROWS else str(self.adverse_event.term).lower()
        return gettext("%(action)s — %(what)s grade %(grade)s") % {"action": words, "what": what, "grade": self.grade}
