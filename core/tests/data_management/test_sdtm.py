"""The SDTM-flavoured domains (DM, AE, EX, RS, LB): standard variable names in SDTMIG order, values
from data entered through the real services, study days without a day 0, pseudonymisation, and a
constant number of queries whatever the amount of data."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.csv_stream import csv_lines
from core.data_management.exports import sdtm
from core.data_management.exports.sdtm import ae_action, reference_range_indicator, sdtm_domains, study_day
from core.services import clinical_record_save
from dosing.models import BrachytherapyFraction, RadiotherapyCourse
from dosing.services.doses import anthropometrics_record, dose_administer
from efficacy.tests import factories as efficacy_factories
from enrollment.models import Consent
from enrollment.rules.eligibility import age_in_years
from toxicity.services.labs import lab_panel_record
from toxicity.tests.factories import adverse_event_recorded

START_DAYS_AGO = 150


# --- pure helpers ---------------------------------------------------------------------------------

REFERENCE = datetime.date(2024, 3, 10)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2024, 3, 8), -2),
        (datetime.date(2024, 3, 9), -1),  # the day before the reference: -1, there is no day 0
        (datetime.date(2024, 3, 10), 1),  # the reference day itself is day 1
        (datetime.date(2024, 3, 11), 2),
        (datetime.date(2025, 3, 10), 366),  # 2024 is a leap year
    ],
)
def test_study_day_has_no_day_zero(day, expected):
    assert study_day(day, REFERENCE) == expected


def test_study_day_is_blank_without_a_date_or_a_reference():
    assert study_day(None, REFERENCE) is None
    assert study_day(REFERENCE, None) is None


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["none", "none", "none", "none"], "DOSE NOT CHANGED"),
        (["interrupted", "none", "none", "none"], "MULTIPLE"),
        (["interrupted", "na", "na", "na"], "DRUG INTERRUPTED"),
        (["na", "na", "na", "na"], "NOT APPLICABLE"),
        (["discontinued", "discontinued", "na", "na"], "DRUG WITHDRAWN"),
        (["reduced", "na", "reduced", "na"], "DOSE REDUCED"),
    ],
)
def test_action_taken_is_multiple_only_when_the_treatments_differ(actions, expected):
    assert ae_action(actions) == expected


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        ("6.9", "7", "40", "LOW"),
        ("7", "7", "40", "NORMAL"),  # the limits are within the range
        ("40", "7", "40", "NORMAL"),
        ("40.1", "7", "40", "HIGH"),
        ("100", None, "40", "HIGH"),
        ("0", "0", None, "NORMAL"),
        ("5", None, None, ""),
    ],
)
def test_reference_range_indicator_at_the_limits(value, low, high, expected):
    as_decimal = lambda text: Decimal(text) if text is not None else None  # noqa: E731
    assert reference_range_indicator(Decimal(value), as_decimal(low), as_decimal(high)) == expected


# --- data -----------------------------------------------------------------------------------------


def _start() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=START_DAYS_AGO)


def _treated_with_everything(coordinator, investigator):
    """An enrolled participant with cisplatin week 1 and toripalimab cycle 1 given through the dosing
    service, an EBRT course, a brachytherapy fraction, two adverse events, a lab panel before and
    one after the treatment start, a baseline and three follow-up assessments (two PR confirmed by
    the investigator, the last one awaiting confirmation)."""
    from dosing.tests.factories import participant_enrolled

    start = _start()
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    anthropometrics_record(
        participant=participant, user=coordinator, measured_on=start, height_cm=Decimal(160), weight_kg=Decimal(64)
    )
    dose_administer(participant=participant, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
                    values={"status": "given", "given_on": start, "dose_given_mg": Decimal("68"),
                            "infusion_start": datetime.time(9, 30), "infusion_stop": datetime.time(11, 0)})  # fmt: skip
    dose_administer(participant=participant, user=coordinator, key=("toripalimab", "ccrt", 1, 1),
                    values={"status": "given", "given_on": start, "dose_given_mg": Decimal("240"),
                            "lot_number": "TP-1"})  # fmt: skip
    course = RadiotherapyCourse(
        participant=participant, technique="IMRT", prescription_dose_gy=Decimal("45"), prescribed_fractions=25,
        dose_per_fraction_gy=Decimal("1.8"), start_date=start, end_date=start + datetime.timedelta(days=34),
        fractions_delivered=25, recorded_by=coordinator,
    )  # fmt: skip
    clinical_record_save(instance=course, user=coordinator)
    fraction = BrachytherapyFraction(
        participant=participant, number=1, given_on=start + datetime.timedelta(days=35), hrctv_d90_gy=Decimal("7.2"),
        applicator="tandem_ring", recorded_by=coordinator,
    )  # fmt: skip
    clinical_record_save(instance=fraction, user=coordinator)
    adverse_event_recorded(participant=participant, user=coordinator, term="Nausea", grade=2, onset_date=start)
    adverse_event_recorded(
        participant=participant, user=coordinator, term="Alanine aminotransferase increased", grade=3,
        onset_date=start + datetime.timedelta(days=20), immune_related=True, serious=True,
        sae_hospitalisation=True, sae_awareness_at=timezone.now(), ongoing=False, outcome="recovered", current_grade=0,
        resolution_date=start + datetime.timedelta(days=29), action_toripalimab="interrupted",
    )  # fmt: skip
    lab_panel_record(participant=participant, user=coordinator, collected_on=start - datetime.timedelta(days=3),
                     laboratory="Central lab", values={"hgb": (Decimal("12.5"), Decimal("11.5"), Decimal("15"))})  # fmt: skip
    lab_panel_record(participant=participant, user=coordinator, collected_on=start + datetime.timedelta(days=20),
                     values={"alt": (Decimal("240"), Decimal("7"), Decimal("40"))})  # fmt: skip
    efficacy_factories.baseline(participant, on=start - datetime.timedelta(days=7))
    efficacy_factories.follow_up(participant, on=start + datetime.timedelta(days=56), response="PR",
                                 confirmed_by=investigator)  # fmt: skip
    efficacy_factories.follow_up(participant, on=start + datetime.timedelta(days=91), response="PR",
                                 confirmed_by=investigator)  # fmt: skip
    efficacy_factories.follow_up(participant, on=start + datetime.timedelta(days=120), response="SD")
    participant.refresh_from_db()
    return participant


def _table(domain) -> list[dict]:
    """The domain as written to CSV and read back with csv.reader: one dict per row."""
    text = "".join(csv_lines(domain.header, domain.rows()))
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == domain.header
    return [dict(zip(header, row, strict=True)) for row in rows]


def _domain(name, *, identified=False):
    return next(domain for domain in sdtm_domains(identified=identified) if domain.name == name)


@pytest.fixture
def treated(coordinator, investigator):
    return _treated_with_everything(coordinator, investigator)


# --- headers --------------------------------------------------------------------------------------

STANDARD_START = ["STUDYID", "DOMAIN", "USUBJID"]


def test_the_domains_are_dm_ae_ex_rs_lb_with_labels():
    assert [(d.name, d.label) for d in sdtm_domains()] == [
        ("DM", "Demographics"), ("AE", "Adverse Events"), ("EX", "Exposure"), ("RS", "Disease Response"),
        ("LB", "Laboratory Test Results"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DM", ["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC",
                "DTHDTC", "DTHFL", "SITEID", "AGE", "AGEU", "SEX", "ARMCD", "ARM", "ACTARMCD", "ACTARM", "COUNTRY"]),
        ("EX", ["STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXSPID", "EXTRT", "EXCAT", "EXDOSE", "EXDOSU", "EXROUTE",
                "EXLOT", "EXADJ", "EPOCH", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY"]),
        ("RS", ["STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "RSSTRESC",
                "RSEVAL", "RSACPTFL", "RSDTC", "RSDY"]),
        ("LB", ["STUDYID", "DOMAIN", "USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBCAT", "LBSCAT", "LBORRES",
                "LBORRESU", "LBORNRLO", "LBORNRHI", "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI",
                "LBNRIND", "LBNAM", "LBTOX", "LBTOXGR", "LBDTC", "LBDY"]),
    ],
)  # fmt: skip
def test_header_has_the_standard_variables_in_sdtmig_order(name, expected):
    assert _domain(name).header == expected


def test_ae_header_has_the_standard_variables_in_order_then_the_supplemental_ones():
    header = _domain("AE").header
    standard = ["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AESPID", "AETERM", "AELLT", "AELLTCD", "AEDECOD",
                "AEBODSYS", "AESOC", "AESER", "AEACN", "AEREL", "AEOUT", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP",
                "AESLIFE", "AESMIE", "AETOXGR", "AESTDTC", "AEENDTC", "AESTDY", "AEENDY"]  # fmt: skip
    assert header[: len(standard)] == standard
    assert header[len(standard) :] == [
        "AEIR", "AEIRCAT", "AERELTOR", "AERELCIS", "AERELPAC", "AERELRT", "AEACNTOR", "AEACNCIS", "AEACNPAC",
        "AEACNRT",
    ]  # fmt: skip
    assert all(len(name) <= 8 for name in header)  # SDTM variable names are at most 8 characters


def test_identified_dm_adds_the_birth_date_before_age_and_nothing_else():
    pseudonymised, identified = _domain("DM").header, _domain("DM", identified=True).header
    assert identified == pseudonymised[:12] + ["BRTHDTC"] + pseudonymised[12:]
    for name in ("AE", "EX", "RS", "LB"):
        assert _domain(name).header == _domain(name, identified=True).header


# --- values ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dm_has_one_pseudonymised_row_per_enrolled_participant(treated, participant):
    # ``participant`` is only registered for screening: not a subject.
    start = _start()
    [row] = _table(_domain("DM"))
    consent = Consent.objects.get(participant=treated)
    assert row["STUDYID"] == "NCT05084677" and row["DOMAIN"] == "DM"
    assert row["USUBJID"] == f"NCT05084677-{treated.study_number}" and row["SUBJID"] == treated.study_number
    assert row["RFSTDTC"] == row["RFXSTDTC"] == start.isoformat()
    assert row["RFENDTC"] == row["RFXENDTC"] == (start + datetime.timedelta(days=35)).isoformat()  # brachytherapy
    assert row["RFICDTC"] == consent.consent_date.isoformat()
    assert row["AGE"] == str(age_in_years(datetime.date(1975, 3, 14), treated.enrolment_date))
    assert row["AGEU"] == "YEARS"
    assert (row["SEX"], row["SITEID"], row["COUNTRY"]) == ("F", "01", "CHN")
    assert (row["ARMCD"], row["ACTARMCD"]) == ("TORI+CCRT", "TORI+CCRT")
    assert (row["DTHDTC"], row["DTHFL"]) == ("", "")
    assert "BRTHDTC" not in row
    assert treated.initials not in row.values() and treated.date_of_birth.isoformat() not in row.values()


@pytest.mark.django_db
def test_dm_of_an_identified_export_has_the_birth_date(treated):
    [row] = _table(_domain("DM", identified=True))
    assert row["BRTHDTC"] == "1975-03-14"
    assert treated.initials not in row.values()


@pytest.mark.django_db
def test_dm_death_and_not_treated_arm(coordinator, investigator):
    from dosing.tests.factories import participant_enrolled

    enrolled = participant_enrolled(coordinator=coordinator, investigator=investigator)
    efficacy_factories.follow_up_status(enrolled, death_date=timezone.localdate(), death_cause="disease")
    [row] = _table(_domain("DM"))
    assert (row["DTHDTC"], row["DTHFL"]) == (timezone.localdate().isoformat(), "Y")
    assert (row["ACTARMCD"], row["ACTARM"]) == ("NOTTRT", "Not Treated")
    assert (row["ARMCD"], row["RFSTDTC"]) == ("TORI+CCRT", "")


@pytest.mark.django_db
def test_dm_site_study_and_country_come_from_the_settings(treated, settings):
    settings.SDTM_STUDY_ID, settings.SDTM_SITE_ID, settings.SDTM_COUNTRY = "TRIAL-X", "07", "HKG"
    [row] = _table(_domain("DM"))
    assert (row["STUDYID"], row["USUBJID"], row["SITEID"], row["COUNTRY"]) == (
        "TRIAL-X", f"TRIAL-X-{treated.study_number}", "07", "HKG"
    )  # fmt: skip


@pytest.mark.django_db
def test_ae_rows_carry_grade_seriousness_relation_dates_and_study_days(treated):
    start = _start()
    nausea, alt = _table(_domain("AE"))
    assert (nausea["AESEQ"], nausea["AESPID"], nausea["AETERM"], nausea["AEDECOD"]) == ("1", "1", "Nausea", "Nausea")
    assert nausea["AEBODSYS"] == nausea["AESOC"] == "Gastrointestinal disorders"
    assert (nausea["AETOXGR"], nausea["AESER"], nausea["AEREL"]) == ("2", "N", "N")
    assert (nausea["AESTDTC"], nausea["AEENDTC"], nausea["AESTDY"], nausea["AEENDY"]) == (start.isoformat(), "", "1", "")
    assert nausea["AEOUT"] == "NOT RECOVERED/NOT RESOLVED" and nausea["AEACN"] == "DOSE NOT CHANGED"
    assert (nausea["AEIR"], nausea["AERELTOR"]) == ("N", "UNLIKELY")

    assert (alt["AESEQ"], alt["AETOXGR"], alt["AESER"], alt["AESHOSP"], alt["AESDTH"]) == ("2", "3", "Y", "Y", "N")
    assert alt["AEREL"] == "Y" and alt["AERELTOR"] == "PROBABLE" and alt["AERELCIS"] == "UNLIKELY"
    assert alt["AESTDTC"] == (start + datetime.timedelta(days=20)).isoformat() and alt["AESTDY"] == "21"
    assert alt["AEENDTC"] == (start + datetime.timedelta(days=29)).isoformat() and alt["AEENDY"] == "30"
    assert (alt["AEACN"], alt["AEACNTOR"], alt["AEACNCIS"]) == ("MULTIPLE", "DRUG INTERRUPTED", "DOSE NOT CHANGED")
    assert alt["AEOUT"] == "RECOVERED/RESOLVED" and alt["AEIR"] == "Y" and alt["AEIRCAT"]
    assert alt["AELLTCD"].isdigit()


@pytest.mark.django_db
def test_ex_has_the_given_doses_and_the_radiotherapy_in_date_order(treated, coordinator):
    start = _start()
    dose_administer(participant=treated, user=coordinator, key=("cisplatin", "ccrt", 2, 1),
                    values={"status": "omitted", "difference_note": "Patient unwell"})  # fmt: skip
    rows = _table(_domain("EX"))
    assert [(r["EXSEQ"], r["EXTRT"]) for r in rows] == [
        ("1", "CISPLATIN"), ("2", "EBRT"), ("3", "TORIPALIMAB"), ("4", "BRACHYTHERAPY"),
    ]  # fmt: skip  # the omitted week-2 cisplatin is not an exposure
    cisplatin, ebrt, toripalimab, brachy = rows
    assert (cisplatin["EXDOSE"], cisplatin["EXDOSU"], cisplatin["EXROUTE"]) == ("68", "mg", "INTRAVENOUS")
    assert (cisplatin["EXSTDTC"], cisplatin["EXENDTC"]) == (f"{start.isoformat()}T09:30", f"{start.isoformat()}T11:00")
    assert (cisplatin["EXSTDY"], cisplatin["EPOCH"], cisplatin["EXSPID"]) == ("1", "CONCURRENT CHEMORADIOTHERAPY",
                                                                             "CCRT-C1D1")  # fmt: skip
    assert (toripalimab["EXDOSE"], toripalimab["EXLOT"], toripalimab["EXCAT"]) == ("240", "TP-1", "IMMUNOTHERAPY")
    assert (ebrt["EXDOSE"], ebrt["EXDOSU"], ebrt["EXROUTE"], ebrt["EXENDY"]) == ("45", "Gy", "", "35")
    assert (brachy["EXDOSE"], brachy["EXSTDY"], brachy["EXCAT"]) == ("7.2", "36", "RADIOTHERAPY")


@pytest.mark.django_db
def test_rs_uses_the_confirmed_response_and_flags_the_unconfirmed_one(treated):
    start = _start()
    rows = _table(_domain("RS"))
    assert [r["RSSEQ"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    overall = [r for r in rows if r["RSTESTCD"] == "OVRLRESP"]
    assert [(r["RSORRES"], r["RSSTRESC"], r["RSACPTFL"], r["RSDY"]) for r in overall] == [
        ("PR", "PR", "Y", "57"), ("PR", "PR", "Y", "92"), ("SD", "SD", "N", "121"),
    ]  # fmt: skip
    assert {(r["RSCAT"], r["RSEVAL"]) for r in rows} == {("RECIST 1.1", "INVESTIGATOR")}
    assert {r["RSTESTCD"] for r in rows} == {"TRGRESP", "NEWLPROG", "OVRLRESP", "BESTRESP"}
    best = rows[-1]
    assert (best["RSTESTCD"], best["RSTEST"], best["RSORRES"]) == ("BESTRESP", "Best Overall Response", "PR")
    assert best["RSDTC"] == (start + datetime.timedelta(days=56)).isoformat()
    assert {r["RSORRES"] for r in rows if r["RSTESTCD"] == "NEWLPROG"} == {"N"}


@pytest.mark.django_db
def test_rs_overall_response_is_the_investigators_when_it_differs(coordinator, investigator):
    start = _start()
    treated = efficacy_factories.treated_participant(coordinator=coordinator, investigator=investigator,
                                                     treatment_start=start)  # fmt: skip
    efficacy_factories.baseline(treated, on=start - datetime.timedelta(days=5))
    efficacy_factories.follow_up(treated, on=start + datetime.timedelta(days=60), response="PR",
                                 confirmed_by=investigator, confirmed_response="SD")  # fmt: skip
    overall = [r for r in _table(_domain("RS")) if r["RSTESTCD"] == "OVRLRESP"]
    assert [(r["RSORRES"], r["RSACPTFL"]) for r in overall] == [("SD", "Y")]


@pytest.mark.django_db
def test_lb_rows_have_codes_units_ranges_indicator_grade_and_study_days(treated):
    start = _start()
    hgb, alt = _table(_domain("LB"))
    assert (hgb["LBSEQ"], hgb["LBTESTCD"], hgb["LBTEST"], hgb["LBCAT"]) == ("1", "HGB", "Hemoglobin", "HEMATOLOGY")
    assert (hgb["LBORRES"], hgb["LBORRESU"], hgb["LBORNRLO"], hgb["LBORNRHI"]) == ("12.5", "g/dL", "11.5", "15")
    assert (hgb["LBSTRESN"], hgb["LBNRIND"], hgb["LBNAM"]) == ("12.5", "NORMAL", "Central lab")
    assert (hgb["LBDTC"], hgb["LBDY"]) == ((start - datetime.timedelta(days=3)).isoformat(), "-3")
    assert (alt["LBSEQ"], alt["LBTESTCD"], alt["LBCAT"], alt["LBSCAT"]) == ("2", "ALT", "CHEMISTRY", "LIVER FUNCTION")
    assert (alt["LBORRES"], alt["LBORRESU"], alt["LBNRIND"]) == ("240", "U/L", "HIGH")
    assert (alt["LBTOX"], alt["LBTOXGR"], alt["LBDY"]) == ("Alanine aminotransferase increased", "3", "21")


def test_every_protocol_analyte_has_a_cdisc_test_code():
    from trialsite.protocol.labs import ANALYTES

    assert {analyte.code for analyte in ANALYTES} == set(sdtm.LB_TESTS)
    codes = [code for code, _test in sdtm.LB_TESTS.values()]
    assert len(codes) == len(set(codes)) and all(len(code) <= 8 for code in codes)


def test_micro_units_are_written_in_ascii():
    assert sdtm.lab_unit("µmol/L") == "umol/L"
    assert sdtm.lab_unit("10^9/L") == "10^9/L"


@pytest.mark.django_db
def test_no_domain_contains_initials_or_a_birth_date(treated):
    for domain in sdtm_domains():
        for row in _table(domain):
            assert treated.initials not in row.values(), domain.name
            assert treated.date_of_birth.isoformat() not in row.values(), domain.name


@pytest.mark.django_db
def test_seq_restarts_for_each_subject(coordinator, investigator):
    first = _treated_with_everything(coordinator, investigator)
    second = _treated_with_everything(coordinator, investigator)
    for name in ("AE", "EX", "RS", "LB"):
        rows = _table(_domain(name))
        for participant in (first, second):
            own = [int(r[f"{name}SEQ"]) for r in rows if r["USUBJID"].endswith(participant.study_number)]
            assert own == list(range(1, len(own) + 1)) and own, name


# --- queries --------------------------------------------------------------------------------------


def _queries_per_domain() -> dict[str, int]:
    counts = {}
    for domain in sdtm_domains():
        with CaptureQueriesContext(connection) as captured:
            for _row in domain.rows():
                pass
        counts[domain.name] = len(captured.captured_queries)
    return counts


@pytest.mark.django_db
def test_each_domain_runs_a_constant_number_of_queries_when_data_grows(coordinator, investigator):
    _treated_with_everything(coordinator, investigator)
    with_one = _queries_per_domain()
    _treated_with_everything(coordinator, investigator)
    _treated_with_everything(coordinator, investigator)
    assert _queries_per_domain() == with_one
    assert max(with_one.values()) <= 15


@pytest.mark.django_db
def test_rows_are_read_only_when_the_domain_is_read():
    domains = sdtm_domains()
    with CaptureQueriesContext(connection) as captured:
        rows = [domain.rows() for domain in domains]
    assert captured.captured_queries == []
    assert all(list(generator) == [] for generator in rows)
