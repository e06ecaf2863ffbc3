"""The CTCAE v5.0 lab tables as a whole: metadata the lab form relies on, bands that tile without
overlap or gap, numbers that match the official CTCAE v5.0 text, and a cross-check against one
public machine-readable reading of the criteria (pharmaverse admiral), read when present."""

import json
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from toxicity.rules.ctcae import (
    Direction,
    band_grades,
    gradable_terms,
    grade_lab,
    lab_criteria,
    term_direction,
    term_unit,
)
from toxicity.rules.ctcae_lab_criteria import LAB_CRITERIA, BaselineUse, Ref

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "ctcae"
ADMIRAL_JSON = REFERENCE / "admiral_lab_grading" / "ncictcaev5.json"
CTCAE_XLSX = REFERENCE / "CTCAE_v5.0.xlsx"

ALT = "Alanine aminotransferase increased"

# A plausible adult female reference range per term (lln, uln), in the term's unit.
TYPICAL_RANGE: dict[str, tuple[float | None, float | None]] = {
    "Anemia": (11.5, None),
    "Neutrophil count decreased": (2.0, None),
    "White blood cell decreased": (3.5, None),
    "Platelet count decreased": (125, None),
    "Lymphocyte count decreased": (1.1, None),
    ALT: (None, 40),
    "Aspartate aminotransferase increased": (None, 35),
    "Alkaline phosphatase increased": (None, 135),
    "GGT increased": (None, 45),
    "Blood bilirubin increased": (None, 21),
    "Creatinine increased": (None, 84),
    "Serum amylase increased": (None, 110),
    "Lipase increased": (None, 60),
    "Hypokalemia": (3.5, None),
    "Hyperkalemia": (None, 5.3),
    "Hyponatremia": (137, None),
    "Hypernatremia": (None, 147),
    "Hypomagnesemia": (0.75, None),
    "Hypermagnesemia": (None, 1.02),
    "Hypocalcemia": (2.11, None),
    "Hypercalcemia": (None, 2.52),
    "Hypoglycemia": (3.9, None),
}

REQUIRED_TERMS = [
    "Anemia", "Neutrophil count decreased", "White blood cell decreased", "Platelet count decreased",
    "Lymphocyte count decreased", ALT, "Aspartate aminotransferase increased", "Alkaline phosphatase increased",
    "GGT increased", "Blood bilirubin increased", "Creatinine increased", "Serum amylase increased",
    "Lipase increased", "Hypokalemia", "Hyperkalemia", "Hyponatremia", "Hypernatremia", "Hypomagnesemia",
]  # fmt: skip


def test_every_term_the_issue_requires_is_gradable():
    assert set(REQUIRED_TERMS) <= set(gradable_terms())


def test_every_gradable_term_has_a_typical_range_for_these_tests():
    assert set(gradable_terms()) == set(TYPICAL_RANGE)


@pytest.mark.parametrize(
    ("term", "unit", "direction"),
    [
        ("Anemia", "g/dL", Direction.LOW),
        ("Neutrophil count decreased", "10^9/L", Direction.LOW),
        ("White blood cell decreased", "10^9/L", Direction.LOW),
        ("Platelet count decreased", "10^9/L", Direction.LOW),
        ("Lymphocyte count decreased", "10^9/L", Direction.LOW),
        (ALT, "U/L", Direction.HIGH),
        ("Blood bilirubin increased", "µmol/L", Direction.HIGH),
        ("Creatinine increased", "µmol/L", Direction.HIGH),
        ("Lipase increased", "U/L", Direction.HIGH),
        ("Hypokalemia", "mmol/L", Direction.LOW),
        ("Hyperkalemia", "mmol/L", Direction.HIGH),
        ("Hyponatremia", "mmol/L", Direction.LOW),
        ("Hypernatremia", "mmol/L", Direction.HIGH),
        ("Hypomagnesemia", "mmol/L", Direction.LOW),
    ],
)
def test_unit_and_direction_the_lab_form_shows(term, unit, direction):
    assert term_unit(term) == unit
    assert term_direction(term) == direction


@pytest.mark.parametrize("criteria", LAB_CRITERIA, ids=lambda c: c.term)
def test_low_terms_need_lln_and_high_terms_need_uln(criteria):
    expected = {Direction.LOW: Ref.LLN, Direction.HIGH: Ref.ULN}[criteria.direction]
    assert criteria.references == {expected}


