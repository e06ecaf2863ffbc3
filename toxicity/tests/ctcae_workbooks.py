"""Small CTCAE-shaped workbooks built in a test's tmp_path (made-up rows, NCI layout and quirks)."""

from pathlib import Path

from openpyxl import Workbook

NBSP = "\xa0"
HEADER = (
    "MedDRA Code",
    "MedDRA SOC",
    "CTCAE Term",
    *(f"Grade {n} {NBSP}{NBSP}" for n in range(1, 6)),
    "Definition",
    "Navigational Note",
    "CTCAE v5.0 Change",
)
GOOD_ROWS = (
    (
        99000001,
        "Investigations",
        "Test count decreased",
        "<LLN - 1.0 x 10e9 /L",
        "<1.0 - 0.5 x 10e9 /L",
        "<0.5 x 10e9 /L",
        " -",
        " -",
        "A finding of a low test count.",
        "",
        "",
    ),
    (
        99000002,
        "Gastrointestinal disorders",
        "Test enteritis",
        "Mild;" + NBSP + "intervention not indicated",
        "Moderate\r\nsymptoms",
        "Severe symptoms",
        "Life-threatening consequences",
        "Death",
        " -",
        None,
        None,
    ),
)


def write_workbook(path: Path, rows=GOOD_ROWS, header=HEADER, sheet="CTCAE v5.0 Clean Copy") -> Path:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    workbook.save(path)
    return path
