"""PROTOCOL §2 (treatment) and the chemotherapy part of PROTOCOL §3 (dose modification) as data.

Source: ``../shared/protocol/PROTOCOL.md`` §2 and §3, which restate the paper (NCT05084677,
"Radiotherapy", "Dose constraints", "Chemotherapy", "Immunotherapy", "Toxicity & dose
modifications") and record our resolutions of its ambiguities. Every number the dosing rules use
lives here; the rules in ``dosing/rules/`` take these instances as keyword defaults, so a protocol
amendment is one diff here and a test can pass ``dataclasses.replace(CALENDAR, ...)``.

Conventions:
- doses in mg or mg/m^2 are ``Decimal`` (rounding is done once, in ``dosing/rules/dose.py``);
- radiation doses are Gy as ``float`` (the EQD2 rules compare them exactly, see
  ``dosing/rules/radiotherapy.py``);
- calendar days follow PROTOCOL §2: "day 1" = treatment start = first EBRT fraction, so
  "day N" is ``treatment_start + (N - 1)`` days.

Pure Python: no Django, no database, no clock.
"""

from dataclasses import dataclass
from decimal import Decimal

# --- Names used in plans and records (stable strings, part of the public contract) ---------------

CISPLATIN = "cisplatin"
PACLITAXEL = "paclitaxel"
TORIPALIMAB = "toripalimab"
AGENTS = (CISPLATIN, PACLITAXEL, TORIPALIMAB)

CCRT = "ccrt"
CONSOLIDATION = "consolidation"
MAINTENANCE = "maintenance"
PHASES = (CCRT, CONSOLIDATION, MAINTENANCE)

MOSTELLER = "mosteller"
DUBOIS = "dubois"
BSA_FORMULAS = (MOSTELLER, DUBOIS)

# How the consolidation cisplatin dose is read (PROTOCOL §2 resolution).
CISPLATIN_TOTAL_PER_CYCLE = "total_per_cycle"  # 75 mg/m^2 divided evenly over days 2-4
CISPLATIN_PER_DAY = "per_day"  # 75 mg/m^2 on each of days 2-4
CONSOLIDATION_CISPLATIN_MODES = (CISPLATIN_TOTAL_PER_CYCLE, CISPLATIN_PER_DAY)


# --- PROTOCOL §2: radiotherapy --------------------------------------------------------------------


@dataclass(frozen=True)
class OarLimit:
    """One organ-at-risk limit on total EBRT + brachytherapy EQD2 (PROTOCOL §2)."""

    code: str  # stable code, e.g. "oar.rectum.d2cc"
    organ: str  # "bladder", "rectum", "sigmoid"
    label: str  # shown to people
    max_eqd2_gy: float  # the limit holds while the total is <= this value


