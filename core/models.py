"""The base of every clinical record, the counters that hand out participant numbers, task runs,
and the data-management records: queries, source data verification, locks and study exports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ClinicalRecord(models.Model):
    """Abstract base of every clinical model.

    - ``version`` is the optimistic lock: a save made from a form that loaded an older version is
      refused (see ``core.services.clinical_record_save``), so no write is silently lost.
    - Concrete models declare ``history = HistoricalRecords()`` (django-simple-history) so every
      change is recorded with user, time, changed values and the reason for change, and
      ``audit_participant_lookup``: the lookup from the model to the participant's primary key,
      which puts its history on the participant's audit page.
    """

    audit_participant_lookup: str | None = None

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NumberSequence(models.Model):
    """A named counter (screening numbers, study numbers). Values are taken under a row lock, so two
    people registering at the same moment never get the same number."""

    name = models.CharField(max_length=50, unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class TaskRun(models.Model):
    """The last runs of one Celery task (by dotted name), kept by the worker's task signals, so the
    health page can say when each periodic task last succeeded."""

    task = models.CharField(max_length=200, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    successes = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["task"]

    def __str__(self) -> str:
        return self.task


# --- Data management (queries, source data verification, locks, exports) ----------------------------
# Each points at any CRF record through a content type and primary key (``core.crf`` lists the CRF
# models); the participant is stored too, for the per-participant lists and locks.


class QueryStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("query status", "Open")
    ANSWERED = "answered", pgettext_lazy("query status", "Answered")
    CLOSED = "closed", pgettext_lazy("query status", "Closed")


class QueryOrigin(models.TextChoices):
    MANUAL = "manual", _("Raised by a person")
    AUTOMATIC = "automatic", _("Edit check")


class DataQuery(models.Model):
    """A discrepancy note on one field (or the whole) of one CRF record. Raised by a monitor or data
    manager (or an edit check), answered by the site, closed or re-opened by the raiser's side.
    Every step is a ``QueryMessage``; the query itself is audited."""

    audit_participant_lookup = "participant_id"

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="data_queries", null=True, blank=True
    )
    field_name = models.CharField(max_length=100, blank=True, help_text=_("Blank: the record as a whole."))
    field_label = models.CharField(max_length=200, blank=True)
    form_label = models.CharField(max_length=100)
    record_label = models.CharField(max_length=200)
    text = models.TextField(pgettext_lazy("data query", "Question"))
    status = models.CharField(max_length=10, choices=QueryStatus.choices, default=QueryStatus.OPEN)
    origin = models.CharField(max_length=10, choices=QueryOrigin.choices, default=QueryOrigin.MANUAL)
    check_code = models.CharField(max_length=60, blank=True, help_text=_("The edit check that raised it."))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    raised_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["status", "raised_at"]),
        ]
        permissions = [
            ("raise_query", "Can raise and close data queries"),
            ("answer_query", "Can answer data queries"),
        ]

    def __str__(self) -> str:
        return gettext("Query #%(number)s on %(record)s") % {"number": self.pk, "record": self.record_name}

    # The labels below are stored as they read when the query was raised, in English (the query log of
    # the study export reads them); pages show the form's and the field's names in the reader's language.

    def _crf_model(self):
        from django.contrib.contenttypes.models import ContentType

        try:
            return ContentType.objects.get_for_id(self.content_type_id).model_class()
        except ContentType.DoesNotExist:
            return None

    @property
    def form_name(self) -> str:
        """The form's name in the active language (the stored ``form_label`` when the form is gone)."""
        from .crf import form_label

        model = self._crf_model()
        return form_label(model) if model is not None else self.form_label

    @property
    def field_name_label(self) -> str:
        """The queried field's name in the active language ("" for the record as a whole)."""
        from django.core.exceptions import FieldDoesNotExist
        from django.utils.text import capfirst

        model = self._crf_model()
        if not self.field_name or model is None:
            return self.field_label
        try:
            return capfirst(str(model._meta.get_field(self.field_name).verbose_name))
        except FieldDoesNotExist:
            return self.field_label

    @property
    def record_name(self) -> str:
        """The record's stored name, translated when it is one of the fixed names (e.g. "Screening")."""
        from .data_management.queries.record_urls import FIXED_LABELS

        return gettext(self.record_label) if self.record_label in FIXED_LABELS else self.record_label


class QueryAction(models.TextChoices):
    RAISE = "raise", pgettext_lazy("query step", "Raised")
    ANSWER = "answer", pgettext_lazy("query step", "Answered")
    CLOSE = "close", pgettext_lazy("query step", "Closed")
    REOPEN = "reopen", pgettext_lazy("query step", "Re-opened")
    AUTO_CLOSE = "auto_close", _("Closed by the edit check (resolved)")


class QueryMessage(models.Model):
    """One step of a query: who did what, when, with which words."""

    audit_participant_lookup = "query__participant_id"

    query = models.ForeignKey(DataQuery, on_delete=models.PROTECT, related_name="messages")
    action = models.CharField(max_length=12, choices=QueryAction.choices)
    text = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return gettext("%(action)s at %(when)s") % {"action": self.get_action_display(), "when": f"{self.at:%Y-%m-%d %H:%M}"}


