"""Load the official NCI CTCAE v5.0 spreadsheet into the term dictionary.

The file is the NCI Excel release (sheet "CTCAE v5.0 Clean Copy"). Its quirks are handled here:
header cells padded with non-breaking spaces, " -" for a grade that does not exist (stored blank),
non-breaking spaces and line breaks inside cells. The whole file is checked and written in one
transaction: a bad file saves nothing. Re-importing the same file changes nothing; only rows whose
text really changed are saved, so the audit trail records only real changes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from openpyxl import load_workbook

from toxicity.models import CtcaeTerm, TermSource

SHEET = "CTCAE v5.0 Clean Copy"
NOT_APPLICABLE = {"-", "–"}  # CTCAE's mark for a grade (or definition) that does not exist

# model field -> normalised spreadsheet header
COLUMNS = {
    "meddra_code": "meddra code",
    "soc": "meddra soc",
    "term": "ctcae term",
    "grade_1": "grade 1",
    "grade_2": "grade 2",
    "grade_3": "grade 3",
    "grade_4": "grade 4",
    "grade_5": "grade 5",
    "definition": "definition",
    "navigational_note": "navigational note",
}
TEXT_FIELDS = tuple(field for field in COLUMNS if field != "meddra_code")


class CtcaeImportError(ValueError):
    """The file cannot be imported; the message says why (and where)."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"{self.total} terms: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def normalise_header(value: object) -> str:
    return " ".join(str(value or "").replace("\xa0", " ").split()).lower()


def clean_text(value: object) -> str:
    """Cell text as stored: NBSPs as spaces, line breaks as "\\n", outer blanks stripped, "-" as ""."""
    if value is None:
        return ""
    text = str(value).replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.strip() for line in text.split("\n")).strip()
    return "" if text in NOT_APPLICABLE else text


def _meddra_code(value: object, row_number: int) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        code = value
    elif isinstance(value, float) and value.is_integer():
        code = int(value)
    else:
        text = clean_text(value)
        if not text.isdigit():
            raise CtcaeImportError(f"Row {row_number}: the MedDRA code {text!r} is not a whole number.")
        code = int(text)
    if code <= 0:
        raise CtcaeImportError(f"Row {row_number}: the MedDRA code {code} is not a positive number.")
    return code


def _column_indexes(header: tuple) -> dict[str, int]:
    positions = {normalise_header(cell): index for index, cell in enumerate(header) if normalise_header(cell)}
    missing = [name for name in COLUMNS.values() if name not in positions]
    if missing:
        found = ", ".join(repr(name) for name in positions) or "none"
        raise CtcaeImportError(
            f"Sheet {SHEET!r} has no column {', '.join(repr(name) for name in missing)} (columns found: {found})."
        )
    return {field: positions[name] for field, name in COLUMNS.items()}