@dataclass(frozen=True)
class RadiotherapyProtocol:
    """PROTOCOL §2 "Radiotherapy" and the paper's "Dose constraints"."""

    # EBRT (IMRT / VMAT / TOMO): 45.0-50.4 Gy in 25-28 fractions of 1.8 Gy, 1/day, 5 days/week.
    ebrt_techniques: tuple[str, ...] = ("IMRT", "VMAT", "TOMO")
    ebrt_total_dose_min_gy: float = 45.0
    ebrt_total_dose_max_gy: float = 50.4
    ebrt_fractions_min: int = 25
    ebrt_fractions_max: int = 28
    ebrt_dose_per_fraction_gy: float = 1.8
    ebrt_fractions_per_week: int = 5
    # Node-positive: simultaneous integrated boost to PGTVnd, 53.50-59.92 Gy at 2.14 Gy/fraction.
    sib_total_dose_min_gy: float = 53.50
    sib_total_dose_max_gy: float = 59.92
    sib_dose_per_fraction_gy: float = 2.14
    # IGABT (HDR): 28 Gy in 4 fractions of 7 Gy to the HR-CTV.
    brachy_total_dose_gy: float = 28.0
    brachy_fractions: int = 4
    brachy_dose_per_fraction_gy: float = 7.0
    # Linear-quadratic alpha/beta ratios for EQD2.
    alpha_beta_tumour_gy: float = 10.0
    alpha_beta_oar_gy: float = 3.0
    # D2cc limits, EBRT + brachytherapy in EQD2 (alpha/beta 3 Gy); "<=" limits.
    oar_limits: tuple[OarLimit, ...] = (
        OarLimit("oar.bladder.d2cc", "bladder", "Bladder D2cc", 85.0),
        OarLimit("oar.rectum.d2cc", "rectum", "Rectum D2cc", 75.0),
        OarLimit("oar.sigmoid.d2cc", "sigmoid", "Sigmoid D2cc", 75.0),
    )
    # Femoral head: V50 < 5 % of the volume (strict).
    femoral_head_v50_code: str = "oar.femoral_head.v50"
    femoral_head_v50_max_pct: float = 5.0
    # Overall treatment time (first EBRT fraction to last RT fraction, both days counted):
    # a warning when it is above this many days.
    overall_treatment_time_code: str = "rt.ott.over_limit"
    overall_treatment_time_max_days: int = 56

    def oar_limit(self, organ: str) -> OarLimit:
        for limit in self.oar_limits:
            if limit.organ == organ:
                return limit
        known = ", ".join(limit.organ for limit in self.oar_limits)
        raise KeyError(f"No PROTOCOL §2 D2cc limit for organ {organ!r} (known: {known}).")


RADIOTHERAPY = RadiotherapyProtocol()


# --- PROTOCOL §2: the planned calendar (resolution; every offset a setting) -----------------------


@dataclass(frozen=True)
class TreatmentCalendar:
    """The planned calendar of PROTOCOL §2 (day 1 = treatment start = first EBRT fraction)."""

    # CCRT: weekly cisplatin (cycle = week number 1..6, always day 1 of its week) and toripalimab
    # (cycles 1-2), given on these study days.
    weekly_cisplatin_days: tuple[int, ...] = (1, 8, 15, 22, 29, 36)
    ccrt_toripalimab_days: tuple[int, ...] = (1, 22)
    # Fewer weekly cisplatin doses than this given is a protocol deviation.
    min_weekly_cisplatin_doses: int = 4

    # Dose windows (our resolution; the paper gives none): a dose given more than this many days
    # before or after its due date (the date planned from the actual dates before it, after any
    # documented postponement) is a protocol deviation. Weekly CCRT doses follow the +/-2 days of
    # the weekly visits (PROTOCOL §4); 3-weekly and 6-weekly doses allow +/-3 days.
    ccrt_dose_window_days: int = 2
    cycle_dose_window_days: int = 3

    # Consolidation: cycles 1..6, each 21 days after the ACTUAL day 1 of the one before; cycle 1
    # starts this many days after the last radiotherapy fraction (EBRT or brachytherapy).
    consolidation_cycles: int = 6
    consolidation_cycle_length_days: int = 21
    consolidation_start_after_last_rt_days: int = 21
    consolidation_paclitaxel_days: tuple[int, ...] = (1,)
    consolidation_toripalimab_days: tuple[int, ...] = (1,)
    consolidation_cisplatin_days: tuple[int, ...] = (2, 3, 4)

    # Maintenance toripalimab: every 42 days after the last consolidation toripalimab dose, while
    # the due date is no later than treatment start + 365 days.
    maintenance_interval_days: int = 42
    maintenance_horizon_days: int = 365

    # Expected end of radiotherapy while the last fraction is unknown (plans made from it are
    # provisional): 28 EBRT fractions at 5 a week (fractions on 5 consecutive days out of every 7,
    # counted from treatment start), then 4 weekly brachytherapy fractions, the first one week
    # after the last EBRT fraction.
    expected_ebrt_fractions: int = 28
    expected_ebrt_fractions_per_week: int = 5
    expected_brachy_fractions: int = 4
    expected_brachy_interval_days: int = 7
    expected_first_brachy_after_last_ebrt_days: int = 7


CALENDAR = TreatmentCalendar()


