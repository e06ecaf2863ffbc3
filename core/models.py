"""The base of every clinical record, and the counters that hand out participant numbers."""

from django.db import models


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
