"""Load screening records in bulk from a CSV file whose columns are the keys of
``enrollment.rules.eligibility.evaluate`` (plus the participant's initials and screening date).

Every row is validated (types, plausibility, registration rules); if any row is bad, each problem
is reported with its line number and nothing from the file is saved.
"""

import csv
import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.progress import plain, progress_due, progress_line
from enrollment import services
from enrollment.models import Screening
from enrollment.rules.screening_input import EVENT_QUESTIONS, SCREENING_KEYS

IDENTITY_COLUMNS = ("initials", "date_of_birth", "screening_date")
CONSENT_COLUMNS = ("consent_date", "icf_version")
DATE_COLUMNS = {
    f.name for f in Screening._meta.fields if f.get_internal_type() == "DateField"
} | {"date_of_birth", "screening_date", "consent_date"}
BOOLEAN_COLUMNS = {f.name for f in Screening._meta.fields if f.get_internal_type() == "BooleanField"}
NUMBER_COLUMNS = {f.name for f in Screening._meta.fields if f.get_internal_type() == "DecimalField"} | {"ecog"}
TEXT_COLUMNS = {"figo_stage", "histology", "pi_confirms_ccrt_by", "icf_version", "initials"}
KNOWN_COLUMNS = set(IDENTITY_COLUMNS) | set(CONSENT_COLUMNS) | set(SCREENING_KEYS) | set(EVENT_QUESTIONS) | {
    "planned_enrolment_date", "histology", "biopsy_date", "pi_confirms_ccrt_by", "pi_confirms_ccrt_on",
    "pregnancy_test_date",
}
TRUE = {"yes", "y", "true", "1"}
FALSE = {"no", "n", "false", "0"}


class RowError(Exception):
    pass


def _parse(column: str, raw: str):
    text = raw.strip()
    if text == "":
        return None
    if column in DATE_COLUMNS:
        try:
            return datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise RowError(f"{column}: '{text}' is not a date (use YYYY-MM-DD)") from exc
    if column in BOOLEAN_COLUMNS:
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise RowError(f"{column}: '{text}' is not yes/no")
    if column in NUMBER_COLUMNS:
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise RowError(f"{column}: '{text}' is not a number") from exc
        if not number.is_finite():
            raise RowError(f"{column}: '{text}' is not a number")
        if column == "ecog":
            if number != number.to_integral_value():
                raise RowError(f"ecog: '{text}' is not a whole number")
            return int(number)
        return number
    return text


def row_values(row: dict[str, str]) -> tuple[dict, dict, dict]:
    """(identity, consent, screening values) of one CSV row; raises RowError."""
    parsed = {column: _parse(column, raw or "") for column, raw in row.items()}
    identity = {c: parsed.get(c) for c in IDENTITY_COLUMNS}
    missing = [c for c, v in identity.items() if v is None]
    if missing:
        raise RowError(f"{', '.join(missing)} required")
    consent = {c: parsed.get(c) for c in CONSENT_COLUMNS}
    screening = {c: v for c, v in parsed.items() if c not in IDENTITY_COLUMNS and c not in CONSENT_COLUMNS}
    # A "most recent event" date column that is present but blank means there was no such event
    # (the evaluate() convention); a date means there was one.
    for date_key, question in EVENT_QUESTIONS.items():
        if date_key in row and question not in row:
            screening[question] = screening.get(date_key) is not None
    return identity, consent, screening


class Command(BaseCommand):
    help = "Import screening records from a CSV file (all or nothing). Columns: the keys of evaluate()."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="User name recorded in the audit trail as the one entering the data.")

    def handle(self, *args, file: Path, user: str, **options):
        try:
            entered_by = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No active user '{user}'.") from exc
        if not file.exists():
            raise CommandError(f"{file} does not exist.")
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            unknown = sorted(set(reader.fieldnames or ()) - KNOWN_COLUMNS)
            if unknown:
                raise CommandError(f"line 1: unknown column(s): {', '.join(unknown)}. Nothing was imported.")
            rows = list(enumerate(reader, start=2))
        errors: list[str] = []
        imported = []
        with transaction.atomic():
            for done, (line, row) in enumerate(rows, start=1):
                self._progress(done, len(rows), options["verbosity"])
                try:
                    with transaction.atomic():
                        imported.append(self._import_row(row, entered_by, file.name))
                except RowError as error:
                    errors.append(f"line {line}: {error}")
                except ValidationError as error:
                    details = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
                    for field, messages in details.items():
                        prefix = f"{field}: " if field and field != "__all__" else ""
                        errors.extend(f"line {line}: {prefix}{message}" for message in messages)
            if errors:
                transaction.set_rollback(True)
        if errors:
            raise CommandError("Nothing was imported.\n" + "\n".join(errors))
        self.stdout.write(self.style.SUCCESS(f"Imported {len(imported)} screening record(s): {', '.join(imported)}"))

    def _progress(self, done: int, total: int, verbosity: int) -> None:
        # On stderr: stdout is the result alone, for scripts that read it.
        if verbosity >= 1 and progress_due(done, total):
            self.stderr.write(progress_line(done, total, "rows checked"), style_func=plain)
            self.stderr.flush()

    def _import_row(self, row, user, source) -> str:
        identity, consent, screening = row_values(row)
        participant = services.participant_create(user=user, **identity)
        if consent["consent_date"] is not None:
            services.consent_record(
                participant=participant, user=user, icf_version=consent["icf_version"] or "not recorded",
                consent_date=consent["consent_date"],
            )
        services.screening_save(participant=participant, user=user, values=screening, reason=f"Imported from {source}")
        return participant.screening_number
