"""The participant and the dated history of their study status. No names or national ID numbers
are stored: a participant is known by screening number, study number and initials."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import ClinicalRecord


class ParticipantStatus(models.TextChoices):
    SCREENING = "screening", _("Screening")
    SCREEN_FAILURE = "screen_failure", _("Screen failure")
    ENROLLED = "enrolled", _("Enrolled")
    ON_TREATMENT = "on_treatment", _("On treatment")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OFF_STUDY = "off_study", _("Off study")
    DIED = "died", _("Died")


initials_validator = RegexValidator(
    regex=r"^[A-Z]{2,4}$",
    message=_("Initials are 2 to 4 capital letters (A-Z), for example WL or ZXM."),
)


class Participant(ClinicalRecord):
    audit_participant_lookup = "id"

    screening_number = models.CharField(max_length=20, unique=True, editable=False)
    study_number = models.CharField(max_length=20, unique=True, null=True, blank=True, editable=False)
    initials = models.CharField(max_length=4, validators=[initials_validator])
    date_of_birth = models.DateField()
    screening_date = models.DateField(help_text=_("Date the patient was first screened for this study."))
    status = models.CharField(
        max_length=20, choices=ParticipantStatus.choices, default=ParticipantStatus.SCREENING, editable=False
    )
    status_date = models.DateField(editable=False, help_text=_("Date the current status took effect."))
    enrolment_date = models.DateField(null=True, blank=True, editable=False)
    planned_treatment_start = models.DateField(
        null=True, blank=True, editable=False, help_text=_("Planned first fraction of external beam radiotherapy.")
    )
    diagnosis_date = models.DateField(
        null=True, blank=True,
        help_text=_("Date of the pathological diagnosis of cervical cancer; PFS and OS count from it (PROTOCOL §5)."),
    )
    # Multi-centre studies (``core.sites``): the site the participant belongs to. Null in a
    # single-centre study, and for a participant registered before sites were configured (then only
    # users who see every site reach her until she is given a site).
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="participants"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-screening_date", "-id"]
        permissions = [
            ("view_audit_trail", "Can view a participant's audit trail"),
            ("enrol_participant", "Can enrol an eligible, consented, signed participant"),
            ("view_screening_log", "Can view the screening log and its CSV"),
        ]

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
        return gettext("%(status)s from %(date)s") % {
            "status": self.get_to_status_display(), "date": f"{self.effective_date:%Y-%m-%d}"
        }


def yes_no(verbose_name: str, help_text: str = "") -> models.BooleanField:
    """A yes / no answer; null means not yet recorded."""
    return models.BooleanField(verbose_name, null=True, blank=True, help_text=help_text)


def lab_value(verbose_name: str, unit: str, digits: int = 8, places: int = 2) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=digits, decimal_places=places, null=True, blank=True,
                               help_text=unit)


def event_date(verbose_name: str) -> models.DateField:
    return models.DateField(verbose_name, null=True, blank=True)


class Screening(ClinicalRecord):
    """The screening data for PROTOCOL §1 (the paper's Table 1): one record per participant, saved
    incomplete and resumed. Field names are the keys of ``enrollment.rules.eligibility.evaluate``;
    the date of birth comes from the participant and the consent date from the consent record.

    For the four "most recent event" dates (other malignancy, cardio-cerebral event,
    immunosuppressant, live vaccine) a yes/no question says whether there was such an event:
    "no" means none, "yes" needs the date, unanswered means not recorded.
    """

    audit_participant_lookup = "participant_id"

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="screening")
    planned_enrolment_date = models.DateField(
        null=True, blank=True, help_text=_("Date-window criteria and lab freshness are counted back from this date.")
    )
    # I2 / E9: disease
    figo_stage = models.CharField(_("FIGO 2018 stage"), max_length=6, blank=True)
    histology = models.CharField(max_length=100, blank=True, help_text=_("e.g. squamous cell carcinoma"))
    biopsy_date = models.DateField(null=True, blank=True)
    pathology_confirmed = yes_no(_("Pathologically confirmed"))
    previously_treated = yes_no(_("Previously treated for this cancer"))
    distant_metastasis_or_recurrence = yes_no(_("Recurrent or distant metastatic disease"))
    # I3, I5-I7
    ecog = models.PositiveSmallIntegerField(_("ECOG performance status"), null=True, blank=True, help_text="0-5")
    life_expectancy_over_6_months = yes_no(_("Life expectancy over 6 months"))
    pi_confirms_ccrt = yes_no(_("PI confirms eligible for CCRT"), _("Assessed by the principal investigator"))
    pi_confirms_ccrt_by = models.CharField(_("PI who assessed CCRT eligibility"), max_length=100, blank=True)
    pi_confirms_ccrt_on = models.DateField(_("Date of PI assessment"), null=True, blank=True)
    active_bleeding = yes_no(_("Obvious active bleeding"))
    # I4: laboratory
    lab_date = models.DateField(_("Lab sample date"), null=True, blank=True)
    hemoglobin_g_dl = lab_value(_("Haemoglobin"), "g/dL", 4, 1)
    neutrophils_10e9_l = lab_value(_("Neutrophils"), "x10^9/L", 6, 2)
    leukocytes_10e9_l = lab_value(_("Leukocytes"), "x10^9/L", 6, 2)
    platelets_10e9_l = lab_value(_("Platelets"), "x10^9/L", 6, 1)
    alt = lab_value("ALT", "U/L", 7, 1)
    alt_uln = lab_value(_("ALT ULN"), "U/L", 7, 1)
    ast = lab_value("AST", "U/L", 7, 1)
    ast_uln = lab_value(_("AST ULN"), "U/L", 7, 1)
    bilirubin = lab_value(_("Total bilirubin"), "umol/L", 7, 1)
    bilirubin_uln = lab_value(_("Total bilirubin ULN"), "umol/L", 7, 1)
    bun = lab_value(_("Blood urea nitrogen"), "mmol/L", 6, 2)
    bun_uln = lab_value(_("BUN ULN"), "mmol/L", 6, 2)
    creatinine = lab_value(_("Creatinine"), "umol/L", 7, 1)
    creatinine_uln = lab_value(_("Creatinine ULN"), "umol/L", 7, 1)
    # I8
    childbearing_potential = yes_no(_("Of childbearing potential"))
    pregnancy_test_date = models.DateField(null=True, blank=True)
    pregnancy_test_negative = yes_no(_("Pregnancy test negative"))
    contraception_agreed = yes_no(_("Agrees to effective contraception"))
    # Exclusions
    uncontrolled_infection = yes_no(_("Uncontrolled active infection"))
    prior_malignancy = yes_no(_("Other malignancy in the past"))
    prior_malignancy_date = event_date(_("Date of the most recent other malignancy"))
    prior_malignancy_nonmelanoma_skin = yes_no(_("It was curable non-melanoma skin cancer"))
    uncontrolled_hypertension_or_diabetes = yes_no(_("Uncontrolled hypertension or diabetes"))
    cardiocerebral_event = yes_no(_("Cerebral embolism/haemorrhage, MI or serious arrhythmia ever"))
    cardiocerebral_event_date = event_date(_("Date of the most recent such event"))
    immunosuppressant_use = yes_no(_("Systemic steroid >= 10 mg/day prednisone-eq. or immunosuppressant ever"))
    last_immunosuppressant_date = event_date(_("Date of the last dose"))
    immunosuppressant_planned = yes_no(_("Immunosuppressant planned during the study"))
    live_vaccine = yes_no(_("Live attenuated vaccine ever"))
    last_live_vaccine_date = event_date(_("Date of the last live vaccine"))
    live_vaccine_planned = yes_no(_("Live vaccine planned during the study"))
    therapeutic_hpv_vaccine_after_diagnosis = yes_no(_("Therapeutic HPV vaccine after LACC diagnosis"))
    organ_transplant = yes_no(_("Previous organ transplantation"))
    hiv = yes_no(_("HIV infection"))
    uncontrolled_mental_illness = yes_no(_("Severe uncontrolled mental illness"))
    hbv_dna_iu_ml = lab_value("HBV DNA", _("IU/mL (0 if undetectable)"), 14, 1)
    hcv_rna_copies_ml = lab_value("HCV RNA", _("copies/mL (0 if undetectable)"), 14, 1)
    mab_allergy = yes_no(_("Allergy to monoclonal antibodies or a trial drug"))
    active_autoimmune_disease = yes_no(_("Active autoimmune disease needing systemic treatment or long-term steroids"))

    # The outcome as last evaluated when saved (for the screening log); the rules are re-run
    # whenever a decision is made.
    eligible = models.BooleanField(null=True, blank=True, editable=False)
    failed_criteria = models.JSONField(default=list, blank=True, editable=False)
    missing_criteria = models.JSONField(default=list, blank=True, editable=False)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return gettext("Screening of %(participant)s") % {"participant": self.participant}


class Consent(ClinicalRecord):
    """Informed consent (PROTOCOL §1 I9) and its withdrawal."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="consents")
    icf_version = models.CharField(_("Consent form version"), max_length=30)
    consent_date = models.DateField()
    obtained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_on = models.DateField(null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-consent_date", "-id"]

    def __str__(self) -> str:
        return gettext("Consent %(version)s on %(date)s") % {
            "version": self.icf_version, "date": f"{self.consent_date:%Y-%m-%d}"
        }


class EligibilitySignature(ClinicalRecord):
    """An investigator's electronic signature of eligibility: who, when, what it means, and the
    exact criteria outcome signed (valid only while the screening stays at the signed version)."""

    audit_participant_lookup = "participant_id"
    # Stored in English with each signature (and as its audit reason); shown translated (gettext(MEANING)).
    MEANING = gettext_noop("I confirm this patient is eligible")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="eligibility_signatures")
    screening_version = models.PositiveIntegerField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=200, default=MEANING)
    enrolment_date = models.DateField(help_text=_("The planned enrolment date the criteria were evaluated against."))
    criteria = models.JSONField(help_text=_("Each criterion's id, status and reason, as signed."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-signed_at"]
        permissions = [("sign_eligibility", "Can sign eligibility (investigator)")]

    def __str__(self) -> str:
        return gettext("Eligibility signed by %(name)s at %(when)s") % {
            "name": self.signer_name, "when": f"{self.signed_at:%Y-%m-%d %H:%M}"
        }


# --- Visits (PROTOCOL §4; the paper's Table 2) ----------------------------------------------------

UNSCHEDULED = "unscheduled"


class VisitOutcome(models.TextChoices):
    DONE = "done", pgettext_lazy("visit outcome", "Done")
    MISSED = "missed", pgettext_lazy("visit outcome", "Missed")


class Visit(ClinicalRecord):
    """A visit of the schedule (``trialsite.protocol.visits``; ``visit_code`` as in
    ``enrollment.rules.visits.visit_schedule``) recorded as done on a date or missed with a reason, or
    an unscheduled visit (``visit_code`` "unscheduled", with its reason). A scheduled visit done
    outside its window carries a note saying why."""

    audit_participant_lookup = "participant_id"

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="visits")
    visit_code = models.CharField(_("Visit"), max_length=20)
    outcome = models.CharField(max_length=8, choices=VisitOutcome.choices, default=VisitOutcome.DONE)
    visit_date = models.DateField(_("Date of the visit"), null=True, blank=True)
    missed_reason = models.TextField(_("Why the visit was missed"), blank=True)
    window_note = models.TextField(_("Why the visit is outside its window"), blank=True)
    unscheduled_reason = models.TextField(_("Reason for the unscheduled visit"), blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "visit_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "visit_code"],
                condition=~models.Q(visit_code=UNSCHEDULED),
                name="scheduled_visit_once_per_participant",
            )
        ]

    def __str__(self) -> str:
        when = f"{self.visit_date:%Y-%m-%d}" if self.visit_date else self.get_outcome_display().lower()
        return gettext("Visit %(code)s (%(when)s)") % {"code": self.visit_code, "when": when}

    @property
    def unscheduled(self) -> bool:
        return self.visit_code == UNSCHEDULED


