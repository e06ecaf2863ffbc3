"""The survival report (PROTOCOL §5): the analysis dataset (one row per enrolled participant with
her OS and PFS), Kaplan-Meier summaries of PFS and OS, an optional comparison by a baseline factor,
the response and failure-pattern table, and the rows of their CSV downloads.

The clinical rules (times, censoring, Kaplan-Meier, log-rank, Cox, the pattern counts) are in
``efficacy.rules.survival``; this module reads the data at a cut-off and shapes it for the page.
A fixed number of queries whatever the number of participants.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from efficacy.models import BaselineNodes, DeathCause, Progression, ProgressionSite
from efficacy.rules import recist
from efficacy.rules import survival as rules
from efficacy.rules.response import is_responder
from efficacy.selectors.response import ParticipantResponse, participant_responses
from trialsite.protocol.efficacy import SURVIVAL

NOT_RECORDED = gettext_lazy("Not recorded")

FACTORS: dict[str, str] = {
    "figo_stage": gettext_lazy("FIGO 2018 stage"),
    "node_status": gettext_lazy("Nodal status at baseline"),
    "histology": gettext_lazy("Histology"),
}
FACTOR_CHOICES = [("", gettext_lazy("No comparison")), *FACTORS.items()]


def node_order() -> tuple[str, ...]:
    """The declared level order of the nodal status (the first present is the Cox reference), in
    the active language; factors without one use the largest group as the reference."""
    return tuple(str(label) for _value, label in BaselineNodes.choices)


LANDMARKS_MONTHS = (12, 24, 36)
AT_RISK_MONTHS = tuple(range(0, 61, 6))
PROTOCOL_LANDMARKS = {
    "pfs": frozenset(12 * year for year in SURVIVAL.pfs_years),
    "os": frozenset(12 * year for year in SURVIVAL.os_years),
}

POPULATION_DEFINITION = gettext_lazy(
    "Every participant enrolled on or before the data cut-off (intention to treat). The survival "
    "analysis leaves out only those whose times cannot be computed (listed below with the reason)."
)
TIME_DEFINITIONS = {
    "os": gettext_lazy(
        "Overall survival (OS): from the diagnosis date to death from any cause (PROTOCOL §5). "
        "Alive participants are censored at the latest date they are known to have been alive: "
        "the recorded last-known-alive date, or a later follow-up assessment, progression-free "
        "date, progression or the enrolment date."
    ),
    "pfs": gettext_lazy(
        "Progression-free survival (PFS): from the diagnosis date to the first progression at any "
        "site or death, whichever is first (PROTOCOL §5). Participants without either are censored "
        "at the latest date they are known to have been free of progression: the recorded "
        "last-progression-free date or a later follow-up assessment whose investigator-confirmed "
        "response is not PD (without either, the enrolment date)."
    ),
}
# The text is not formatted: its "95 %" is no placeholder.
CONVENTIONS = gettext_lazy(
    # xgettext:no-python-format
    "Day 0 is the diagnosis date; months are days / 30.4375 (365.25 / 12). Nothing after the data "
    "cut-off counts: a progression or death after it is censored at the cut-off, as are "
    "censoring dates after it. Kaplan-Meier estimates and 95 % confidence intervals (exponential "
    "Greenwood) are computed with lifelines; groups are compared with the log-rank test and a Cox "
    "proportional-hazards model against a reference group."
)
RESPONSE_TABLE_DEFINITION = gettext_lazy(
    "Denominator: every participant enrolled by the cut-off (intention to treat; participants "
    "left out of the survival analysis still count here). Best response is the investigator-"
    "confirmed best overall response by RECIST 1.1 (CR and PR confirmed at least 4 weeks later) "
    "from assessments up to the cut-off; NE when there is none. Progression counts every "
    "progression recorded up to the cut-off: a participant with locoregional and distant "
    "progression (one record of both, or one of each) counts under locoregional, distant and both "
    "sites. Deaths are from any cause."
)

_NODE_LABELS = dict(BaselineNodes.choices)
_SITE_LABELS = dict(ProgressionSite.choices)
_DEATH_CAUSE_LABELS = dict(DeathCause.choices)
_ENDPOINT_LABELS = {"pfs": gettext_lazy("Progression-free survival"), "os": gettext_lazy("Overall survival")}
_NON_PD = frozenset({recist.CR, recist.PR, recist.SD, recist.NON_CR_NON_PD})


# --- the analysis dataset -----------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetRow:
    participant_id: int
    study_number: str
    diagnosis_date: datetime.date | None
    enrolment_date: datetime.date | None
    figo_stage: str
    node_status: str  # BaselineNodes value or ""
    histology: str
    best_response: str  # confirmed best overall response, from assessments up to the cut-off
    progression_date: datetime.date | None  # first progression, if on or before the cut-off
    progression_site: str  # its site
    progression_sites: frozenset[str]  # every site recorded up to the cut-off
    death_date: datetime.date | None  # if on or before the cut-off
    death_cause: str
    times: rules.SurvivalTimes

    @property
    def node_status_label(self) -> str:
        return str(_NODE_LABELS.get(self.node_status, ""))

    @property
    def responder(self) -> bool:
        return is_responder(self.best_response)

    @property
    def progression_site_label(self) -> str:
        if self.progression_date is not None and not self.progression_site:
            return _("Not recorded (RECIST PD scan; progression form missing)")
        return _SITE_LABELS.get(self.progression_site, self.progression_site)

    @property
    def death_cause_label(self) -> str:
        return _DEATH_CAUSE_LABELS.get(self.death_cause, self.death_cause)

    @property
    def included(self) -> bool:
        return not self.times.problem

    @property
    def problem(self) -> str:
        return self.times.problem

    @property
    def problem_message(self) -> str:
        return self.times.problem_message

    def factor_level(self, factor: str) -> str:
        """The participant's level of a comparison factor ("" when not recorded)."""
        if factor == "figo_stage":
            return self.figo_stage
        if factor == "node_status":
            return self.node_status_label
        if factor == "histology":
            return self.histology
        raise ValueError(f"Unknown factor {factor!r}")


