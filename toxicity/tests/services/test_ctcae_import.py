import pytest

from toxicity.models import CtcaeTerm, TermSource
from toxicity.reference.ctcae_builtin import TERMS
from toxicity.services.ctcae_import import CtcaeImportError, clean_text, ctcae_import
from toxicity.tests.ctcae_spreadsheet import official_spreadsheet
from toxicity.tests.ctcae_workbooks import GOOD_ROWS, HEADER, write_workbook


def _snapshot():
    terms = list(CtcaeTerm.objects.order_by("pk").values())
    return terms, CtcaeTerm.history.count()


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (" -", ""),
        ("-", ""),
        (None, ""),
        ("  Death ", "Death"),
        ("symptoms;\xa0additional", "symptoms; additional"),
        ("adult\r\npaediatric", "adult\npaediatric"),
        ("Mild - moderate", "Mild - moderate"),
    ],
)
def test_clean_text_handles_the_nci_spreadsheet_quirks(raw, cleaned):
    assert clean_text(raw) == cleaned


# --- the official file -------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_of_the_official_file_loads_837_terms_and_corrects_the_builtins(admin_user):
    path = official_spreadsheet()
    result = ctcae_import(path=path, user=admin_user)

    assert result.total == 837
    assert result.created == 837 - len(TERMS)
    assert result.created + result.updated + result.unchanged == 837
    assert CtcaeTerm.objects.count() == 837
    assert not CtcaeTerm.objects.filter(source=TermSource.BUILTIN).exists()

    neutropenia = CtcaeTerm.objects.get(term="Neutrophil count decreased")
    assert neutropenia.meddra_code == 10029366
    assert neutropenia.grade_4 == "<500/mm3; <0.5 x 10e9 /L"
    assert neutropenia.available_grades() == [1, 2, 3, 4]
    assert neutropenia.source == TermSource.NCI_IMPORT

    pneumonitis = CtcaeTerm.objects.get(term="Pneumonitis")
    assert pneumonitis.soc == "Respiratory, thoracic and mediastinal disorders"
    assert pneumonitis.grade_3 == "Severe symptoms; limiting self care ADL; oxygen indicated"
    assert pneumonitis.grade_5 == "Death"

    febrile = CtcaeTerm.objects.get(term="Febrile neutropenia")
    assert febrile.available_grades() == [3, 4, 5]
    assert febrile.meddra_code == 10016288

    irr = CtcaeTerm.objects.get(term="Infusion related reaction")
    assert irr.soc == "Injury, poisoning and procedural complications"

    rash = CtcaeTerm.objects.get(term="Rash maculo-papular")
    assert rash.available_grades() == [1, 2, 3]

    eczema = CtcaeTerm.objects.get(term="Eczema")
    assert "\xa0" not in eczema.grade_1
    hypertension = CtcaeTerm.objects.get(term="Hypertension")
    assert "\n" in hypertension.grade_1
    assert "\r" not in hypertension.grade_1

    other = CtcaeTerm.objects.filter(term__endswith=" - Other, specify")
    assert other.count() == 26
    assert set(other.values_list("definition", flat=True)) == {""}

    assert CtcaeTerm.objects.exclude(navigational_note="").count() == 74
    assert CtcaeTerm.objects.values("soc").distinct().count() == 26

    created = CtcaeTerm.history.filter(term="Lipase increased").latest("history_date")
    assert created.history_user == admin_user
    assert created.history_change_reason == "Imported from CTCAE_v5.0.xlsx"


@pytest.mark.django_db
def test_importing_the_official_file_twice_changes_nothing_the_second_time():
    path = official_spreadsheet()
    ctcae_import(path=path)
    before = _snapshot()

    result = ctcae_import(path=path)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 837)
    assert _snapshot() == before


# --- made-up files -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_cleans_cells_and_stores_not_applicable_grades_blank(tmp_path):
    result = ctcae_import(path=write_workbook(tmp_path / "small.xlsx"))

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    count = CtcaeTerm.objects.get(meddra_code=99000001)
    assert count.available_grades() == [1, 2, 3]
    assert count.grade_4 == "" and count.grade_5 == ""
    assert count.definition == "A finding of a low test count."
    enteritis = CtcaeTerm.objects.get(term="Test enteritis")
    assert enteritis.grade_1 == "Mild; intervention not indicated"
    assert enteritis.grade_2 == "Moderate\nsymptoms"
    assert enteritis.definition == ""
    assert enteritis.source == TermSource.NCI_IMPORT


@pytest.mark.django_db
def test_reimport_saves_only_the_rows_that_changed(tmp_path):
    ctcae_import(path=write_workbook(tmp_path / "v1.xlsx"))
    changed = (GOOD_ROWS[0][:4] + ("<0.9 - 0.5 x 10e9 /L",) + GOOD_ROWS[0][5:], GOOD_ROWS[1])
    history_before = CtcaeTerm.history.count()

    result = ctcae_import(path=write_workbook(tmp_path / "v2.xlsx", rows=changed))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert CtcaeTerm.objects.get(meddra_code=99000001).grade_2 == "<0.9 - 0.5 x 10e9 /L"
    assert CtcaeTerm.history.count() == history_before + 1
    assert CtcaeTerm.history.latest("history_date").history_change_reason == "Imported from v2.xlsx"