class VisitFormState(models.TextChoices):
    ENTERED = "entered", pgettext_lazy("form state", "Entered")
    NOT_DONE = "not_done", pgettext_lazy("form state", "Not done")


class VisitForm(ClinicalRecord):
    """What became of one form a done visit expects (``trialsite.protocol.visits`` forms): entered,
    or not done with a reason. A form with no row (and no record the system finds itself) is missing."""

    audit_participant_lookup = "visit__participant_id"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="forms")
    form = models.CharField(max_length=30)
    state = models.CharField(max_length=10, choices=VisitFormState.choices)
    reason = models.TextField(_("Why it was not done"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["visit", "form"]
        constraints = [models.UniqueConstraint(fields=["visit", "form"], name="visit_form_once")]

    def __str__(self) -> str:
        return f"{self.form}: {self.get_state_display()}"


class FlagKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    DUE_NOW = "due_now", _("Due now")
    OVERDUE = "overdue", _("Overdue")


class VisitFlag(models.Model):
    """A worklist flag the daily task ``flag_visits_due`` keeps: one row per (participant, visit, kind),
    open while it applies (``closed_at`` None) and closed when it no longer does.

    Operational data derived from the schedule and the visit records, not clinical data: the task
    writes it in bulk (no audit history), and running it again changes nothing.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="visit_flags")
    visit_code = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=FlagKind.choices)
    target_date = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["window_start", "participant", "visit_code"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "visit_code", "kind"], name="one_flag_per_visit_kind")
        ]
        indexes = [models.Index(fields=["closed_at", "kind"])]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.visit_code}: {self.get_kind_display()}"