@pytest.mark.parametrize(
    ("term", "grades"),
    [
        ("Anemia", (1, 2, 3)),  # grade 4 is clinical only
        ("Hypokalemia", (1, 3, 4)),  # grade 2 needs symptoms
        ("Hypermagnesemia", (1, 3, 4)),  # CTCAE v5.0 has no grade 2
        ("Serum amylase increased", (1, 2, 3)),  # grade 4 needs symptoms
        ("Lipase increased", (1, 2, 3)),
        ("Neutrophil count decreased", (1, 2, 3, 4)),
    ],
)
def test_grades_a_value_alone_can_reach(term, grades):
    assert lab_criteria(term).grades == grades


@pytest.mark.parametrize("term", ["Serum amylase increased", "Lipase increased", "Hypokalemia", "Hyponatremia"])
def test_symptom_dependent_terms_document_what_the_value_alone_supports(term):
    assert "value alone" in lab_criteria(term).value_alone_note


# --- no overlap, no gap, monotone -----------------------------------------------------------------


def _band_sets():
    """(id, criteria, bands, refs) for every band set of every term, with a typical range."""
    for criteria in LAB_CRITERIA:
        lln, uln = TYPICAL_RANGE[criteria.term]
        refs = {"lln": lln, "uln": uln, "baseline": None}
        yield f"{criteria.term}", criteria, criteria.bands, refs
        if criteria.baseline_use is BaselineUse.IF_ABNORMAL:
            yield (
                f"{criteria.term} / abnormal baseline",
                criteria,
                criteria.baseline_bands,
                {**refs, "baseline": 2 * uln},
            )
        elif criteria.baseline_use is BaselineUse.ALWAYS:
            yield f"{criteria.term} / baseline", criteria, criteria.baseline_bands, {**refs, "baseline": 0.8 * uln}


BAND_SETS = list(_band_sets())


def _resolved_limits(bands, refs) -> list[Decimal]:
    values = {Ref.VALUE: Decimal(1)}
    for ref, key in ((Ref.LLN, "lln"), (Ref.ULN, "uln"), (Ref.BASELINE, "baseline")):
        if refs[key] is not None:
            values[ref] = Decimal(str(refs[key]))
    return sorted({limit.factor * values[limit.ref] for band in bands for limit in band.limits})


def _sample_points(bands, refs, *, steps: int = 3000) -> list[Decimal]:
    """Every limit, a hair either side, every midpoint, and a fine sweep from 0 to 30 x the reference."""
    limits = _resolved_limits(bands, refs)
    reference = max(Decimal(str(v)) for v in refs.values() if v is not None)
    top = max(30 * reference, 2 * limits[-1])
    points = {Decimal(0), top}
    for limit in limits:
        hair = limit / Decimal(10**6)
        points |= {limit, limit - hair, limit + hair}
    points |= {(a + b) / 2 for a, b in zip(limits, limits[1:], strict=False)}
    points |= {top * i / steps for i in range(steps + 1)}
    return sorted(points)


@pytest.mark.parametrize(("name", "criteria", "bands", "refs"), BAND_SETS, ids=[s[0] for s in BAND_SETS])
def test_bands_neither_overlap_nor_leave_gaps_and_grades_are_monotone(name, criteria, bands, refs):
    previous = None
    for value in _sample_points(bands, refs):
        grades = band_grades(bands, value, **refs)
        assert len(grades) == 1, f"{name}: {value} falls in bands of grades {grades}"
        if previous is not None:
            if criteria.direction is Direction.HIGH:
                assert grades[0] >= previous, f"{name}: grade drops to {grades[0]} at {value}"
            else:
                assert grades[0] <= previous, f"{name}: grade rises to {grades[0]} at {value}"
        previous = grades[0]


@pytest.mark.parametrize(("name", "criteria", "bands", "refs"), BAND_SETS, ids=[s[0] for s in BAND_SETS])
def test_grade_lab_is_monotone_over_the_same_sweep(name, criteria, bands, refs):
    grades = [grade_lab(criteria.term, v, **refs) for v in _sample_points(bands, refs)]
    if criteria.direction is Direction.LOW:
        grades.reverse()
    assert grades == sorted(grades)
    # (creatinine's baseline set: grade 4 comes from its ULN set, so "at least")
    assert grades[0] == 0 and grades[-1] >= max(band.grade for band in bands)


