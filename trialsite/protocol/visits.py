"""The visit schedule and the forms each visit collects (PROTOCOL §4; the paper's Table 2 and its
"Assessment of efficacy & follow-up" section), declared as data.

Counting
    Treatment start = week 0 day 1 = the first fraction of external beam radiotherapy (PROTOCOL §2).
    A visit's offset counts days from treatment start: offset 0 is day 1, offset 7 is day 8 (the
    second weekly cisplatin), offset -14 is two weeks before the first fraction. Follow-up visits
    are declared in months and converted to days by MONTH_CONVENTION (below).

Anchor of the follow-up visits
    The paper places the major efficacy evaluation "1 month after chemoradiation (3 months since
    the beginning of radiotherapy)" and lists every follow-up in months. Resolution: every
    follow-up offset counts from treatment start (the paper's own "3 months since the beginning"),
    not from the end of chemoradiation, so the schedule is known from day 1 and does not drift.

Shifting
    Resolution: actual visit dates never move later targets. Weekly CCRT visits follow the
    treatment week (a late week-2 visit does not make week 3 late) and follow-up timepoints are
    months since treatment start. (Dose dates do shift - PROTOCOL §2 - but those are doses, not
    visits.)

Table 2 (paper) - which of the six columns each row ticks
    The text extraction of Table 2 keeps how many ticks each row has but not under which column.
    The columns are: eligibility, planning of RT (week -2), CCRT (weeks 0-8), end of EBRT
    (week 5), follow-up 1 (month 3), follow-up 2 (month 6). Tick counts: consent 1,
    demographics 1, medical history 3, physical examination 4, staging imaging 4, pathology 1,
    HPV testing 2, blood samples 5, planning CT 1, image guidance 1, toxicity 4. Resolution,
    reconstructed from those counts and the paper's text ("mid-treatment evaluation ... at the end
    of EBRT, mainly including physical examination, pelvic MRI and HPV testing"; "major efficacy
    evaluation ... comprehensive imaging examination and blood tests"; toxicity "during and after
    treatment"):
      - consent, demographics, pathology: eligibility;
      - medical history: eligibility, follow-up 1, follow-up 2;
      - physical examination, staging imaging: eligibility, end of EBRT, follow-ups 1 and 2;
      - HPV testing: eligibility (baseline) and end of EBRT;
      - blood samples: every column except planning of RT;
      - planning CT: planning of RT; image guidance: CCRT;
      - toxicity (CTCAE v5.0): CCRT, end of EBRT, follow-ups 1 and 2.
    Confirm against the published PDF; a correction is an edit to the form tuples below.
    The "blood samples (blood routine, hepatic and renal function, SCC, etc.)" row is split into
    three forms, each expected wherever the row is ticked.
    Not in Table 2: ``tumour_assessment`` (RECIST 1.1 target / non-target lesions, PROTOCOL §5) is
    expected at baseline (RECIST needs baseline measurements), at the end of EBRT (the paper's
    mid-treatment efficacy evaluation) and at every follow-up ("CR, PR, SD and PD ... at each
    follow-up according to RECIST 1.1").
    Later follow-ups (from month 9) repeat follow-up 2's forms: "such evaluation will also be
    conducted every 3 months within 2 years of treatment, every 6 months within 3-5 years, and
    yearly after 5 years".

Windows (PROTOCOL §4 resolution): weekly +/-2 days; months 3 and 6 +/-7; 3-monthly +/-14;
6-monthly and yearly +/-30. PROTOCOL §4 gives no window for eligibility, RT planning or the end of
EBRT; the resolutions are at their declarations below.

Pure Python: no database, no clock. The visit and form labels are shown on the pages, so they are
marked for translation (``gettext_lazy``: read in the language active when shown; the project
catalog, ``locale/``); the CSV exports print them in English.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from enrollment.rules.text import interpolate_lazy

# --- Forms (the vocabulary of what a visit collects) -------------------------------------------


@dataclass(frozen=True)
class FormDefinition:
    code: str
    label: str
    source: str


CONSENT = "consent"
DEMOGRAPHICS = "demographics"
HISTORY = "history"
PHYSICAL_EXAM = "physical_exam"
STAGING_IMAGING = "staging_imaging"
PATHOLOGY = "pathology"
HPV_TEST = "hpv_test"
BLOOD_ROUTINE = "blood_routine"
LIVER_KIDNEY_FUNCTION = "liver_kidney_function"
SCC_ANTIGEN = "scc_antigen"
PLANNING_CT = "planning_ct"
IMAGE_GUIDANCE = "image_guidance"
CTCAE_TOXICITY = "ctcae_toxicity"
TUMOUR_ASSESSMENT = "tumour_assessment"

FORMS: tuple[FormDefinition, ...] = (
    FormDefinition(CONSENT, _("Written informed consent"), "Table 2"),
    FormDefinition(DEMOGRAPHICS, _("Demographic information"), "Table 2"),
    FormDefinition(HISTORY, _("Medical history (incl. histology)"), "Table 2"),
    FormDefinition(PHYSICAL_EXAM, _("Physical examination"), "Table 2"),
    FormDefinition(STAGING_IMAGING, _("Staging imaging"), "Table 2"),
    FormDefinition(PATHOLOGY, _("Pathological results"), "Table 2"),
    FormDefinition(HPV_TEST, _("HPV testing"), "Table 2"),
    FormDefinition(BLOOD_ROUTINE, _("Blood routine"), "Table 2 (blood samples)"),
    FormDefinition(LIVER_KIDNEY_FUNCTION, _("Hepatic and renal function"), "Table 2 (blood samples)"),
    FormDefinition(SCC_ANTIGEN, _("SCC antigen"), "Table 2 (blood samples)"),
    FormDefinition(PLANNING_CT, _("Planning CT"), "Table 2"),
    FormDefinition(IMAGE_GUIDANCE, _("Image guidance during RT"), "Table 2"),
    FormDefinition(CTCAE_TOXICITY, _("Toxicity (NCI CTCAE v5.0)"), "Table 2"),
    FormDefinition(TUMOUR_ASSESSMENT, _("Tumour assessment (RECIST 1.1)"), "PROTOCOL §5; paper, efficacy & follow-up"),
)
FORM_LABELS: dict[str, str] = {form.code: form.label for form in FORMS}  # lazy: str() where a plain string is needed

_BLOOD_SAMPLES = (BLOOD_ROUTINE, LIVER_KIDNEY_FUNCTION, SCC_ANTIGEN)

SCREENING_FORMS = (
    CONSENT,
    DEMOGRAPHICS,
    HISTORY,
    PHYSICAL_EXAM,
    STAGING_IMAGING,
    PATHOLOGY,
    HPV_TEST,
    *_BLOOD_SAMPLES,
    TUMOUR_ASSESSMENT,
)
RT_PLANNING_FORMS = (PLANNING_CT,)
CCRT_WEEKLY_FORMS = (*_BLOOD_SAMPLES, IMAGE_GUIDANCE, CTCAE_TOXICITY)
END_OF_EBRT_FORMS = (PHYSICAL_EXAM, STAGING_IMAGING, HPV_TEST, *_BLOOD_SAMPLES, CTCAE_TOXICITY, TUMOUR_ASSESSMENT)
FOLLOW_UP_FORMS = (HISTORY, PHYSICAL_EXAM, STAGING_IMAGING, *_BLOOD_SAMPLES, CTCAE_TOXICITY, TUMOUR_ASSESSMENT)

# --- Windows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitWindow:
    """Days allowed before and after the target date (both ends inclusive)."""

    days_before: int
    days_after: int

    def __post_init__(self) -> None:
        if self.days_before < 0 or self.days_after < 0:
            raise ValueError("Window sizes are counts of days and cannot be negative.")


WEEKLY_WINDOW = VisitWindow(2, 2)
EARLY_FOLLOW_UP_WINDOW = VisitWindow(7, 7)  # months 3 and 6
QUARTERLY_WINDOW = VisitWindow(14, 14)  # every 3 months up to 2 years
SEMIANNUAL_WINDOW = VisitWindow(30, 30)  # every 6 months in years 3-5
YEARLY_WINDOW = VisitWindow(30, 30)  # yearly after 5 years
# Resolution (no window in PROTOCOL §4): eligibility is assessed in the six weeks before treatment
# start (days -42..-1; its labs have their own 14-day limit, PROTOCOL §1).
SCREENING_WINDOW = VisitWindow(21, 20)
# Resolution: the planning CT is taken in the three weeks before treatment start (days -21..-1).
RT_PLANNING_WINDOW = VisitWindow(7, 13)
# Resolution: the end of EBRT falls after 25-28 fractions at 5 a week (offsets 32-37 without a
# break), so week 5 gets +/-7 days rather than the weekly +/-2.
END_OF_EBRT_WINDOW = VisitWindow(7, 7)

# --- Months to days ------------------------------------------------------------------------------


class MonthConvention(StrEnum):
    AVERAGE = "average"  # month m = DAYS_PER_MONTH * m days, rounded half up
    CALENDAR = "calendar"  # same day of the month, m calendar months on (clamped to the month's end)


# Resolution: the average month keeps every offset a fixed number of days, identical for every
# participant (month 3 = day offset 91, month 6 = 183, month 24 = 731).
MONTH_CONVENTION = MonthConvention.AVERAGE
DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12
MONTH_ROUNDING = ROUND_HALF_UP

# --- Visits --------------------------------------------------------------------------------------


class OffsetUnit(StrEnum):
    DAYS = "days"
    MONTHS = "months"


class VisitKind(StrEnum):
    SCREENING = "screening"
    RT_PLANNING = "rt_planning"
    CCRT_WEEKLY = "ccrt_weekly"
    END_OF_EBRT = "end_of_ebrt"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class VisitDefinition:
    code: str
    label: str
    kind: VisitKind
    offset: int
    offset_unit: OffsetUnit
    window: VisitWindow
    forms: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = [form for form in self.forms if form not in FORM_LABELS]
        if unknown:
            raise ValueError(f"Visit {self.code} expects unknown forms: {', '.join(unknown)}.")


@dataclass(frozen=True)
class FollowUpSeries:
    """Follow-up visits every ``interval_months`` from ``first_month`` to ``last_month`` inclusive
    (``None``: open-ended, cut by the horizon)."""

    first_month: int
    last_month: int | None
    interval_months: int
    window: VisitWindow
    forms: tuple[str, ...]


CCRT_WEEKS = range(9)  # weeks 0-8

FIXED_VISITS: tuple[VisitDefinition, ...] = (
    VisitDefinition(
        "screening",
        _("Eligibility / inclusion"),
        VisitKind.SCREENING,
        -21,
        OffsetUnit.DAYS,
        SCREENING_WINDOW,
        SCREENING_FORMS,
    ),
    VisitDefinition(
        "rt_planning",
        _("Planning of RT (week -2)"),
        VisitKind.RT_PLANNING,
        -14,
        OffsetUnit.DAYS,
        RT_PLANNING_WINDOW,
        RT_PLANNING_FORMS,
    ),
    *(
        VisitDefinition(
            f"ccrt_w{week}",
            interpolate_lazy(_("CCRT week %(week)s"), week=week),
            VisitKind.CCRT_WEEKLY,
            7 * week,
            OffsetUnit.DAYS,
            WEEKLY_WINDOW,
            CCRT_WEEKLY_FORMS,
        )
        for week in CCRT_WEEKS
    ),
    VisitDefinition(
        "eoebrt",
        _("End of EBRT (week 5)"),
        VisitKind.END_OF_EBRT,
        35,
        OffsetUnit.DAYS,
        END_OF_EBRT_WINDOW,
        END_OF_EBRT_FORMS,
    ),
    VisitDefinition(
        "fu_m3",
        _("Follow-up 1 (month 3, major efficacy evaluation)"),
        VisitKind.FOLLOW_UP,
        3,
        OffsetUnit.MONTHS,
        EARLY_FOLLOW_UP_WINDOW,
        FOLLOW_UP_FORMS,
    ),
    VisitDefinition(
        "fu_m6",
        _("Follow-up 2 (month 6)"),
        VisitKind.FOLLOW_UP,
        6,
        OffsetUnit.MONTHS,
        EARLY_FOLLOW_UP_WINDOW,
        FOLLOW_UP_FORMS,
    ),
)

# After months 3 and 6: every 3 months up to 2 years, every 6 months in years 3-5, yearly after.
FOLLOW_UP_SERIES: tuple[FollowUpSeries, ...] = (
    FollowUpSeries(9, 24, 3, QUARTERLY_WINDOW, FOLLOW_UP_FORMS),
    FollowUpSeries(30, 60, 6, SEMIANNUAL_WINDOW, FOLLOW_UP_FORMS),
    FollowUpSeries(72, None, 12, YEARLY_WINDOW, FOLLOW_UP_FORMS),
)
# Resolution: "yearly after 5 years" is open-ended; the schedule runs to 10 years after treatment
# start (the last visit is month 120). 31 visits in all.
FOLLOW_UP_HORIZON_YEARS = 10

# The coordinator is told a visit is "due soon" when its window opens within this many days.
DUE_SOON_DAYS = 7
