"""SDTM-flavoured CSVs of the core domains for the statisticians: DM, AE, EX, RS and LB with the
standard variable names of the SDTM Implementation Guide (3.x) in its variable order.

"Flavoured", not submission-ready: no define.xml, no trial design domains, no SUPP-- datasets (the
few non-standard qualifiers are extra columns at the end of their domain, named as their SUPP--
QNAM would be), and values are this eCRF's coded values mapped to CDISC terminology where it has one.

Conventions (documented once here, and in the README):

- Only enrolled participants (with a study number) are subjects. ``USUBJID`` is
  ``STUDYID-study number`` (``NCT05084677-TC-001``), ``SUBJID`` the study number. Pseudonymised by
  default: no initials ever, and ``BRTHDTC`` only in an identified export.
- ``STUDYID``, ``SITEID`` and ``COUNTRY`` come from the settings ``SDTM_STUDY_ID`` (default
  "NCT05084677"), ``SDTM_SITE_ID`` ("01") and ``SDTM_COUNTRY`` ("CHN").
- ``RFSTDTC``/``RFXSTDTC``: the first study treatment given (the earliest EX record: a dose given,
  the first EBRT fraction or a brachytherapy fraction); ``RFENDTC``/``RFXENDTC`` the last.
  Study days (``--DY``) count from ``RFSTDTC`` with the SDTM convention: the reference day is
  day 1 and the day before it day -1 (there is no day 0).
- Dates are ISO 8601 (times ``hh:mm`` when recorded). ``AGE`` is completed years at enrolment.
- EX holds the doses given (an omitted dose is not an exposure), each EBRT course as one record
  (``EXDOSE`` the physical dose delivered so far: fractions delivered x dose per fraction) and each
  brachytherapy fraction (``EXDOSE`` its HR-CTV D90), both in Gy with no ``EXROUTE``.
- AE: ``AEDECOD``/``AELLT`` are the CTCAE v5.0 term (a MedDRA lowest level term, ``AELLTCD`` its
  MedDRA code), ``AEBODSYS``/``AESOC`` its system organ class, ``AETOXGR`` the worst CTCAE grade.
  ``AEREL`` is "Y" when the investigator judged the event possibly, probably or definitely related
  to any study treatment (the three drugs or radiotherapy); the attribution and the action taken
  per treatment are in ``AERELTOR``/``AERELCIS``/``AERELPAC``/``AERELRT`` and
  ``AEACNTOR``/``AEACNCIS``/``AEACNPAC``/``AEACNRT``; ``AEACN`` is "MULTIPLE" when they differ.
- RS (RECIST 1.1, investigator): per follow-up assessment the target, non-target, new-lesion and
  overall responses. ``OVRLRESP`` is the investigator's confirmed response when there is one at the
  assessment's current version (``RSACPTFL`` "Y"), else the computed response (``RSACPTFL`` "N",
  awaiting confirmation). ``BESTRESP`` (one per subject with a follow-up) is the confirmed best
  overall response of ``efficacy.selectors.response`` (RECIST 1.1 table 3, confirmation required).
- LB: the analytes of ``trialsite.protocol.labs`` with CDISC test codes, in the units entered (no
  conversion, so standard result = original result), ``LBNRIND`` against the laboratory's range.

Streaming: each domain reads its records in chunks (``.iterator(chunk_size=CHUNK_SIZE)``) and yields
rows one by one; a domain runs a constant number of queries whatever the number of records (a few
per-subject lookups loaded up front, then one query per domain, read in chunks).
"""

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Max, Min

from core.csv_stream import CHUNK_SIZE
from dosing.models import Agent, BrachytherapyFraction, DoseAdministration, DoseStatus, Phase, RadiotherapyCourse
from efficacy.models import AssessmentKind, NewLesions, TumourAssessment
from efficacy.rules import recist
from efficacy.selectors.response import confirmed_responses, participant_responses
from enrollment.models import Participant
from enrollment.rules.eligibility import age_in_years
from toxicity.models import AE_AGENTS, RELATED_ATTRIBUTIONS, AdverseEvent, AgentAction, LabResult, Outcome
from trialsite.protocol import labs as lab_protocol