@pytest.mark.django_db
def test_import_corrects_a_builtin_term_matched_by_name(tmp_path):
    row = (10029366, "Investigations", "Neutrophil count decreased", "g1", "g2", "g3", "g4", " -", "", "", "")
    result = ctcae_import(path=write_workbook(tmp_path / "one.xlsx", rows=[row]))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    term = CtcaeTerm.objects.get(term="Neutrophil count decreased")
    assert (term.grade_1, term.source) == ("g1", TermSource.NCI_IMPORT)


def _bad_rows_duplicate_code():
    return GOOD_ROWS + ((99000001,) + GOOD_ROWS[0][1:2] + ("Another term",) + GOOD_ROWS[0][3:],)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sheet": "Sheet1"}, "no sheet 'CTCAE v5.0 Clean Copy'; its sheets are: 'Sheet1'"),
        ({"header": tuple(h for h in HEADER if not h.startswith("Grade 3"))}, "no column 'grade 3'"),
        ({"header": HEADER[1:], "rows": [row[1:] for row in GOOD_ROWS]}, "no column 'meddra code'"),
        ({"rows": _bad_rows_duplicate_code()}, "Row 4: MedDRA code 99000001 is already used in row 2"),
        (
            {"rows": ((99000003, "Investigations", " ", "a", "b", "c", "d", "e", "", "", ""),)},
            "Row 2: the CTCAE term is blank",
        ),
        (
            {"rows": (("10029366x", "Investigations", "X", "a", "b", "c", "d", "e", "", "", ""),)},
            "Row 2: the MedDRA code '10029366x'",
        ),
        ({"rows": (("", "Investigations", "X", "a", "b", "c", "d", "e", "", "", ""),)}, "Row 2: the MedDRA code ''"),
        ({"rows": ()}, "has no terms"),
    ],
    ids=[
        "wrong-sheet",
        "missing-grade-column",
        "missing-code-column",
        "duplicate-code",
        "blank-term",
        "non-numeric-code",
        "blank-code",
        "empty",
    ],
)
def test_a_malformed_file_is_refused_with_a_message_and_saves_nothing(tmp_path, kwargs, message):
    path = write_workbook(tmp_path / "bad.xlsx", **kwargs)
    before = _snapshot()

    with pytest.raises(CtcaeImportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ctcae_import(path=path)

    assert _snapshot() == before


@pytest.mark.django_db
def test_a_duplicate_term_is_refused_and_a_good_row_before_it_is_not_saved(tmp_path):
    rows = GOOD_ROWS + ((99000003,) + GOOD_ROWS[1][1:],)
    before = _snapshot()

    with pytest.raises(CtcaeImportError, match="Row 4: the term 'Test enteritis' is already listed in row 3"):
        ctcae_import(path=write_workbook(tmp_path / "bad.xlsx", rows=rows))

    assert _snapshot() == before
    assert not CtcaeTerm.objects.filter(meddra_code=99000001).exists()


@pytest.mark.django_db
def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "terms.xlsx"
    path.write_text("MedDRA Code,CTCAE Term\n")

    with pytest.raises(CtcaeImportError, match="not an Excel workbook"):
        ctcae_import(path=path)


@pytest.mark.django_db
def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CtcaeImportError, match="does not exist"):
        ctcae_import(path=tmp_path / "nowhere.xlsx")


@pytest.mark.django_db
def test_a_builtin_holding_the_term_of_another_code_gives_way_to_the_official_row(tmp_path):
    CtcaeTerm.objects.create(meddra_code=99000001, soc="Investigations", term="Old name", grade_1="x")
    CtcaeTerm.objects.create(meddra_code=99000009, soc="Investigations", term="Test count decreased", grade_1="y")

    ctcae_import(path=write_workbook(tmp_path / "small.xlsx"))

    assert CtcaeTerm.objects.get(term="Test count decreased").meddra_code == 99000001
    assert not CtcaeTerm.objects.filter(meddra_code=99000009).exists()
    deleted = CtcaeTerm.history.filter(meddra_code=99000009, history_type="-").get()
    assert deleted.history_change_reason == "Imported from small.xlsx: replaced by the official term"


@pytest.mark.django_db
def test_a_conflicting_stored_term_that_adverse_events_use_stops_the_import(tmp_path, enrolled, coordinator):
    from toxicity.models import AdverseEvent

    CtcaeTerm.objects.create(meddra_code=99000001, soc="Investigations", term="Old name", grade_1="x")
    used = CtcaeTerm.objects.create(
        meddra_code=99000009, soc="Investigations", term="Test count decreased", grade_1="y"
    )
    AdverseEvent.objects.create(
        participant=enrolled, number=1, term=used, grade=1, current_grade=1, onset_date=enrolled.enrolment_date,
        attribution_toripalimab="unrelated", attribution_cisplatin="unrelated",
        attribution_paclitaxel="unrelated", attribution_radiotherapy="unrelated", recorded_by=coordinator,
    )  # fmt: skip
    before = _snapshot()

    with pytest.raises(CtcaeImportError, match="1 adverse event.*nothing was imported"):
        ctcae_import(path=write_workbook(tmp_path / "small.xlsx"))

    assert _snapshot() == before