def _best_response_at(item: ParticipantResponse, cutoff: datetime.date) -> str:
    """The confirmed best overall response from the assessments up to the cut-off (RECIST 1.1
    table 3, as ``participant_responses`` computes it over all of them)."""
    if all(point.assessment_date <= cutoff for point in item.timepoints):
        return item.best_response
    if item.start_date is None:
        return recist.NE
    confirmed = [
        (point.assessment_date, point.confirmed_response)
        for point in item.timepoints
        if point.confirmed_response is not None and item.start_date <= point.assessment_date <= cutoff
    ]
    return recist.best_overall_response(confirmed, start=item.start_date, confirm=True)


def _progression_sites_by_participant(ids: list[int], cutoff: datetime.date) -> dict[int, frozenset[str]]:
    sites: dict[int, set[str]] = defaultdict(set)
    rows = Progression.objects.filter(participant_id__in=ids, progression_date__lte=cutoff).values_list(
        "participant_id", "site"
    )
    for participant_id, site in rows:
        sites[participant_id].add(site)
    return {participant_id: frozenset(values) for participant_id, values in sites.items()}


def _on_or_before(day: datetime.date | None, cutoff: datetime.date) -> datetime.date | None:
    return day if day is not None and day <= cutoff else None


def _row(item: ParticipantResponse, cutoff: datetime.date, sites: frozenset[str]) -> DatasetRow:
    non_pd = [point.assessment_date for point in item.timepoints if point.confirmed_response in _NON_PD]
    times = rules.survival_times(
        diagnosis_date=item.diagnosis_date,
        progression_date=item.pfs_progression_date,
        death_date=item.death_date,
        last_known_alive=item.last_known_alive_date,
        last_progression_free=item.last_progression_free_date,
        cutoff=cutoff,
        last_assessment=item.last_assessment_date,
        last_non_pd_assessment=max(non_pd) if non_pd else None,
        enrolment_date=item.enrolment_date,
    )
    progression_date = _on_or_before(item.pfs_progression_date, cutoff)
    death_date = _on_or_before(item.death_date, cutoff)
    return DatasetRow(
        participant_id=item.participant_id,
        study_number=item.study_number,
        diagnosis_date=item.diagnosis_date,
        enrolment_date=item.enrolment_date,
        figo_stage=(item.figo_stage or "").strip(),
        node_status=item.baseline_nodes or "",
        histology=(item.histology or "").strip(),
        best_response=_best_response_at(item, cutoff),
        progression_date=progression_date,
        progression_site=item.first_progression_site if progression_date and item.progression_date else "",
        progression_sites=sites,
        death_date=death_date,
        death_cause=item.death_cause if death_date else "",
        times=times,
    )