DEFAULT_STUDY_ID = "NCT05084677"
DEFAULT_SITE_ID = "01"
DEFAULT_COUNTRY = "CHN"

ARMCD = "TORI+CCRT"
ARM = "Toripalimab + concurrent chemoradiotherapy"
NOT_TREATED_ARMCD = "NOTTRT"
NOT_TREATED_ARM = "Not Treated"


@dataclass(frozen=True)
class SdtmDomain:
    """One domain: its name (the file is ``<name>.csv``), label, header (standard variable names in
    SDTMIG order) and a callable returning its rows, streamed."""

    name: str
    label: str
    header: list[str]
    rows: Callable[[], Iterator[list]]


def study_id() -> str:
    return getattr(settings, "SDTM_STUDY_ID", DEFAULT_STUDY_ID)


def study_day(day: datetime.date | None, reference: datetime.date | None) -> int | None:
    """SDTM study day of ``day`` relative to the reference start: the reference day is 1, the day
    before it -1 (no day 0). None when either date is unknown."""
    if day is None or reference is None:
        return None
    delta = (day - reference).days
    return delta + 1 if delta >= 0 else delta


def _iso(day: datetime.date | None, time: datetime.time | None = None) -> str:
    if day is None:
        return ""
    return f"{day.isoformat()}T{time:%H:%M}" if time is not None else day.isoformat()