def test_the_sweep_finds_a_deliberate_overlap():
    from toxicity.rules.ctcae_lab_criteria import band, val, x_uln

    broken = (band(0, "", le=x_uln("1")), band(1, "", gt=x_uln("1"), le=val("50")), band(2, "", ge=val("50")))
    assert band_grades(broken, 50, uln=40) == (1, 2)
    assert band_grades(broken, 45, uln=40) == (1,)


# --- our numbers against the official CTCAE v5.0 text -------------------------------------------

_NUMBER = re.compile(r"(?<![\de])\d+(?:\.\d+)?(?![\de])")


def _numbers(text: str) -> set[Decimal]:
    return {Decimal(n) for n in _NUMBER.findall(text.replace(",", ""))}


@pytest.mark.parametrize("criteria", LAB_CRITERIA, ids=lambda c: c.term)
def test_every_band_limit_appears_in_the_text_of_a_band_it_bounds(criteria):
    # e.g. ALT grade 2 ">3.0 - 5.0 x ULN" has limits 3.0 and 5.0; Hyponatremia grade 2 "125-129 mmol/L"
    # ends below 130, the limit its neighbour "<LLN - 130 mmol/L" names.
    for bands in (criteria.bands, criteria.baseline_bands):
        for band in bands:
            for limit in band.limits:
                texts = " ".join(other.text for other in bands if limit in other.limits)
                if limit.factor != 1:
                    assert limit.factor in _numbers(texts), f"{criteria.term} grade {band.grade}: {limit}"


def _official_grade_texts() -> dict[str, tuple[str, ...]]:
    if not CTCAE_XLSX.exists():
        pytest.skip(f"{CTCAE_XLSX} not present")
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.load_workbook(CTCAE_XLSX, read_only=True)
    rows = workbook["CTCAE v5.0 Clean Copy"].iter_rows(min_row=2, values_only=True)
    texts = {str(row[2]).strip(): tuple(str(cell) for cell in row[3:8]) for row in rows if row[2]}
    workbook.close()
    return texts


def test_band_numbers_are_in_the_official_grade_text():
    official = _official_grade_texts()
    for criteria in LAB_CRITERIA:
        assert criteria.term in official, f"{criteria.term!r} is not a CTCAE v5.0 term name"
        for band in criteria.bands + criteria.baseline_bands:
            if band.grade == 0:
                continue
            grade_text = official[criteria.term][band.grade - 1]
            missing = _numbers(band.text) - _numbers(grade_text)
            assert not missing, f"{criteria.term} grade {band.grade}: {missing} not in {grade_text!r}"


# --- cross-check against admiral's reading (ncictcaev5.json) ------------------------------------
# Its GRADE_n_CODE fields are R case_when clauses; the few shapes it uses are parsed below into
# plain comparisons (no eval). A term using any other shape is not compared.

_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
_CLAUSE = re.compile(r"(?P<condition>[^~]+?)\s*~\s*(?:NA_character_|\"(?P<grade>\d)\")")
_COMPARE = re.compile(r"^signif\(AVAL, signif_dig\)\s*(?P<op><=|>=|<|>)\s*(?P<rhs>.+)$")
_RHS = re.compile(
    r"^(?:(?P<number>-?[\d.]+)|signif\((?:(?P<factor>[\d.]+)\*)?(?P<var>[A-Z]+|[\d.]+)"
    r"(?:\s*\+\s*(?P<add>[\d.]+))?,\s*signif_dig\))$"
)
_IS_NA = re.compile(r"^(?P<negated>!?)is\.na\((?P<var>[A-Z]+)\)$")


class _Unsupported(Exception):
    pass


def _signif(number: Decimal) -> Decimal:
    return Decimal(format(number, ".8g"))


def _atom(text: str) -> Callable[[dict], bool]:
    text = text.strip()
    if text == "BNRIND %in% high_indicator":
        return lambda env: env["BASELINE_HIGH"]
    if text == "!(BNRIND %in% high_indicator)":
        return lambda env: not env["BASELINE_HIGH"]
    if match := _IS_NA.match(text):
        negated, var = bool(match["negated"]), match["var"]
        return lambda env: (env[var] is None) != negated
    match = _COMPARE.match(text)
    rhs = _RHS.match(match["rhs"].strip()) if match else None
    if rhs is None:
        raise _Unsupported(text)
    compare = _OPS[match["op"]]
    factor, add = Decimal(rhs["factor"] or 1), Decimal(rhs["add"] or 0)
    constant = rhs["number"] or (rhs["var"] if not rhs["var"].isalpha() else None)

    def holds(env: dict) -> bool:
        limit = Decimal(constant) if constant is not None else env[rhs["var"]]
        if env["AVAL"] is None or limit is None:
            return False  # NA in a case_when condition is not TRUE
        return compare(_signif(env["AVAL"]), _signif(factor * limit + add))

    return holds


