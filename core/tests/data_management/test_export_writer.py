"""The study export's ZIP read back with Python's csv module: every record and column of every form,
the dictionary, the audit trail, the query log and the README; pseudonymised unless identified."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

import trialsite
from core.crf import crf_models
from core.data_management.exports import services
from core.data_management.exports.columns import column_name, unit_of
from core.data_management.exports.forms import form_file_name, form_tables
from core.models import DataQuery, QueryMessage
from core.services import clinical_record_save
from dosing.models import Anthropometrics
from efficacy.tests import factories as efficacy_factories
from enrollment.models import Participant, Screening
from enrollment.tests.factories import participant_registered
from toxicity.models import LabPanel
from toxicity.tests.factories import adverse_event_recorded

User = get_user_model()

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=60)
NOW = timezone.now()
SCREENED_INITIALS = "QZXK"
SCREENED_BORN = datetime.date(1961, 11, 23)
CHANGE_REASON = "Description completed from the source notes"


@pytest.fixture
def study(coordinator, investigator, data_manager):
    """An enrolled, treated participant (dose, adverse event corrected once, baseline tumour
    assessment, a data query) and a participant still in screening."""
    treated = efficacy_factories.treated_participant(
        coordinator=coordinator, investigator=investigator, treatment_start=START
    )
    screened = participant_registered(user=coordinator, initials=SCREENED_INITIALS, date_of_birth=SCREENED_BORN)
    Anthropometrics.objects.create(
        participant=treated, measured_on=START, height_cm=Decimal("160.0"), weight_kg=Decimal("55.4"),
        bsa_formula="mosteller", bsa_m2=Decimal("1.57"), recorded_by=coordinator,
    )  # fmt: skip
    ae = adverse_event_recorded(participant=treated, user=coordinator, onset_date=START + datetime.timedelta(days=3))
    ae.refresh_from_db()
    ae.description = "Nausea after the first infusion"
    clinical_record_save(instance=ae, user=coordinator, reason=CHANGE_REASON, expected_version=ae.version)
    assessment = efficacy_factories.baseline(treated, on=START - datetime.timedelta(days=10))
    query = DataQuery.objects.create(
        content_type=ContentType.objects.get_for_model(ae), object_id=ae.pk, participant=treated,
        field_name="grade", field_label="Worst grade", form_label="Adverse event", record_label=str(ae),
        text="Grade 2 in the source?", raised_by=data_manager, raised_at=NOW,
    )  # fmt: skip
    QueryMessage.objects.create(query=query, action="raise", text="Grade 2 in the source?", user=data_manager, at=NOW)
    return {"treated": treated, "screened": screened, "ae": ae, "assessment": assessment, "query": query}


def _export(tmp_path, *, identified=False, on_progress=None) -> zipfile.ZipFile:
    path = tmp_path / "export.zip"
    services.study_export_write(
        path=path, identified=identified, now=NOW, requested_by="dm", job_id=7, on_progress=on_progress
    )
    return zipfile.ZipFile(path)


def _read(archive: zipfile.ZipFile, name: str) -> tuple[list[str], list[dict]]:
    with archive.open(name) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _all_csv_cells(archive: zipfile.ZipFile):
    for name in archive.namelist():
        if name.endswith(".csv"):
            header, rows = _read(archive, name)
            yield name, header, rows


# --- forms ----------------------------------------------------------------------------------------------


def test_every_form_has_a_csv_with_one_row_per_record_and_every_column(study, tmp_path):
    archive = _export(tmp_path)
    for table in form_tables(identified=False):
        header, rows = _read(archive, table.file_name)
        assert header == table.header, table.file_name
        assert sorted(int(row["id"]) for row in rows) == sorted(table.model.objects.values_list("pk", flat=True))
    assert len(_read(archive, "forms/enrollment_participant.csv")[1]) == 2
    assert len(_read(archive, "forms/efficacy_lesion.csv")[1]) == 1


def test_every_stored_field_of_every_form_is_a_column(study, tmp_path):
    """Identified: every field is there (links to users by name, other links by id, plain fields by
    their column name)."""
    archive = _export(tmp_path, identified=True)
    for model in crf_models():
        header, _ = _read(archive, form_file_name(model))
        for field in model._meta.concrete_fields:
            if field.primary_key:
                expected = "id"
            elif field.is_relation:
                expected = field.name if field.related_model is User else field.attname
            else:
                expected = column_name(field)
            assert expected in header, (model, field.name)
            if field.choices:
                assert f"{expected}_label" in header, (model, field.name)


def test_values_are_coded_with_labels_iso_dates_usernames_and_units_in_column_names(study, tmp_path, coordinator):
    archive = _export(tmp_path)
    ae = study["ae"]
    _, aes = _read(archive, "forms/toxicity_adverseevent.csv")
    (row,) = aes
    assert row["study_number"] == study["treated"].study_number
    assert row["participant_id"] == str(study["treated"].pk)
    assert row["outcome"] == "not_recovered"
    assert row["outcome_label"] == ae.get_outcome_display()
    assert row["onset_date"] == (START + datetime.timedelta(days=3)).isoformat()
    assert row["recorded_by"] == coordinator.username
    assert row["term_label"] == "Nausea" and row["term_id"] == str(ae.term_id)
    assert row["ongoing"] == "1" and row["serious"] == "0"
    assert datetime.datetime.fromisoformat(row["created_at"]).utcoffset() is not None

    _, measures = _read(archive, "forms/dosing_anthropometrics.csv")
    assert measures[0]["weight_kg"] == "55.4" and measures[0]["height_cm"] == "160.0"
    header, screenings = _read(archive, "forms/enrollment_screening.csv")
    assert "alt_u_per_l" in header and "alt" not in header
    assert "bilirubin_uln_umol_per_l" in header and "hemoglobin_g_dl" in header
    assert screenings[0]["alt_u_per_l"] == "22.0"


def test_unit_comes_from_the_field_name_or_a_unit_only_help_text():
    alt = Screening._meta.get_field("alt")
    assert (unit_of(alt), column_name(alt)) == ("U/L", "alt_u_per_l")
    weight = Anthropometrics._meta.get_field("weight_kg")
    assert (unit_of(weight), column_name(weight)) == ("kg", "weight_kg")
    ecog = Screening._meta.get_field("ecog")  # help text "0-5" is not a unit
    assert (unit_of(ecog), column_name(ecog)) == ("", "ecog")


# --- pseudonymised / identified ------------------------------------------------------------------------


def test_pseudonymised_export_has_no_initials_or_dates_of_birth_anywhere(study, tmp_path):
    archive = _export(tmp_path)
    participants = list(Participant.objects.all())
    births = {p.date_of_birth.isoformat() for p in participants}
    initials = {p.initials for p in participants}
    for name, header, rows in _all_csv_cells(archive):
        assert not {"initials", "date_of_birth", "record_label"} & set(header), name
        for row in rows:
            assert not initials & set(row.values()), (name, row)
            assert row.get("field") not in ("initials", "date_of_birth", "record_label"), (name, row)
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8")
        assert not any(born in text for born in births), name
        assert f"({SCREENED_INITIALS})" not in text and SCREENED_INITIALS not in text, name

    _, people = _read(archive, "forms/enrollment_participant.csv")
    screened = next(row for row in people if row["screening_number"] == study["screened"].screening_number)
    assert screened["study_number"] == ""
    assert screened["age_years"] == str(_age(SCREENED_BORN, study["screened"].screening_date))


def _age(born, on):
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_identified_export_keeps_initials_and_dates_of_birth(study, tmp_path):
    archive = _export(tmp_path, identified=True)
    header, people = _read(archive, "forms/enrollment_participant.csv")
    assert {"initials", "date_of_birth", "age_years"} <= set(header)
    screened = next(row for row in people if row["screening_number"] == study["screened"].screening_number)
    assert screened["initials"] == SCREENED_INITIALS
    assert screened["date_of_birth"] == SCREENED_BORN.isoformat()
    _, trail = _read(archive, "audit_trail.csv")
    assert any(row["field"] == "initials" and row["new_value"] == SCREENED_INITIALS for row in trail)
    _, log = _read(archive, "query_log.csv")
    assert log[0]["record_label"] == study["query"].record_label


def test_rows_of_forms_without_a_direct_participant_link_carry_the_study_number(study, tmp_path):
    archive = _export(tmp_path)
    _, lesions = _read(archive, "forms/efficacy_lesion.csv")
    assert lesions[0]["study_number"] == study["treated"].study_number
    assert lesions[0]["baseline_id"] == str(study["assessment"].pk)


# --- dictionary, audit trail, query log, README --------------------------------------------------------


def test_dictionary_lists_every_column_of_every_csv(study, tmp_path):
    archive = _export(tmp_path)
    header, entries = _read(archive, "dictionary.csv")
    assert header == ["variable", "label", "type", "unit", "allowed_values", "form", "file", "description"]
    described: dict[str, list[str]] = {}
    for entry in entries:
        described.setdefault(entry["file"], []).append(entry["variable"])
    csv_files = [name for name in archive.namelist() if name.endswith(".csv") and name != "dictionary.csv"]
    assert sorted(described) == sorted(csv_files)
    for name in csv_files:
        assert described[name] == _read(archive, name)[0], name
    outcome = next(e for e in entries if e["file"] == "forms/toxicity_adverseevent.csv" and e["variable"] == "outcome")
    assert "not_recovered=" in outcome["allowed_values"] and outcome["form"] == "Adverse event"
    alt = next(e for e in entries if e["variable"] == "alt_u_per_l")
    assert (alt["unit"], alt["type"], alt["label"]) == ("U/L", "decimal", "ALT")
    serious = next(e for e in entries if e["file"] == "forms/toxicity_adverseevent.csv" and e["variable"] == "serious")
    assert (serious["type"], serious["allowed_values"]) == ("boolean", "1=Yes|0=No")


def test_audit_trail_has_the_correction_with_old_and_new_value_who_and_reason(study, tmp_path, coordinator):
    archive = _export(tmp_path)
    _, trail = _read(archive, "audit_trail.csv")
    (change,) = [row for row in trail if row["table"] == "toxicity_adverseevent" and row["action"] == "changed"]
    assert change["field"] == "description"
    assert change["old_value"] == "" and change["new_value"] == "Nausea after the first infusion"
    assert change["reason"] == CHANGE_REASON
    assert change["who"] == coordinator.username
    assert change["study_number"] == study["treated"].study_number
    assert change["record_id"] == str(study["ae"].pk) and change["form"] == "Adverse event"
    created = [row for row in trail if row["table"] == "toxicity_adverseevent" and row["action"] == "created"]
    assert {"grade", "onset_date", "recorded_by"} <= {row["field"] for row in created}
    assert next(row for row in created if row["field"] == "recorded_by")["new_value"] == coordinator.username
    assert any(row["table"] == "core_dataquery" and row["action"] == "created" for row in trail)


def test_query_log_has_the_raised_query(study, tmp_path, data_manager):
    archive = _export(tmp_path)
    _, log = _read(archive, "query_log.csv")
    (step,) = log
    assert step["query_id"] == str(study["query"].pk)
    assert (step["table"], step["record_id"], step["field"]) == ("toxicity_adverseevent", str(study["ae"].pk), "grade")
    assert (step["action"], step["query_status"], step["who"]) == ("raise", "open", data_manager.username)
    assert step["message"] == "Grade 2 in the source?"
    assert step["study_number"] == study["treated"].study_number
    assert "record_label" not in step


def test_readme_states_the_export_time_version_kind_and_files(study, tmp_path):
    archive = _export(tmp_path)
    readme = archive.read("README.txt").decode("utf-8")
    assert f"Exported at: {timezone.localtime(NOW).isoformat()}" in readme
    assert f"Software version: {trialsite.__version__}\n" in readme
    assert "Export: pseudonymised" in readme
    assert "forms/toxicity_adverseevent.csv: 1" in readme
    assert "date_of_birth, initials" in readme


def test_software_version_is_unknown_when_the_package_declares_none(monkeypatch):
    monkeypatch.delattr(trialsite, "__version__")
    assert services.software_version() == "unknown"


def test_sdtm_domains_are_in_the_zip_when_the_sdtm_module_is_present(study, tmp_path):
    import importlib.util

    if importlib.util.find_spec(services.SDTM_MODULE) is None:
        pytest.skip("core/data_management/exports/sdtm.py is not installed: the export has no SDTM domains")
    from core.data_management.exports.sdtm import sdtm_domains

    archive = _export(tmp_path)
    for domain in sdtm_domains(identified=False):
        header, rows = _read(archive, f"sdtm/{domain.name}.csv")
        assert header == list(domain.header)
    _, ae = _read(archive, "sdtm/AE.csv")
    assert len(ae) == 1
    _, dm = _read(archive, "sdtm/DM.csv")
    assert dm and f"sdtm/DM.csv: {len(dm)}" in archive.read("README.txt").decode("utf-8")


def test_an_export_without_the_sdtm_module_has_no_sdtm_folder(study, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "SDTM_MODULE", "core.data_management.exports.no_such_module")
    archive = _export(tmp_path)
    assert not [name for name in archive.namelist() if name.startswith("sdtm/")]
    assert "forms/toxicity_adverseevent.csv" in archive.namelist()


# --- progress and streaming ------------------------------------------------------------------------------


def test_progress_is_reported_per_file_and_ends_complete(study, tmp_path):
    reports = []
    _export(tmp_path, on_progress=reports.append)
    steps = [report.step for report in reports]
    assert "Form: Adverse event" in steps and "Audit trail" in steps and "Query log" in steps
    assert [r.done for r in reports] == sorted(r.done for r in reports)
    last = reports[-1]
    assert (last.step, last.done) == ("Done", last.total)
    assert last.rows_written > 0


def test_rows_are_read_in_chunks_and_memory_stays_flat_as_the_data_grows(coordinator, tmp_path, monkeypatch):
    """The writer holds one chunk of records at a time: exporting four times as many rows takes about
    the same memory."""
    import tracemalloc

    from core.data_management.exports import audit, forms

    monkeypatch.setattr(forms, "CHUNK_SIZE", 50)
    monkeypatch.setattr(audit, "CHUNK_SIZE", 50)
    participant = participant_registered(user=coordinator)
    note = "x" * 2000  # large rows, so that holding them would show

    def add(count):
        for _ in range(count):
            LabPanel.objects.create(participant=participant, collected_on=START, laboratory="Central", note=note)

    def peak() -> int:
        tracemalloc.start()
        services.study_export_write(path=tmp_path / "m.zip", identified=False, now=NOW, requested_by="dm")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    add(100)
    peak()  # the first export also loads modules and caches
    small = peak()
    add(300)
    large = peak()
    # 300 more rows of 2 KB each (600 KB in the form CSV, as much again in the audit trail) add
    # next to nothing; holding them would add at least 600 KB.
    assert large - small < 250_000, (small, large)