def _number(value) -> str:
    """A decimal without trailing zeros or exponent: 68.0 -> "68", 1.50 -> "1.5"."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _yes_no(value: bool) -> str:
    return "Y" if value else "N"


# --- Subjects ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    usubjid: str
    reference_start: datetime.date | None


def _exposure_bounds() -> dict[int, tuple[datetime.date, datetime.date]]:
    """Participant id -> (first, last) day of study treatment (the EX records): 3 queries."""
    bounds: dict[int, tuple[datetime.date, datetime.date]] = {}

    def widen(participant_id, first, last):
        if first is None:
            return
        last = last or first
        if participant_id in bounds:
            old_first, old_last = bounds[participant_id]
            first, last = min(first, old_first), max(last, old_last)
        bounds[participant_id] = (first, last)

    doses = (
        DoseAdministration.objects.filter(status=DoseStatus.GIVEN, given_on__isnull=False)
        .values("participant_id")
        .annotate(first=Min("given_on"), last=Max("given_on"))
        .order_by()
    )
    for row in doses:
        widen(row["participant_id"], row["first"], row["last"])
    for row in RadiotherapyCourse.objects.values("participant_id", "start_date", "end_date"):
        widen(row["participant_id"], row["start_date"], row["end_date"])
    fractions = (
        BrachytherapyFraction.objects.values("participant_id")
        .annotate(first=Min("given_on"), last=Max("given_on"))
        .order_by()
    )
    for row in fractions:
        widen(row["participant_id"], row["first"], row["last"])
    return bounds


def _subjects() -> dict[int, _Subject]:
    """Participant id -> USUBJID and RFSTDTC of every subject (4 queries), in the database's
    study-number order: the order every domain query sorts its records by."""
    bounds = _exposure_bounds()
    prefix = study_id()
    rows = (
        Participant.objects.filter(study_number__isnull=False)
        .order_by("study_number")
        .values_list("pk", "study_number")
    )
    return {
        pk: _Subject(f"{prefix}-{number}", bounds[pk][0] if pk in bounds else None)
        for pk, number in rows.iterator(chunk_size=CHUNK_SIZE)
    }


def _numbered(records: Iterable, participant_of: Callable) -> Iterator[tuple[int, object]]:
    """(sequence number within the participant, record) for records ordered by participant."""
    for _participant, own in itertools.groupby(records, key=participant_of):
        yield from enumerate(own, start=1)


# --- DM -------------------------------------------------------------------------------------------

DM_HEADER = [
    "STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC",
    "DTHDTC", "DTHFL", "SITEID", "AGE", "AGEU", "SEX", "ARMCD", "ARM", "ACTARMCD", "ACTARM", "COUNTRY",
]  # fmt: skip


def _dm_header(identified: bool) -> list[str]:
    if not identified:
        return list(DM_HEADER)
    header = list(DM_HEADER)
    header.insert(header.index("AGE"), "BRTHDTC")
    return header


def _dm_rows(identified: bool) -> Iterator[list]:
    bounds = _exposure_bounds()
    prefix, site, country = (
        study_id(),
        getattr(settings, "SDTM_SITE_ID", DEFAULT_SITE_ID),
        getattr(settings, "SDTM_COUNTRY", DEFAULT_COUNTRY),
    )
    participants = (
        Participant.objects.filter(study_number__isnull=False)
        .annotate(consent_on=Min("consents__consent_date"), death_on=F("follow_up_status__death_date"))
        .values("pk", "study_number", "date_of_birth", "enrolment_date", "consent_on", "death_on")
        .order_by("study_number")
    )
    for row in participants.iterator(chunk_size=CHUNK_SIZE):
        first, last = bounds.get(row["pk"], (None, None))
        treated = first is not None
        line = [
            prefix, "DM", f"{prefix}-{row['study_number']}", row["study_number"],
            _iso(first), _iso(last), _iso(first), _iso(last), _iso(row["consent_on"]),
            _iso(row["death_on"]), "Y" if row["death_on"] else "", site,
        ]  # fmt: skip
        if identified:
            line.append(_iso(row["date_of_birth"]))
        age = age_in_years(row["date_of_birth"], row["enrolment_date"]) if row["enrolment_date"] else None
        line += [
            age, "YEARS" if age is not None else "", "F", ARMCD, ARM,
            ARMCD if treated else NOT_TREATED_ARMCD, ARM if treated else NOT_TREATED_ARM, country,
        ]  # fmt: skip
        yield line


# --- AE -------------------------------------------------------------------------------------------

_AGENT_SUFFIX = {"toripalimab": "TOR", "cisplatin": "CIS", "paclitaxel": "PAC", "radiotherapy": "RT"}

AE_HEADER = [
    "STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AESPID", "AETERM", "AELLT", "AELLTCD", "AEDECOD", "AEBODSYS",
    "AESOC", "AESER", "AEACN", "AEREL", "AEOUT", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE",
    "AESMIE", "AETOXGR", "AESTDTC", "AEENDTC", "AESTDY", "AEENDY",
    # Non-standard qualifiers (SUPPAE QNAMs): immune-related, irAE category, per-treatment attribution and action.
    "AEIR", "AEIRCAT",
    *(f"AEREL{_AGENT_SUFFIX[agent]}" for agent, _label in AE_AGENTS),
    *(f"AEACN{_AGENT_SUFFIX[agent]}" for agent, _label in AE_AGENTS),
]  # fmt: skip

# CDISC controlled terminology: ACN (action taken with study treatment) and OUT (outcome of event).
AE_ACTION = {
    AgentAction.NONE: "DOSE NOT CHANGED",
    AgentAction.REDUCED: "DOSE REDUCED",
    AgentAction.INTERRUPTED: "DRUG INTERRUPTED",
    AgentAction.DISCONTINUED: "DRUG WITHDRAWN",
    AgentAction.NOT_APPLICABLE: "NOT APPLICABLE",
}
AE_OUTCOME = {
    Outcome.RECOVERED: "RECOVERED/RESOLVED",
    Outcome.RECOVERING: "RECOVERING/RESOLVING",
    Outcome.NOT_RECOVERED: "NOT RECOVERED/NOT RESOLVED",
    Outcome.SEQUELAE: "RECOVERED/RESOLVED WITH SEQUELAE",
    Outcome.FATAL: "FATAL",
    Outcome.UNKNOWN: "UNKNOWN",
}


def ae_action(actions: Iterable[str]) -> str:
    """``AEACN`` from the action taken with each study treatment: the one action, or "MULTIPLE"
    when they differ ("NOT APPLICABLE" counts only when it is all there is)."""
    coded = {AE_ACTION.get(action, "UNKNOWN") for action in actions}
    applicable = coded - {"NOT APPLICABLE"}
    if len(applicable) > 1:
        return "MULTIPLE"
    return next(iter(applicable or coded), "")


def _ae_rows() -> Iterator[list]:
    subjects = _subjects()
    prefix = study_id()
    events = (
        AdverseEvent.objects.filter(participant__study_number__isnull=False)
        .select_related("term")
        .order_by("participant__study_number", "number", "pk")
    )
    for seq, event in _numbered(events.iterator(chunk_size=CHUNK_SIZE), lambda e: e.participant_id):
        subject = subjects[event.participant_id]
        reference = subject.reference_start
        attributions = [getattr(event, f"attribution_{agent}") for agent, _label in AE_AGENTS]
        actions = [getattr(event, f"action_{agent}") for agent, _label in AE_AGENTS]
        yield [
            prefix, "AE", subject.usubjid, seq, event.number,
            event.description.strip() or event.term.term, event.term.term, event.term.meddra_code, event.term.term,
            event.term.soc, event.term.soc, _yes_no(event.serious), ae_action(actions),
            _yes_no(any(value in RELATED_ATTRIBUTIONS for value in attributions)),
            AE_OUTCOME.get(event.outcome, ""),
            _yes_no(event.sae_congenital_anomaly), _yes_no(event.sae_disability), _yes_no(event.sae_death),
            _yes_no(event.sae_hospitalisation), _yes_no(event.sae_life_threatening),
            _yes_no(event.sae_important_medical_event), str(event.grade),
            _iso(event.onset_date), _iso(event.resolution_date),
            study_day(event.onset_date, reference), study_day(event.resolution_date, reference),
            _yes_no(event.immune_related), event.get_irae_category_display() if event.immune_related else "",
            *(value.upper() for value in attributions),
            *(AE_ACTION.get(value, "") for value in actions),
        ]  # fmt: skip


# --- EX -------------------------------------------------------------------------------------------

EX_HEADER = [
    "STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXSPID", "EXTRT", "EXCAT", "EXDOSE", "EXDOSU", "EXROUTE",
    "EXLOT", "EXADJ", "EPOCH", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY",
]  # fmt: skip

EX_TREATMENT = {Agent.CISPLATIN: "CISPLATIN", Agent.PACLITAXEL: "PACLITAXEL", Agent.TORIPALIMAB: "TORIPALIMAB"}
EX_CATEGORY = {Agent.CISPLATIN: "CHEMOTHERAPY", Agent.PACLITAXEL: "CHEMOTHERAPY", Agent.TORIPALIMAB: "IMMUNOTHERAPY"}
EPOCH = {phase.value: phase.label.upper() for phase in Phase}
EBRT, BRACHYTHERAPY, RADIOTHERAPY = "EBRT", "BRACHYTHERAPY", "RADIOTHERAPY"


@dataclass(frozen=True)
class _Exposure:
    """One EX record before numbering: dose, EBRT course or brachytherapy fraction."""

    day: datetime.date
    order: int
    spid: str
    treatment: str
    category: str
    dose: str
    unit: str
    route: str
    lot: str
    adjustment: str
    epoch: str
    start: str
    end: str
    end_day: datetime.date | None


def _dose_exposure(dose: DoseAdministration) -> _Exposure:
    start_time = dose.infusion_start or dose.given_time
    adjustment = dose.get_difference_reason_display() if dose.difference_reason else ""
    if dose.dose_level_pct != 100:
        adjustment = "; ".join(part for part in (adjustment, f"Dose level {dose.dose_level_pct}%") if part)
    return _Exposure(
        day=dose.given_on, order=dose.pk, spid=f"{dose.phase.upper()}-C{dose.cycle}D{dose.day}",
        treatment=EX_TREATMENT[dose.agent], category=EX_CATEGORY[dose.agent], dose=_number(dose.dose_given_mg),
        unit="mg", route="INTRAVENOUS", lot=dose.lot_number, adjustment=adjustment, epoch=EPOCH.get(dose.phase, ""),
        start=_iso(dose.given_on, start_time),
        end=_iso(dose.given_on, dose.infusion_stop) if dose.infusion_stop else "",
        end_day=dose.given_on if dose.infusion_stop else None,
    )  # fmt: skip


def _course_exposure(course: RadiotherapyCourse) -> _Exposure:
    delivered = course.dose_per_fraction_gy * course.fractions_delivered
    return _Exposure(
        day=course.start_date, order=0, spid="EBRT", treatment=EBRT, category=RADIOTHERAPY,
        dose=_number(delivered), unit="Gy", route="", lot="", adjustment="", epoch=EPOCH[Phase.CCRT],
        start=_iso(course.start_date), end=_iso(course.end_date), end_day=course.end_date,
    )  # fmt: skip


def _fraction_exposure(fraction: BrachytherapyFraction) -> _Exposure:
    return _Exposure(
        day=fraction.given_on, order=fraction.number, spid=f"BRACHY-F{fraction.number}", treatment=BRACHYTHERAPY,
        category=RADIOTHERAPY, dose=_number(fraction.hrctv_d90_gy), unit="Gy", route="", lot="", adjustment="",
        epoch=EPOCH[Phase.CCRT], start=_iso(fraction.given_on), end=_iso(fraction.given_on),
        end_day=fraction.given_on,
    )  # fmt: skip


def _ex_rows() -> Iterator[list]:
    subjects = _subjects()
    prefix = study_id()
    # Radiotherapy is a few records per subject: loaded up front (2 queries), merged with the doses.
    radiotherapy: dict[int, list[_Exposure]] = {}
    for course in RadiotherapyCourse.objects.filter(participant__study_number__isnull=False):
        radiotherapy.setdefault(course.participant_id, []).append(_course_exposure(course))
    for fraction in BrachytherapyFraction.objects.filter(participant__study_number__isnull=False):
        radiotherapy.setdefault(fraction.participant_id, []).append(_fraction_exposure(fraction))
    doses = (
        DoseAdministration.objects.filter(
            participant__study_number__isnull=False, status=DoseStatus.GIVEN, given_on__isnull=False
        )
        .order_by("participant__study_number", "given_on", "pk")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    dose_groups = itertools.groupby(doses, key=lambda dose: dose.participant_id)
    current = next(dose_groups, None)
    # Subjects come in the same order as the doses (both by study number), so each subject's doses
    # are the next group of the stream.
    for participant_id, subject in subjects.items():
        own = []
        if current is not None and current[0] == participant_id:
            own = [_dose_exposure(dose) for dose in current[1]]
            current = next(dose_groups, None)
        records = sorted(
            own + radiotherapy.get(participant_id, []), key=lambda item: (item.day, item.treatment, item.order)
        )
        for seq, item in enumerate(records, start=1):
            yield [
                prefix, "EX", subject.usubjid, seq, item.spid, item.treatment, item.category, item.dose, item.unit,
                item.route, item.lot, item.adjustment, item.epoch, item.start, item.end,
                study_day(item.day, subject.reference_start), study_day(item.end_day, subject.reference_start),
            ]  # fmt: skip


# --- RS -------------------------------------------------------------------------------------------

RS_HEADER = [
    "STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "RSSTRESC", "RSEVAL",
    "RSACPTFL", "RSDTC", "RSDY",
]  # fmt: skip

RS_CATEGORY = "RECIST 1.1"
RS_EVALUATOR = "INVESTIGATOR"
RS_TESTS = {
    "TRGRESP": "Target Response",
    "NTRGRESP": "Non-target Response",
    "NEWLPROG": "New Lesion Progression",
    "OVRLRESP": "Overall Response",
    "BESTRESP": "Best Overall Response",
}
NEW_LESION_PROGRESSION = {NewLesions.NONE: "N", NewLesions.UNEQUIVOCAL: "Y", NewLesions.EQUIVOCAL: "EQUIVOCAL"}


def _assessment_results(assessment: TumourAssessment, confirmed: str | None) -> Iterator[tuple[str, str, str]]:
    """(test code, result, accepted flag) of one follow-up assessment, in RECIST order."""
    if assessment.target_response:
        yield "TRGRESP", assessment.target_response, ""
    if assessment.non_target_response:
        yield "NTRGRESP", assessment.non_target_response, ""
    yield "NEWLPROG", NEW_LESION_PROGRESSION.get(assessment.new_lesions, assessment.new_lesions.upper()), ""
    if confirmed is not None:
        yield "OVRLRESP", confirmed, "Y"
    elif assessment.computed_response:
        yield "OVRLRESP", assessment.computed_response, "N"


def _confirmed_chunks(assessments: Iterator[TumourAssessment]) -> Iterator[tuple[TumourAssessment, str | None]]:
    """Each assessment with its investigator-confirmed response (one query per chunk)."""
    while chunk := list(itertools.islice(assessments, CHUNK_SIZE)):
        confirmed = confirmed_responses(chunk)
        for assessment in chunk:
            yield assessment, confirmed.get(assessment.pk)


def _rs_rows() -> Iterator[list]:
    subjects = _subjects()
    prefix = study_id()
    best = {item.participant_id: item.best for item in participant_responses()}
    assessments = (
        TumourAssessment.objects.filter(participant__study_number__isnull=False, kind=AssessmentKind.FOLLOW_UP)
        .order_by("participant__study_number", "assessment_date", "pk")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for participant_id, own in itertools.groupby(
        _confirmed_chunks(assessments), key=lambda pair: pair[0].participant_id
    ):
        subject = subjects[participant_id]
        reference = subject.reference_start
        seq = 0
        for assessment, confirmed in own:
            day = assessment.assessment_date
            for code, result, accepted in _assessment_results(assessment, confirmed):
                seq += 1
                yield [prefix, "RS", subject.usubjid, seq, code, RS_TESTS[code], RS_CATEGORY, result, result,
                       RS_EVALUATOR, accepted, _iso(day), study_day(day, reference)]  # fmt: skip
        overall = best.get(participant_id)
        if overall is not None:
            day = overall.assessment_date
            result = overall.response or recist.NE
            yield [prefix, "RS", subject.usubjid, seq + 1, "BESTRESP", RS_TESTS["BESTRESP"], RS_CATEGORY, result,
                   result, RS_EVALUATOR, "Y", _iso(day), study_day(day, reference)]  # fmt: skip


# --- LB -------------------------------------------------------------------------------------------

LB_HEADER = [
    "STUDYID", "DOMAIN", "USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBCAT", "LBSCAT", "LBORRES", "LBORRESU",
    "LBORNRLO", "LBORNRHI", "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBNRIND", "LBNAM",
    "LBTOX", "LBTOXGR", "LBDTC", "LBDY",
]  # fmt: skip

# CDISC LBTESTCD / LBTEST of each analyte of trialsite.protocol.labs (calcium is entered corrected
# for albumin; CDISC has no separate code, so it is CA with that noted in the README).
LB_TESTS = {
    "hgb": ("HGB", "Hemoglobin"),
    "wbc": ("WBC", "Leukocytes"),
    "anc": ("NEUT", "Neutrophils"),
    "lym": ("LYM", "Lymphocytes"),
    "plt": ("PLAT", "Platelets"),
    "alt": ("ALT", "Alanine Aminotransferase"),
    "ast": ("AST", "Aspartate Aminotransferase"),
    "alp": ("ALP", "Alkaline Phosphatase"),
    "ggt": ("GGT", "Gamma Glutamyl Transferase"),
    "tbil": ("BILI", "Bilirubin"),
    "creat": ("CREAT", "Creatinine"),
    "urea": ("UREA", "Urea"),
    "k": ("K", "Potassium"),
    "na": ("SODIUM", "Sodium"),
    "mg": ("MG", "Magnesium"),
    "ca": ("CA", "Calcium"),
    "amy": ("AMYLASE", "Amylase"),
    "lip": ("LIPASE", "Lipase"),
    "tsh": ("TSH", "Thyrotropin"),
    "ft4": ("T4FR", "Thyroxine, Free"),
    "glu": ("GLUC", "Glucose"),
}
LB_CATEGORY = {lab_protocol.BLOOD_ROUTINE: "HEMATOLOGY"}  # every other section: CHEMISTRY


def lab_unit(unit: str) -> str:
    """The unit as CDISC writes it (ASCII "u" for micro)."""
    return unit.replace("µ", "u").replace("μ", "u")


def reference_range_indicator(value: Decimal, low: Decimal | None, high: Decimal | None) -> str:
    """``LBNRIND``: LOW below the lower limit, HIGH above the upper one, NORMAL within (limits
    included); blank when the laboratory gave no range."""
    if low is None and high is None:
        return ""
    if low is not None and value < low:
        return "LOW"
    if high is not None and value > high:
        return "HIGH"
    return "NORMAL"


def _lb_rows() -> Iterator[list]:
    subjects = _subjects()
    prefix = study_id()
    results = (
        LabResult.objects.filter(panel__participant__study_number__isnull=False)
        .select_related("panel")
        .annotate(participant_id=F("panel__participant_id"))
        .order_by("panel__participant__study_number", "panel__collected_on", "panel_id", "pk")
    )
    for seq, result in _numbered(results.iterator(chunk_size=CHUNK_SIZE), lambda r: r.participant_id):
        subject = subjects[result.participant_id]
        analyte = lab_protocol.ANALYTE_BY_CODE.get(result.analyte)
        code, test = LB_TESTS.get(
            result.analyte, (result.analyte.upper(), analyte.label if analyte else result.analyte)
        )
        section = analyte.section if analyte else ""
        unit = lab_unit(result.unit)
        value, low, high = _number(result.value), _number(result.lln), _number(result.uln)
        day = result.panel.collected_on
        yield [
            prefix, "LB", subject.usubjid, seq, code, test, LB_CATEGORY.get(section, "CHEMISTRY"), section.upper(),
            value, unit, low, high, value, value, unit, low, high,
            reference_range_indicator(result.value, result.lln, result.uln), result.panel.laboratory,
            result.ctcae_term, "" if result.grade is None else str(result.grade),
            _iso(day), study_day(day, subject.reference_start),
        ]  # fmt: skip


# --- The domains ----------------------------------------------------------------------------------


def sdtm_domains(*, identified: bool = False) -> list[SdtmDomain]:
    """The SDTM-flavoured domains, each streamed from the database when its ``rows()`` is read.

    ``identified`` adds the birth date to DM (``BRTHDTC``); nothing else identifies a participant.
    """
    return [
        SdtmDomain("DM", "Demographics", _dm_header(identified), lambda: _dm_rows(identified)),
        SdtmDomain("AE", "Adverse Events", list(AE_HEADER), _ae_rows),
        SdtmDomain("EX", "Exposure", list(EX_HEADER), _ex_rows),
        SdtmDomain("RS", "Disease Response", list(RS_HEADER), _rs_rows),
        SdtmDomain("LB", "Laboratory Test Results", list(LB_HEADER), _lb_rows),
    ]