class SourceVerification(models.Model):
    """A monitor's source data verification of one CRF record at one version: valid only while the
    record stays at that version (any later edit clears it)."""

    audit_participant_lookup = "participant_id"

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="source_verifications", null=True, blank=True
    )
    record_version = models.PositiveIntegerField()
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-verified_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        permissions = [("verify_source", "Can mark CRF records source-verified")]

    def __str__(self) -> str:
        record = f"{self.content_type_id}:{self.object_id}"
        return gettext("SDV of %(record)s v%(version)s") % {"record": record, "version": self.record_version}


class LockScope(models.TextChoices):
    STUDY = "study", _("Whole study")
    PARTICIPANT = "participant", _("Participant")
    RECORD = "record", _("Record")


class DataLock(models.Model):
    """A lock on a record, a participant's data or the whole study: while active (not unlocked), no
    clinical record in its scope can be saved (``core.services.clinical_record_save`` refuses).
    Locking and unlocking each need a reason; both are audited."""

    audit_participant_lookup = "participant_id"

    scope = models.CharField(max_length=12, choices=LockScope.choices)
    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="data_locks", null=True, blank=True
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    record_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(_("Reason for locking"))
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField()
    unlock_reason = models.TextField(_("Reason for unlocking"), blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    unlocked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-locked_at", "-id"]
        indexes = [models.Index(fields=["scope", "unlocked_at"])]
        permissions = [("lock_data", "Can lock and unlock records, participants and the study")]

    def __str__(self) -> str:
        return gettext("%(scope)s lock #%(number)s") % {"scope": self.get_scope_display(), "number": self.pk}


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A study export (a ZIP of CSVs) run by a Celery worker with its progress; audited, so the audit
    trail says who exported what and when."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    identified = models.BooleanField(default=False, help_text=_("With initials and dates of birth."))
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    current_step = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    rows_written = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("export_study", "Can export the study data (pseudonymised)"),
            ("export_identified", "Can export identified data (initials, dates of birth)"),
        ]

    def __str__(self) -> str:
        return gettext("Study export #%(number)s (%(status)s)") % {"number": self.pk, "status": self.get_status_display()}


# --- Study sites (issue 9) -------------------------------------------------------------------------
# Optional: with no Site row the study is single-centre and nothing is restricted. Once sites exist,
# each participant belongs to one site and a user sees only the participants of their own sites
# (``core.sites`` has the rules, ``core.site_access`` enforces them on every participant URL).


class Site(models.Model):
    """A centre that recruits and follows participants. Created and staffed in the admin."""

    code = models.CharField(max_length=20, unique=True, help_text=_("Short code, e.g. 01 or SH-FDU."))
    name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        permissions = [("view_all_sites", "Can see the participants of every site")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SiteMembership(models.Model):
    """A user works at a site: they see (and register) that site's participants. Audited, so the
    audit trail says who gave whom access to which site, and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_memberships")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships")

    history = HistoricalRecords()

    class Meta:
        ordering = ["site__code", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="site_membership_unique")]

    def __str__(self) -> str:
        return gettext("%(user)s at %(site)s") % {"user": self.user, "site": self.site.code}


# --- Worklist snapshots (issue 9, performance) -----------------------------------------------------
# The coordinator's worklist reads, for every participant on treatment, the doses due (the treatment
# calendar computed by the dosing rules) and the visit forms missing. Computing them for the whole
# study on every page view grows with the study, so each participant's result is kept here per day
# and language and computed again only when that participant's data change (``data version``) or the
# day turns. Derived data, rebuilt at will: not audited, never edited by people.


class ParticipantDataVersion(models.Model):
    """A counter bumped by every save or deletion of one of the participant's CRF records, in the
    same transaction (``core.work_snapshots``): a snapshot is valid only for the version it was
    computed from, and the sum of all versions fingerprints the study's data for cached reports
    (``core.study_cache``). Not a database foreign key: a deleted participant's counter may outlive
    it (a record deleted with the participant bumps it during the deletion)."""

    participant = models.OneToOneField(
        "enrollment.Participant",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="data_version",
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.participant_id}: v{self.version}"


class WorklistSnapshot(models.Model):
    """One participant's worklist lines (doses due, visits with missing forms) as computed on
    ``computed_on`` in ``language`` from data version ``version``."""

    participant = models.ForeignKey("enrollment.Participant", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=15)
    computed_on = models.DateField()
    version = models.PositiveBigIntegerField()
    has_work = models.BooleanField(default=False)
    doses = models.JSONField(default=list)
    missing_forms = models.JSONField(default=list)
    missing_form_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "language"], name="worklist_snapshot_unique")
        ]
        indexes = [models.Index(fields=["language", "computed_on", "has_work"], name="worklist_snapshot_work")]

    def __str__(self) -> str:
        return f"Worklist of participant {self.participant_id} on {self.computed_on} ({self.language})"


# --- Language (issue 10) ---------------------------------------------------------------------------


def language_choices():
    """``settings.LANGUAGES``, read when asked, so that the migration refers to this function
    instead of copying the list."""
    return settings.LANGUAGES


class UserLanguage(models.Model):
    """The language a user chose for the pages (``core.language``). It follows the user to every
    device and comes before the language cookie and the browser's preference. A preference, not
    clinical data: not audited."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="language_preference"
    )
    language = models.CharField(max_length=15, choices=language_choices)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
