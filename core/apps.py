from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Cross-cutting pieces every clinical app uses: roles, the audited clinical-record base with
    optimistic locking and reasons for change, number sequences, the audit trail, health."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import task_monitor, work_snapshots

        task_monitor.connect()  # TaskRun rows, kept by Celery's task signals (worker and eager mode)
        work_snapshots.connect()  # worklist snapshots out of date once a participant's CRF data change