def _dataset(cutoff: datetime.date) -> tuple[list[DatasetRow], int]:
    """The dataset rows and the number of participants enrolled after the cut-off."""
    responses = participant_responses()
    items = [item for item in responses if item.enrolment_date is not None and item.enrolment_date <= cutoff]
    sites = _progression_sites_by_participant([item.participant_id for item in items], cutoff)
    rows = [_row(item, cutoff, sites.get(item.participant_id, frozenset())) for item in items]
    return rows, len(responses) - len(items)


def analysis_dataset(*, cutoff: datetime.date) -> list[DatasetRow]:
    """One row per participant enrolled on or before ``cutoff`` (by study number), with her OS and
    PFS at the cut-off or the reason they cannot be computed."""
    return _dataset(cutoff)[0]


# --- display helpers ------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else _("%(percent)s %%") % {"percent": f"{100 * value:.1f}"}


def _months(value: float | None) -> str:
    return pgettext("median not reached", "NR") if value is None else f"{value:.1f}"


def _with_ci(value: str, lower: str, upper: str) -> str:
    """E.g. "18.4 months (95 % CI 12.1 to NR)"."""
    return _("%(value)s (95 %% CI %(lower)s to %(upper)s)") % {"value": value, "lower": lower, "upper": upper}


def _p_text(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def median_text(estimate: rules.Estimate) -> str:
    """The median with its CI in words, e.g. "18.4 months (95 % CI 12.1 to NR)" (NR: not reached)."""
    if estimate.value is None:
        head = _("Not reached")
    else:
        head = _("%(months)s months") % {"months": f"{estimate.value:.1f}"}
    return _with_ci(head, _months(estimate.lower), _months(estimate.upper))


def _landmark_label(months: float) -> str:
    years = months / 12
    if years == int(years):
        return ngettext(
            "%(years)s year (%(months)s months)", "%(years)s years (%(months)s months)", int(years)
        ) % {"years": int(years), "months": f"{months:g}"}
    return _("%(months)s months") % {"months": f"{months:g}"}


@dataclass(frozen=True)
class LandmarkRow:
    months: float
    label: str
    estimable: bool
    text: str  # "56.3 % (95 % CI 24.4 to 79.1 %)" or "Not estimable (...)"
    survival_pct: float | None
    lower_pct: float | None
    upper_pct: float | None
    protocol_endpoint: bool


def _landmark_rows(km: rules.KmSummary, endpoint: str) -> tuple[LandmarkRow, ...]:
    rows = []
    for landmark in km.landmarks:
        if landmark.estimable:
            text = _with_ci(_pct(landmark.survival), _pct(landmark.lower), _pct(landmark.upper))
        elif km.n == 0:
            text = _("Not estimable (no participants)")
        else:
            text = _("Not estimable (follow-up too short)")
        rows.append(
            LandmarkRow(
                months=landmark.months,
                label=_landmark_label(landmark.months),
                estimable=landmark.estimable,
                text=text,
                survival_pct=None if landmark.survival is None else 100 * landmark.survival,
                lower_pct=None if landmark.lower is None else 100 * landmark.lower,
                upper_pct=None if landmark.upper is None else 100 * landmark.upper,
                protocol_endpoint=landmark.months in PROTOCOL_LANDMARKS[endpoint],
            )
        )
    return tuple(rows)


def _curve_json(km: rules.KmSummary) -> dict:
    return {
        "points": [
            {
                "x": round(point.months, 4),
                "y": round(100 * point.survival, 3),
                "lo": round(100 * point.lower, 3),
                "hi": round(100 * point.upper, 3),
            }
            for point in km.curve
        ],
        "censored": [{"x": round(months, 4), "y": round(100 * value, 3)} for months, value in km.censor_marks],
    }


# --- the comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonGroupRow:
    level: str
    reference: bool
    n: int
    events: int
    median: str
    landmarks: tuple[LandmarkRow, ...]
    hazard_ratio: str  # "0.70 (95 % CI 0.16 to 3.14)", "1 (reference)" or "—"
    hazard_ratio_value: float | None
    hr_lower: float | None
    hr_upper: float | None
    cox_p: float | None
    cox_p_text: str
    km: rules.KmSummary


@dataclass(frozen=True)
class ComparisonReport:
    factor: str
    factor_label: str
    groups: tuple[ComparisonGroupRow, ...]
    reference: str
    logrank_p: float | None
    logrank_text: str
    cox_note: str
    unknown_n: int  # analysed participants whose level is not recorded (left out of the comparison)
    result: rules.GroupComparison

    @property
    def chart(self) -> list[dict]:
        return [{"label": group.level, **_curve_json(group.km)} for group in self.groups]


def _comparison(rows: list[DatasetRow], endpoint: str, factor: str) -> ComparisonReport:
    known = [row for row in rows if row.factor_level(factor)]
    result = rules.compare_groups(
        [_duration(row, endpoint) for row in known],
        [_event(row, endpoint) for row in known],
        [row.factor_level(factor) for row in known],
        order=node_order() if factor == "node_status" else None,
        landmarks_months=LANDMARKS_MONTHS,
        at_risk_months=AT_RISK_MONTHS,
    )
    ratios = {ratio.level: ratio for ratio in result.hazard_ratios}
    groups = []
    for group in result.groups:
        ratio = ratios.get(group.level)
        if group.reference:
            hr_text = _("1 (reference)")
        elif ratio is not None:
            hr_text = _with_ci(f"{ratio.hazard_ratio:.2f}", f"{ratio.lower:.2f}", f"{ratio.upper:.2f}")
        else:
            hr_text = "—"
        groups.append(
            ComparisonGroupRow(
                level=group.level,
                reference=group.reference,
                n=group.km.n,
                events=group.km.events,
                median=median_text(group.km.median),
                landmarks=_landmark_rows(group.km, endpoint),
                hazard_ratio=hr_text,
                hazard_ratio_value=ratio.hazard_ratio if ratio else None,
                hr_lower=ratio.lower if ratio else None,
                hr_upper=ratio.upper if ratio else None,
                cox_p=ratio.p_value if ratio else None,
                cox_p_text=_p_text(ratio.p_value if ratio else None),
                km=group.km,
            )
        )
    if result.logrank_p is not None:
        logrank_text = _("Log-rank p = %(p)s (chi-square %(statistic)s, %(df)s df)") % {
            "p": _p_text(result.logrank_p),
            "statistic": f"{result.logrank_statistic:.2f}",
            "df": result.logrank_df,
        }
    else:
        logrank_text = _("No log-rank test: %(reason)s") % {"reason": result.logrank_note}
    return ComparisonReport(
        factor=factor,
        factor_label=str(FACTORS[factor]),
        groups=tuple(groups),
        reference=result.reference,
        logrank_p=result.logrank_p,
        logrank_text=logrank_text,
        cox_note=result.cox_note,
        unknown_n=len(rows) - len(known),
        result=result,
    )


# --- the endpoints --------------------------------------------------------------------------------


def _duration(row: DatasetRow, endpoint: str) -> float:
    value = row.times.pfs_months if endpoint == "pfs" else row.times.os_months
    if value is None:
        raise ValueError(f"{row.study_number} has no {endpoint} time ({row.problem})")
    return value


def _event(row: DatasetRow, endpoint: str) -> bool:
    return row.times.pfs_event if endpoint == "pfs" else row.times.os_event


@dataclass(frozen=True)
class EndpointReport:
    key: str  # "pfs" or "os"
    label: str
    definition: str
    km: rules.KmSummary
    median: str
    landmarks: tuple[LandmarkRow, ...]
    comparison: ComparisonReport | None

    @property
    def chart(self) -> dict:
        data = {"label": self.label, "overall": _curve_json(self.km), "groups": []}
        if self.comparison is not None:
            data["groups"] = self.comparison.chart
            data["factor"] = self.comparison.factor_label
        return data


def _endpoint(rows: list[DatasetRow], endpoint: str, factor: str | None) -> EndpointReport:
    km = rules.km_summary(
        [_duration(row, endpoint) for row in rows],
        [_event(row, endpoint) for row in rows],
        landmarks_months=LANDMARKS_MONTHS,
        at_risk_months=AT_RISK_MONTHS,
    )
    return EndpointReport(
        key=endpoint,
        label=str(_ENDPOINT_LABELS[endpoint]),
        definition=TIME_DEFINITIONS[endpoint],
        km=km,
        median=median_text(km.median),
        landmarks=_landmark_rows(km, endpoint),
        comparison=_comparison(rows, endpoint, factor) if factor else None,
    )


# --- the response and failure-pattern table -------------------------------------------------------


@dataclass(frozen=True)
class PatternRow:
    label: str
    overall: bool
    table: rules.ResponsePattern


def _pattern(rows: Iterable[DatasetRow]) -> rules.ResponsePattern:
    return rules.response_pattern(
        rules.PatternInput(
            best_response=row.best_response, progression_sites=row.progression_sites, died=row.death_date is not None
        )
        for row in rows
    )


def _pattern_rows(rows: list[DatasetRow], factor: str | None) -> tuple[PatternRow, ...]:
    result = []
    if factor:
        not_recorded = str(NOT_RECORDED)
        levels: dict[str, list[DatasetRow]] = defaultdict(list)
        for row in rows:
            levels[row.factor_level(factor) or not_recorded].append(row)
        order = [level for level in node_order() if level in levels] if factor == "node_status" else []
        order += sorted(level for level in levels if level not in order and level != not_recorded)
        if not_recorded in levels:
            order.append(not_recorded)
        result = [PatternRow(label=level, overall=False, table=_pattern(levels[level])) for level in order]
    result.append(PatternRow(label=pgettext("whole population", "Overall"), overall=True, table=_pattern(rows)))
    return tuple(result)


# --- the report -----------------------------------------------------------------------------------


@dataclass
class SurvivalReport:
    cutoff: datetime.date
    factor: str | None
    dataset: list[DatasetRow]
    pfs: EndpointReport
    os: EndpointReport
    response: tuple[PatternRow, ...]
    population_definition: str = POPULATION_DEFINITION
    conventions: str = CONVENTIONS
    response_definition: str = RESPONSE_TABLE_DEFINITION
    enrolled_after_cutoff: int = 0
    pattern_headers: tuple[tuple[str, str], ...] = rules.RESPONSE_ROWS + rules.PATTERN_ROWS

    @property
    def factor_label(self) -> str:
        return FACTORS.get(self.factor or "", "")

    @property
    def analysed(self) -> list[DatasetRow]:
        return [row for row in self.dataset if row.included]

    @property
    def excluded(self) -> list[DatasetRow]:
        return [row for row in self.dataset if not row.included]

    @property
    def endpoints(self) -> tuple[EndpointReport, EndpointReport]:
        return (self.pfs, self.os)

    @property
    def chart(self) -> dict:
        return {"pfs": self.pfs.chart, "os": self.os.chart}


def survival_report(*, cutoff: datetime.date, factor: str | None = None) -> SurvivalReport:
    """PFS and OS Kaplan-Meier summaries at ``cutoff``, optionally compared by ``factor`` (one of
    ``FACTORS``; participants whose level is not recorded are left out of the comparison and
    counted), and the response and failure-pattern table. Kept per data version, cut-off and
    factor (``core.study_cache``): the fits are computed again only when a CRF record changes."""
    if factor and factor not in FACTORS:
        raise ValueError(f"Unknown factor {factor!r}")
    factor = factor or None
    from core.study_cache import cached

    return cached("efficacy.survival_report", (cutoff, factor), lambda: _survival_report(cutoff, factor))


def _survival_report(cutoff: datetime.date, factor: str | None) -> SurvivalReport:
    dataset, enrolled_after_cutoff = _dataset(cutoff)
    analysed = [row for row in dataset if row.included]
    return SurvivalReport(
        cutoff=cutoff,
        factor=factor,
        dataset=dataset,
        enrolled_after_cutoff=enrolled_after_cutoff,
        pfs=_endpoint(analysed, "pfs", factor),
        os=_endpoint(analysed, "os", factor),
        response=_pattern_rows(dataset, factor),
    )


# --- CSV downloads --------------------------------------------------------------------------------

CSV_TABLES = ("dataset", "pfs", "os", "summary", "at_risk", "comparison", "response")


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _num(value: float | None, places: int = 4) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _dataset_rows(report: SurvivalReport) -> Iterator[list]:
    yield [
        "study_number",
        "diagnosis_date",
        "enrolment_date",
        "figo_stage",
        "node_status",
        "histology",
        "best_response",
        "responder",
        "first_progression_date",
        "first_progression_site",
        "death_date",
        "death_cause",
        "os_days",
        "os_months",
        "os_event",
        "os_end_date",
        "os_basis",
        "pfs_days",
        "pfs_months",
        "pfs_event",
        "pfs_end_date",
        "pfs_basis",
        "included",
        "problem_code",
        "problem",
    ]
    for row in report.dataset:
        times = row.times
        yield [
            row.study_number,
            _iso(row.diagnosis_date),
            _iso(row.enrolment_date),
            row.figo_stage,
            row.node_status_label,
            row.histology,
            row.best_response,
            _yes_no(row.responder),
            _iso(row.progression_date),
            row.progression_site,
            _iso(row.death_date),
            row.death_cause,
            "" if times.os_days is None else times.os_days,
            _num(times.os_months),
            "" if times.problem else int(times.os_event),
            _iso(times.os_end_date),
            times.os_basis_label,
            "" if times.pfs_days is None else times.pfs_days,
            _num(times.pfs_months),
            "" if times.problem else int(times.pfs_event),
            _iso(times.pfs_end_date),
            times.pfs_basis_label,
            _yes_no(row.included),
            row.problem,
            row.problem_message,
        ]


def _kms(endpoint: EndpointReport) -> Iterator[tuple[str, rules.KmSummary]]:
    yield "All", endpoint.km
    if endpoint.comparison is not None:
        for group in endpoint.comparison.groups:
            yield group.level, group.km


def _km_table_rows(endpoint: EndpointReport) -> Iterator[list]:
    yield ["group", "time_months", "at_risk", "events", "censored", "survival_pct", "ci_lower_pct", "ci_upper_pct"]
    for group, km in _kms(endpoint):
        for point in km.curve:
            yield [
                group,
                _num(point.months),
                point.at_risk,
                point.events,
                point.censored,
                _num(100 * point.survival, 2),
                _num(100 * point.lower, 2),
                _num(100 * point.upper, 2),
            ]


def _summary_rows(report: SurvivalReport) -> Iterator[list]:
    header = [
        "endpoint",
        "group",
        "n",
        "events",
        "censored",
        "median_months",
        "median_ci_lower_months",
        "median_ci_upper_months",
    ]
    for months in LANDMARKS_MONTHS:
        header += [f"survival_{months}_months_pct", f"ci_lower_{months}_months_pct", f"ci_upper_{months}_months_pct"]
    yield header
    for endpoint in report.endpoints:
        for group, km in _kms(endpoint):
            row = [
                endpoint.key,
                group,
                km.n,
                km.events,
                km.censored,
                _num(km.median.value, 2),
                _num(km.median.lower, 2),
                _num(km.median.upper, 2),
            ]
            for landmark in km.landmarks:
                row += [
                    _num(None if landmark.survival is None else 100 * landmark.survival, 2),
                    _num(None if landmark.lower is None else 100 * landmark.lower, 2),
                    _num(None if landmark.upper is None else 100 * landmark.upper, 2),
                ]
            yield row


def _at_risk_rows(report: SurvivalReport) -> Iterator[list]:
    yield ["endpoint", "group", "time_months", "at_risk", "events_before", "censored_before"]
    for endpoint in report.endpoints:
        for group, km in _kms(endpoint):
            for item in km.at_risk:
                yield [endpoint.key, group, item.months, item.at_risk, item.events_before, item.censored_before]


def _comparison_rows(report: SurvivalReport) -> Iterator[list]:
    yield [
        "endpoint",
        "factor",
        "group",
        "reference",
        "n",
        "events",
        "median_months",
        "hazard_ratio",
        "hr_ci_lower",
        "hr_ci_upper",
        "cox_p",
        "logrank_p",
        "not_compared_n",
        "note",
    ]
    for endpoint in report.endpoints:
        comparison = endpoint.comparison
        if comparison is None:
            continue
        note = " ".join(text for text in (comparison.result.logrank_note, comparison.cox_note) if text)
        for group in comparison.groups:
            yield [
                endpoint.key,
                comparison.factor_label,
                group.level,
                _yes_no(group.reference),
                group.n,
                group.events,
                _num(group.km.median.value, 2),
                "1" if group.reference else _num(group.hazard_ratio_value),
                _num(group.hr_lower),
                _num(group.hr_upper),
                _num(group.cox_p),
                _num(comparison.logrank_p),
                comparison.unknown_n,
                note,
            ]


def _response_rows(report: SurvivalReport) -> Iterator[list]:
    header = ["group", "n"]
    for key, _label in report.pattern_headers:
        slug = key.lower().replace("/", "_").replace("-", "_")
        header += [f"{slug}_n", f"{slug}_pct"]
    yield header
    for row in report.response:
        values = [row.label, row.table.population_n]
        for cell in row.table.cells:
            values += [cell.n, _num(cell.pct, 1)]
        yield values


def csv_rows(table: str, report: SurvivalReport) -> Iterator[list]:
    """The rows (header first) of one of ``CSV_TABLES``."""
    if table == "dataset":
        return _dataset_rows(report)
    if table == "pfs":
        return _km_table_rows(report.pfs)
    if table == "os":
        return _km_table_rows(report.os)
    if table == "summary":
        return _summary_rows(report)
    if table == "at_risk":
        return _at_risk_rows(report)
    if table == "comparison":
        return _comparison_rows(report)
    if table == "response":
        return _response_rows(report)
    raise ValueError(f"Unknown table {table!r}")