# --- PROTOCOL §2: doses and their calculation -----------------------------------------------------


@dataclass(frozen=True)
class ChemoDoses:
    """Doses of PROTOCOL §2 and how they are calculated."""

    ccrt_cisplatin_mg_per_m2: Decimal = Decimal("40")  # weekly during EBRT
    consolidation_paclitaxel_mg_per_m2: Decimal = Decimal("135")  # day 1
    consolidation_cisplatin_mg_per_m2: Decimal = Decimal("75")  # days 2-4, see the mode
    consolidation_cisplatin_mode: str = CISPLATIN_TOTAL_PER_CYCLE
    toripalimab_flat_mg: Decimal = Decimal("240")  # IV, every dose, every phase

    # Body-surface area: Mosteller by default, DuBois as a setting.
    bsa_formula: str = MOSTELLER
    # Plausibility of the measurements BSA is calculated from (inclusive ranges).
    height_min_cm: Decimal = Decimal("100")
    height_max_cm: Decimal = Decimal("230")
    weight_min_kg: Decimal = Decimal("25")
    weight_max_kg: Decimal = Decimal("250")
    # Recalculate the dose when weight changes by >= this % from the weight used.
    weight_change_recalc_pct: Decimal = Decimal("10")
    # A dose given more than this % above the calculated dose needs an investigator override.
    dose_over_calculation_tolerance_pct: Decimal = Decimal("10")


DOSES = ChemoDoses()


# --- PROTOCOL §3: chemotherapy dose modification ------------------------------------------------

# CTCAE v5.0 terms.
NEUTROPHIL_COUNT_DECREASED = "Neutrophil count decreased"
PLATELET_COUNT_DECREASED = "Platelet count decreased"
WHITE_BLOOD_CELL_DECREASED = "White blood cell decreased"
FEBRILE_NEUTROPENIA = "Febrile neutropenia"
LYMPHOCYTE_COUNT_DECREASED = "Lymphocyte count decreased"
ANEMIA = "Anemia"


@dataclass(frozen=True)
class ChemoModificationProtocol:
    """PROTOCOL §3 chemotherapy rules and their resolution (steps of 20 %, never re-escalated)."""

    # Dose levels as % of the starting dose, in order; each qualifying event moves one step down.
    dose_levels_pct: tuple[int, ...] = (100, 80, 60)
    # A qualifying haematological event at the lowest level discontinues chemotherapy.
    discontinue_on_event_at_lowest_level: bool = True
    # A grade >= this of a non-haematological toxicity discontinues chemotherapy.
    non_haematological_discontinue_grade: int = 4
    # Grade >= this of neutropenia / thrombocytopenia / leukopenia is a qualifying event.
    cytopenia_qualifying_grade: int = 4
    # Grade >= this of neutropenia is a qualifying event when there is fever.
    febrile_neutropenia_qualifying_grade: int = 3
    # "Recovered" = every haematological toxicity at grade <= this.
    recovered_max_grade: int = 1
    # Cytopenias that qualify at grade 4 (paper: "neutropenia, thrombocytopenia, leucopenia").
    qualifying_cytopenia_terms: tuple[str, ...] = (
        NEUTROPHIL_COUNT_DECREASED,
        PLATELET_COUNT_DECREASED,
        WHITE_BLOOD_CELL_DECREASED,
    )
    # Terms counted as haematological: the three above, febrile neutropenia, and the other
    # cytopenias of CTCAE v5.0 (Investigations: lymphocyte count decreased; Blood and lymphatic
    # system disorders: anemia). A grade 4 of any of these is NOT a "grade 4 non-haematological
    # toxicity"; only the qualifying ones above change the dose.
    haematological_terms: tuple[str, ...] = (
        NEUTROPHIL_COUNT_DECREASED,
        PLATELET_COUNT_DECREASED,
        WHITE_BLOOD_CELL_DECREASED,
        FEBRILE_NEUTROPENIA,
        LYMPHOCYTE_COUNT_DECREASED,
        ANEMIA,
    )


CHEMO_MODIFICATION = ChemoModificationProtocol()