def read_terms(path: Path | str) -> list[dict]:
    """Every term of the file as a dict of model field values; raises ``CtcaeImportError``."""
    path = Path(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise CtcaeImportError(f"{path} does not exist.") from exc
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise CtcaeImportError(f"{path.name} is not an Excel workbook (.xlsx): {exc}") from exc
    try:
        if SHEET not in workbook.sheetnames:
            raise CtcaeImportError(
                f"{path.name} has no sheet {SHEET!r}; its sheets are: {', '.join(map(repr, workbook.sheetnames))}."
            )
        rows = workbook[SHEET].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise CtcaeImportError(f"Sheet {SHEET!r} is empty.")
        columns = _column_indexes(header)
        terms: list[dict] = []
        seen_codes: dict[int, int] = {}
        seen_terms: dict[str, int] = {}
        for row_number, row in enumerate(rows, start=2):
            if all(clean_text(cell) == "" for cell in row):
                continue
            cells = {field: (row[index] if index < len(row) else None) for field, index in columns.items()}
            values = {field: clean_text(cells[field]) for field in TEXT_FIELDS}
            values["meddra_code"] = _meddra_code(cells["meddra_code"], row_number)
            if not values["term"]:
                raise CtcaeImportError(f"Row {row_number}: the CTCAE term is blank.")
            if not values["soc"]:
                raise CtcaeImportError(f"Row {row_number}: the MedDRA SOC of {values['term']!r} is blank.")
            code, term = values["meddra_code"], values["term"]
            if code in seen_codes:
                raise CtcaeImportError(
                    f"Row {row_number}: MedDRA code {code} is already used in row {seen_codes[code]}."
                )
            if term.lower() in seen_terms:
                raise CtcaeImportError(
                    f"Row {row_number}: the term {term!r} is already listed in row {seen_terms[term.lower()]}."
                )
            seen_codes[code] = row_number
            seen_terms[term.lower()] = row_number
            terms.append(values)
    finally:
        workbook.close()
    if not terms:
        raise CtcaeImportError(f"Sheet {SHEET!r} has no terms.")
    return terms


def ctcae_import(*, path: Path | str, user: AbstractBaseUser | None = None,
                 progress: Callable[[int, int], None] | None = None) -> ImportResult:  # fmt: skip
    """Create or update a ``CtcaeTerm`` for every row of the official spreadsheet at ``path``.

    A row is matched to an existing term by MedDRA code, else by term (so a built-in term typed
    with another code is corrected, not duplicated). Terms not in the file are left alone.
    ``progress(done, total)`` is called after each term is saved (or found unchanged).
    """
    path = Path(path)
    terms = read_terms(path)
    with transaction.atomic():
        return _save_terms(terms, reason=f"Imported from {path.name}", user=user, progress=progress)


def _save_terms(terms: list[dict], *, reason: str, user: AbstractBaseUser | None,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:  # fmt: skip
    by_code = {t.meddra_code: t for t in CtcaeTerm.objects.select_for_update()}
    by_term = {t.term.lower(): t for t in by_code.values()}
    outcomes = {"created": 0, "updated": 0, "unchanged": 0}
    for done, values in enumerate(terms, start=1):
        outcomes[_save_term(values, by_code, by_term, reason=reason, user=user)] += 1
        if progress is not None:
            progress(done, len(terms))
    return ImportResult(**outcomes)


def _save_term(values: dict, by_code: dict, by_term: dict, *, reason: str, user: AbstractBaseUser | None) -> str:
    """Save one term of the file: "created", "updated" or "unchanged"."""
    values["source"] = TermSource.NCI_IMPORT
    existing = by_code.get(values["meddra_code"]) or by_term.get(values["term"].lower())
    if existing is None:
        record, outcome = CtcaeTerm(**values), "created"
    elif all(getattr(existing, field) == value for field, value in values.items()):
        return "unchanged"
    else:
        record, outcome = existing, "updated"
        for field, value in values.items():
            setattr(record, field, value)
    _free_unique_values(record, by_code, by_term, reason, user)
    record._change_reason = reason
    record._history_user = user
    record.full_clean(validate_unique=False)
    record.save()
    by_code[record.meddra_code] = record
    by_term[record.term.lower()] = record
    return outcome


def _free_unique_values(record: CtcaeTerm, by_code: dict, by_term: dict, reason: str, user) -> None:
    """A row the file gives the code (or term) another stored row holds: that other row is a
    built-in with a mistyped code or term; it is removed (with history) so the official row wins.

    A stored term that adverse events already use is never removed behind their back: the import
    is refused (and rolled back) with a message naming both, for a data manager to resolve.
    """
    for other in (by_code.get(record.meddra_code), by_term.get(record.term.lower())):
        if other is not None and other.pk != record.pk and other.pk is not None:
            used_by = other.adverse_events.count()
            if used_by:
                raise CtcaeImportError(
                    f"The file's term {record.term!r} (MedDRA code {record.meddra_code}) conflicts with the stored "
                    f"term {other.term!r} (code {other.meddra_code}), which {used_by} adverse event(s) use; "
                    "nothing was imported. Correct the stored term before importing."
                )
            by_code.pop(other.meddra_code, None)
            by_term.pop(other.term.lower(), None)
            other._change_reason = f"{reason}: replaced by the official term"
            other._history_user = user
            other.delete()
