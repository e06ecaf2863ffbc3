"""CSV downloads of the enrollment list pages: the participant list (same search and status filter),
a participant's audit trail and visit schedule. Each streams what its page shows, ISO dates.

Pseudonymised unless the user has ``core.export_identified``: the participant list gives the age
instead of initials and date of birth, and the audit trail withholds the participant's initials and
date of birth (values and the initials in record names).

The contents are English whatever the user's language (data for statisticians): the selectors run,
and the rows are written while the response streams, under ``translation.override("en")``."""

import functools
from collections.abc import Callable, Iterator

from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.csv_stream import CHUNK_SIZE, csv_response
from core.selectors import participant_audit_trail

from .. import selectors
from ..models import Participant
from ..rules.eligibility import age_in_years

WITHHELD = "(withheld)"


def _number(participant: Participant) -> str:
    return participant.study_number or participant.screening_number


def _stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _iso(day) -> str:
    return day.isoformat() if day is not None else ""


def in_english(rows: Callable[[], Iterator[list]]) -> Callable[[], Iterator[list]]:
    """Produce ``rows`` in English: labels that are still lazy are resolved as each row is written."""

    @functools.wraps(rows)
    def english() -> Iterator[list]:
        with translation.override("en"):
            yield from rows()

    return english


@permission_required("enrollment.view_participant", raise_exception=True)
def participant_list_csv(request):
    identified = request.user.has_perm("core.export_identified")
    participants = selectors.participant_list(
        search=request.GET.get("q", ""), status=request.GET.get("status", ""), user=request.user
    )
    header = ["screening_number", "study_number", "age_years", "status", "status_label", "status_since"]
    if identified:
        header[2:2] = ["initials", "date_of_birth"]
    today = timezone.localdate()

    @in_english
    def rows():
        for participant in participants.iterator(chunk_size=CHUNK_SIZE):
            row = [
                participant.screening_number, participant.study_number or "",
                age_in_years(participant.date_of_birth, today), participant.status,
                participant.get_status_display(), _iso(participant.status_date),
            ]  # fmt: skip
            if identified:
                row[2:2] = [participant.initials, _iso(participant.date_of_birth)]
            yield row

    return csv_response(f"participants_{_stamp()}.csv", header, rows())


AUDIT_COLUMNS = ["study_number", "when", "who", "record_type", "record", "version", "action", "field", "old", "new",
                 "reason"]  # fmt: skip


def _identifying_labels() -> set[str]:
    """How the audit trail labels the participant's identifying fields ("Initials", "Date of birth")."""
    return {str(Participant._meta.get_field(name).verbose_name).capitalize() for name in ("initials", "date_of_birth")}


@permission_required("enrollment.view_audit_trail", raise_exception=True)
def participant_audit_csv(request, pk):
    """Every change to the participant's data, newest first, one row per changed field."""
    participant = get_object_or_404(Participant, pk=pk)
    identified = request.user.has_perm("core.export_identified")
    with translation.override("en"):
        entries = participant_audit_trail(participant.pk)
        participant_type = str(Participant._meta.verbose_name).capitalize()
        labels = _identifying_labels()
    # Every value the initials ever had, as record names show them: "TC-001 (WL)".
    initials = {f" ({value})" for value in participant.history.values_list("initials", flat=True) if value}
    number = _number(participant)

    def pseudonymised(text: str) -> str:
        for shown in initials:
            text = text.replace(shown, "")
        return text

    @in_english
    def rows():
        for entry in entries:
            record = entry.record if identified else pseudonymised(entry.record)
            base = [number, timezone.localtime(entry.when).isoformat(timespec="seconds"), entry.user,
                    entry.record_type, record, entry.version, entry.action]  # fmt: skip
            if not entry.changes:
                yield [*base, "", "", "", entry.reason]
            for change in entry.changes:
                old, new = change.old, change.new
                if not identified and entry.record_type == participant_type and change.label in labels:
                    old, new = (WITHHELD if old else ""), WITHHELD
                yield [*base, change.label, old, new, entry.reason]

    return csv_response(f"audit_trail_{number}_{_stamp()}.csv", AUDIT_COLUMNS, rows())


VISIT_COLUMNS = [
    "study_number", "visit", "target_date", "window_start", "window_end", "status", "actual_date", "forms_entered",
    "forms_missing", "forms_not_done", "outside_window", "window_note", "missed_reason", "unscheduled_reason", "note",
]  # fmt: skip


@permission_required("enrollment.view_visit", raise_exception=True)
def visit_list_csv(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.planned_treatment_start is None:
        raise Http404(_("The visit schedule starts once the participant is enrolled with a treatment start date."))
    with translation.override("en"):
        page = selectors.participant_visit_page(
            participant, today=timezone.localdate(), show_all=request.GET.get("all") == "1"
        )
    number = _number(participant)

    @in_english
    def rows():
        for row in page.rows:
            record, forms = row.record, row.forms
            yield [
                number, row.label, _iso(row.target_date), _iso(row.window_start), _iso(row.window_end),
                row.status_label, _iso(row.actual_date), forms.entered if forms else "", forms.missing if forms else "",
                forms.not_done if forms else "", row.deviation, record.window_note if record else "",
                record.missed_reason if record else "", record.unscheduled_reason if record else "",
                record.note if record else "",
            ]  # fmt: skip

    return csv_response(f"visits_{number}_{_stamp()}.csv", VISIT_COLUMNS, rows())