def _any_of(text: str) -> Callable[[dict], bool]:
    alternatives = [_atom(part) for part in text.split("|")]
    return lambda env: any(alternative(env) for alternative in alternatives)


def _clauses(entry: dict) -> list[tuple[list[Callable[[dict], bool]], int | None]]:
    clauses = []
    for key in ("GRADE_NA_CODE", "GRADE_4_CODE", "GRADE_3_CODE", "GRADE_2_CODE", "GRADE_1_CODE"):
        for match in _CLAUSE.finditer(entry.get(key) or ""):
            atoms = [_any_of(part) for part in match["condition"].strip(" ,").split("&")]
            clauses.append((atoms, int(match["grade"]) if match["grade"] else None))
    return clauses


def _admiral_grade(clauses, env: dict) -> int | None:
    for atoms, grade in clauses:
        if all(atom(env) for atom in atoms):
            return grade
    return 0


def _admiral_entries() -> dict[str, dict]:
    if not ADMIRAL_JSON.exists():
        pytest.skip(f"{ADMIRAL_JSON} not present")
    return {entry["TERM"]: entry for entry in json.loads(ADMIRAL_JSON.read_text(encoding="utf-8"))}


def _known_difference(term: str, value: Decimal, refs: dict, ours: int, theirs: int | None) -> bool:
    """Where admiral reads CTCAE v5.0 differently from us, on purpose (see the module docstrings)."""
    baseline = refs["baseline"]
    # CTCAE GGT grade 1 with abnormal baseline is "2.0 - 2.5 x baseline" (2.0 included, as for ALP);
    # admiral's GGT clause uses "> 2 x baseline".
    if term == "GGT increased" and baseline is not None and value == 2 * Decimal(str(baseline)):
        return (ours, theirs) == (1, 0)
    # Hyponatremia "125-129 mmol/L": we grade 129 < value < 130 as grade 2; admiral's "<= 129" as grade 1.
    if term == "Hyponatremia" and Decimal(129) < value < Decimal(130):
        return (ours, theirs) == (2, 1)
    return False


def test_grades_agree_with_admirals_reading_where_it_is_expressible():
    entries = _admiral_entries()
    compared = set()
    for name, criteria, bands, refs in BAND_SETS:
        entry = entries.get(criteria.term)
        if entry is None:
            continue
        try:
            clauses = _clauses(entry)
        except _Unsupported:
            continue
        # admiral grades haemoglobin in g/L; we take g/dL
        scale = Decimal(10) if (entry.get("UNIT_CHECK"), criteria.unit) == ("g/L", "g/dL") else Decimal(1)
        worst_case = "worst case" in (entry.get("COMMENT") or "").lower()
        uln = Decimal(str(refs["uln"])) if refs["uln"] is not None else None
        baseline = Decimal(str(refs["baseline"])) if refs["baseline"] is not None else None
        for value in _sample_points(bands, refs, steps=300):  # grades only change at the limits
            ours = grade_lab(criteria.term, value, **refs)
            env = {
                "AVAL": value * scale,
                "ANRLO": Decimal(str(refs["lln"])) * scale if refs["lln"] is not None else None,
                "ANRHI": uln * scale if uln is not None else None,
                "BASE": baseline * scale if baseline is not None else None,
                "BASELINE_HIGH": baseline is not None and uln is not None and baseline > uln,
            }
            theirs = _admiral_grade(clauses, env)
            if _known_difference(criteria.term, value, refs, ours, theirs):
                continue
            if worst_case:
                # admiral assumes symptoms; the value alone never gives a higher grade than that
                assert theirs is not None and ours <= theirs, f"{name} at {value}: ours {ours}, admiral {theirs}"
            else:
                assert ours == theirs, f"{name} at {value}: ours {ours}, admiral {theirs}"
        compared.add(criteria.term)
    assert len(compared) >= 18, sorted(compared)
