"""The typed built-in terms against the official NCI spreadsheet (when it is available)."""

from openpyxl import load_workbook

from toxicity.reference.ctcae_builtin import TERMS
from toxicity.services.ctcae_import import read_terms
from toxicity.tests.ctcae_spreadsheet import official_spreadsheet


def _comparable(text: str) -> str:
    text = text.replace("\xa0", " ").replace("≥", ">=").replace("≤", "<=")
    return " ".join(text.split())


def test_every_builtin_term_matches_the_official_spreadsheet():
    official = {values["term"]: values for values in read_terms(official_spreadsheet())}
    problems = []
    for builtin in TERMS:
        row = official.get(builtin.term)
        if row is None:
            problems.append(f"{builtin.term}: not a CTCAE v5.0 term")
            continue
        if row["meddra_code"] != builtin.meddra_code:
            problems.append(f"{builtin.term}: MedDRA code {builtin.meddra_code} is {row['meddra_code']} in the file")
        if row["soc"] != builtin.soc:
            problems.append(f"{builtin.term}: SOC {builtin.soc!r} is {row['soc']!r} in the file")
        for grade, typed in enumerate(builtin.grades, start=1):
            if _comparable(typed) != _comparable(row[f"grade_{grade}"]):
                problems.append(f"{builtin.term} grade {grade}: typed {typed!r}, file {row[f'grade_{grade}']!r}")
        if builtin.definition and _comparable(builtin.definition) != _comparable(row["definition"]):
            problems.append(f"{builtin.term} definition differs")
    assert not problems, "\n".join(problems)


def test_the_spreadsheet_read_by_the_tests_is_the_nci_clean_copy():
    workbook = load_workbook(official_spreadsheet(), read_only=True)
    try:
        assert "CTCAE v5.0 Clean Copy" in workbook.sheetnames
    finally:
        workbook.close()
