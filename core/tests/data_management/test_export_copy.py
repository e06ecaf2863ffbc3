"""The export's form CSVs written by PostgreSQL's COPY (``exports.copy_sql``) hold exactly the cells
of the Python path (``FormTable.rows``), column for column, on the same data."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from core.data_management.exports.forms import form_tables
from core.services import clinical_record_save
from dosing.models import Anthropometrics
from efficacy.tests import factories as efficacy_factories
from enrollment.tests.factories import participant_registered
from toxicity.tests.factories import adverse_event_recorded

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's; SQLite uses the Python path"),
]

START = timezone.localdate() - datetime.timedelta(days=60)


@pytest.fixture
def study(coordinator, investigator):
    treated = efficacy_factories.treated_participant(coordinator=coordinator, investigator=investigator,
                                                     treatment_start=START)  # fmt: skip
    participant_registered(user=coordinator, initials="QZ", date_of_birth=datetime.date(1964, 2, 29))
    Anthropometrics.objects.create(participant=treated, measured_on=START, height_cm=Decimal("160.0"),
                                   weight_kg=Decimal("55.40"), bsa_formula="mosteller", bsa_m2=Decimal("1.57"),
                                   recorded_by=coordinator)  # fmt: skip
    ae = adverse_event_recorded(participant=treated, user=coordinator, onset_date=START + datetime.timedelta(days=3))
    ae.refresh_from_db()
    ae.description = 'Nausea, "grade 2"\nafter the first infusion; 恶心'
    ae.sae_awareness_at = timezone.now().replace(microsecond=0)
    clinical_record_save(instance=ae, user=coordinator, reason="Completed from the source", expected_version=ae.version)
    efficacy_factories.baseline(treated, on=START - datetime.timedelta(days=10))
    return treated


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("identified", [False, True])
def test_copy_writes_the_same_cells_as_python(study, identified):
    compared = 0
    for table in form_tables(identified=identified):
        statement = table.copy_statement()
        if statement is None:
            continue
        out = io.BytesIO()
        count = table.write_csv(out)
        python_rows = [list(row) for row in table.rows()]
        assert count == len(python_rows), table.file_name
        copied = _read(out.getvalue())
        for copied_row, python_row in zip(copied[1:], python_rows, strict=True):
            differences = [(name, a, b) for name, a, b in zip(table.header, copied_row, python_row, strict=True) if a != b]
            assert not differences, (table.file_name, differences)
        assert copied[0] == table.header
        compared += 1
    assert compared >= 15  # most forms take the COPY path


def test_forms_with_json_or_times_of_day_take_the_python_path(study):
    tables = {table.model.__name__: table for table in form_tables(identified=False)}
    assert tables["AdverseEvent"].copy_statement() is not None
    assert tables["DoseAdministration"].copy_statement() is None  # times of day
    out = io.BytesIO()
    assert tables["DoseAdministration"].write_csv(out) == len(list(tables["DoseAdministration"].rows()))


def test_a_datetime_with_microseconds_keeps_them(study):
    from toxicity.models import AdverseEvent

    AdverseEvent.objects.filter(participant=study).update(
        sae_awareness_at=datetime.datetime(2025, 6, 2, 0, 30, 0, 250, tzinfo=datetime.UTC)
    )
    table = next(t for t in form_tables(identified=False) if t.model is AdverseEvent)
    out = io.BytesIO()
    table.write_csv(out)
    assert _read(out.getvalue())[1:] == [list(row) for row in table.rows()]
    assert connection.vendor == "postgresql"
