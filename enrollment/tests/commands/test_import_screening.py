"""`manage.py import_screening FILE.csv`: all rows validated, all or nothing."""

import csv
import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from enrollment.models import Participant
from enrollment.tests.factories import eligible_screening_values

pytestmark = pytest.mark.django_db


def _row(**changes):
    today = timezone.localdate()
    values = eligible_screening_values()
    for question in ("prior_malignancy", "cardiocerebral_event", "immunosuppressant_use", "live_vaccine"):
        values.pop(question)
    row = {"initials": "WL", "date_of_birth": "1975-03-02", "screening_date": (today - datetime.timedelta(days=5)).isoformat(),
           "consent_date": (today - datetime.timedelta(days=4)).isoformat(), "icf_version": "v2.0",
           "prior_malignancy_date": "", "cardiocerebral_event_date": "", "last_immunosuppressant_date": "",
           "last_live_vaccine_date": ""}
    for key, value in values.items():
        row[key] = {True: "yes", False: "no", None: ""}.get(value, value) if isinstance(value, bool | None) else str(value)
    row.update(changes)
    return row


def _write(tmp_path, rows):
    path = tmp_path / "screening.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_imports_every_row_and_evaluates_it(tmp_path, coordinator, capsys):
    path = _write(tmp_path, [_row(), _row(initials="ZXM", neutrophils_10e9_l="1.9")])
    call_command("import_screening", str(path), user=coordinator.username)
    first, second = Participant.objects.order_by("screening_number")
    assert first.screening.eligible is True
    assert second.screening.failed_criteria == ["I4b"]
    assert first.consents.get().icf_version == "v2.0"
    assert "Imported 2" in capsys.readouterr().out


def test_a_bad_row_is_reported_with_its_line_number_and_nothing_is_saved(tmp_path, coordinator):
    path = _write(tmp_path, [_row(), _row(ecog="7"), _row(hemoglobin_g_dl="95"), _row(lab_date="2024-13-01")])
    with pytest.raises(CommandError) as refused:
        call_command("import_screening", str(path), user=coordinator.username)
    message = str(refused.value)
    assert "line 3: ecog: ECOG is 0-5" in message
    assert "line 4: hemoglobin_g_dl:" in message and "looks like g/L" in message
    assert "line 5: lab_date: '2024-13-01' is not a date" in message
    assert "line 2" not in message
    assert not Participant.objects.exists()


def test_unknown_columns_are_refused(tmp_path, coordinator):
    path = _write(tmp_path, [_row(surname="Wang")])
    with pytest.raises(CommandError, match="unknown column"):
        call_command("import_screening", str(path), user=coordinator.username)
    assert not Participant.objects.exists()


def test_missing_identity_is_refused(tmp_path, coordinator):
    path = _write(tmp_path, [_row(date_of_birth="")])
    with pytest.raises(CommandError, match="line 2: date_of_birth required"):
        call_command("import_screening", str(path), user=coordinator.username)
