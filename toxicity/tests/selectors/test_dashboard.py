"""The dashboard's numbers against the hand-built cohort of ``toxicity/tests/dashboard_fixtures.py``
(4 treated participants A-D, 1 untreated E)."""

import datetime

import pytest
from django.utils import timezone

from toxicity.selectors import dashboard as selectors
from toxicity.selectors.dashboard import DashboardFilters, PatientCount
from toxicity.tests.dashboard_fixtures import build_cohort, give_dose, record_ae

pytestmark = pytest.mark.django_db

GI = "Gastrointestinal disorders"


@pytest.fixture
def cohort(coordinator, investigator, treatment_start):
    """The hand-built cohort of ``toxicity/tests/dashboard_fixtures.py``."""
    return build_cohort(coordinator=coordinator, investigator=investigator, start=treatment_start, now=timezone.now())


def rows_by_label(table):
    return {row.label: row for row in table.rows}


# --- safety population ----------------------------------------------------------------------------


def test_safety_population_is_the_participants_with_a_dose_given(cohort):
    population = selectors.safety_population()
    treated = {cohort.participants[name].pk for name in "ABCD"}
    assert set(population) == treated
    assert cohort.participants["E"].pk not in population  # enrolled, dose omitted
    assert set(population.values()) == {cohort.start}


def test_no_participants_no_events_gives_an_empty_table_without_percentages(db):
    table = selectors.safety_table()
    assert table.population_n == 0
    assert [row.kind for row in table.rows] == ["total"]
    assert table.total.any_grade == PatientCount(0, None)
    assert not table.has_events


# --- the standard safety table ----------------------------------------------------------------------


def test_any_ae_row_counts_each_treated_patient_once_at_the_worst_grade(cohort):
    table = selectors.safety_table()
    assert table.population_n == 4
    total = table.total
    assert total.kind == "total"
    assert total.any_grade == PatientCount(4, 100.0)
    assert total.grade_3_plus == PatientCount(3, 75.0)  # A (G3), B (G3), C (G4); D only G1
    assert total.worst_grade == (1, 0, 2, 1, 0)


def test_a_patient_with_the_same_term_at_several_grades_is_counted_once_at_the_worst(cohort):
    diarrhea = rows_by_label(selectors.safety_table())["Diarrhea"]
    # A: G1 and G3 -> counted once at 3; B: G2; E (untreated, G4) is not counted.
    assert diarrhea.any_grade == PatientCount(2, 50.0)
    assert diarrhea.grade_3_plus == PatientCount(1, 25.0)
    assert diarrhea.worst_grade == (0, 1, 1, 0, 0)
    assert diarrhea.soc == GI and diarrhea.meddra_code is not None


def test_terms_are_grouped_under_their_system_organ_class_with_a_subtotal(cohort):
    table = selectors.safety_table()
    labels = [(row.kind, row.label) for row in table.rows]
    assert labels[0] == ("total", "Any adverse event")
    gi_index = labels.index(("soc", GI))
    assert labels[gi_index + 1: gi_index + 3] == [("term", "Diarrhea"), ("term", "Nausea")]
    gi = rows_by_label(table)[GI]
    # Patients with any GI AE: A (worst 3), B (2), D (1).
    assert gi.any_grade == PatientCount(3, 75.0)
    assert gi.grade_3_plus == PatientCount(1, 25.0)
    assert gi.worst_grade == (1, 1, 1, 0, 0)
    nausea = rows_by_label(table)["Nausea"]
    assert nausea.any_grade == PatientCount(2, 50.0) and nausea.worst_grade == (1, 1, 0, 0, 0)
    anemia = rows_by_label(table)["Anemia"]
    assert anemia.any_grade == PatientCount(1, 25.0) and anemia.grade_3_plus.n == 1 and anemia.worst_grade[3] == 1
    assert [row.label for row in table.soc_rows] == sorted(row.label for row in table.soc_rows)


def test_percentages_round_to_one_decimal_of_the_safety_population(cohort, coordinator):
    # A fifth treated participant without AEs: 2 of 5 with Diarrhea = 40.0 %; 1 of 5 with Anemia = 20.0 %.
    give_dose(cohort.participants["E"], coordinator, "toripalimab", cohort.start)
    table = selectors.safety_table()
    assert table.population_n == 5
    assert rows_by_label(table)["Diarrhea"].any_grade == PatientCount(3, 60.0)  # E's G4 now counts
    assert rows_by_label(table)["Anemia"].any_grade == PatientCount(1, 20.0)


def test_filter_by_attribution_counts_only_related_aes(cohort):
    cisplatin = rows_by_label(selectors.safety_table(DashboardFilters(related_to="cisplatin")))
    # Related to cisplatin: A's Diarrhea G1 and G3 and Nausea G2, C's Anemia G4 (E is untreated).
    assert cisplatin["Any adverse event"].any_grade == PatientCount(2, 50.0)
    assert cisplatin["Diarrhea"].any_grade.n == 1 and cisplatin["Diarrhea"].worst_grade == (0, 0, 1, 0, 0)
    assert "Alanine aminotransferase increased" not in cisplatin
    toripalimab = rows_by_label(selectors.safety_table(DashboardFilters(related_to="toripalimab")))
    assert toripalimab["Any adverse event"].any_grade.n == 2  # B and C
    assert toripalimab["Diarrhea"].worst_grade == (0, 1, 0, 0, 0)  # B's irAE only
    radiotherapy = rows_by_label(selectors.safety_table(DashboardFilters(related_to="radiotherapy")))
    # C's Anemia (possible) counts; D's Nausea (unlikely) does not.
    assert radiotherapy["Any adverse event"].any_grade.n == 1 and "Nausea" not in radiotherapy
    paclitaxel = selectors.safety_table(DashboardFilters(related_to="paclitaxel"))
    assert paclitaxel.total.any_grade == PatientCount(0, 0.0) and paclitaxel.population_n == 4


def test_filter_by_onset_period_includes_both_ends_and_regrades_within_it(cohort):
    day = lambda n: cohort.start + datetime.timedelta(days=n)  # noqa: E731
    early = rows_by_label(selectors.safety_table(DashboardFilters(onset_from=day(3), onset_to=day(12))))
    # Within days 3-12: A's Diarrhea G1 (A's G3 on day 30 is outside), B's Diarrhea G2 (day 12),
    # A's Nausea G2, D's Nausea G1 (day 3).
    assert early["Diarrhea"].worst_grade == (1, 1, 0, 0, 0)
    assert early["Diarrhea"].grade_3_plus.n == 0
    assert early["Nausea"].any_grade.n == 2
    assert "Anemia" not in early
    just_after = rows_by_label(selectors.safety_table(DashboardFilters(onset_from=day(4), onset_to=day(11))))
    assert just_after["Nausea"].any_grade.n == 1  # D's day 3 excluded
    assert "Alanine aminotransferase increased" in rows_by_label(selectors.safety_table(DashboardFilters(onset_from=day(40))))
    assert "Alanine aminotransferase increased" not in rows_by_label(selectors.safety_table(DashboardFilters(onset_to=day(39))))


def test_filters_describe_themselves():
    assert DashboardFilters().describe() == "All AEs, any onset date"
    described = DashboardFilters(related_to="toripalimab", onset_from=datetime.date(2025, 1, 1),
                                 onset_to=datetime.date(2025, 3, 31)).describe()
    assert described == "AEs related to toripalimab (possible, probable or definite), onset 2025-01-01 to 2025-03-31"
    with pytest.raises(ValueError):
        DashboardFilters(related_to="aspirin")


# --- immune-related AEs -----------------------------------------------------------------------------


def test_irae_table_counts_only_immune_related_aes(cohort):
    table = selectors.irae_table()
    assert table.population_n == 4
    assert table.total.any_grade == PatientCount(2, 50.0)  # B and C
    assert table.total.grade_3_plus == PatientCount(1, 25.0)  # B's hepatitis G3
    assert table.total.worst_grade == (0, 1, 1, 0, 0)
    labels = rows_by_label(table)
    assert labels["Diarrhea"].any_grade.n == 1  # B only: A's diarrhoea is not immune-related
    assert "Nausea" not in labels and "Anemia" not in labels


def test_irae_categories_count_patients_at_their_worst_grade(cohort):
    rows = {row.label: row for row in selectors.irae_category_rows()}
    assert set(rows) == {"Hepatitis", "Diarrhoea / colitis", "Endocrine: hypothyroidism"}
    assert rows["Hepatitis"].grade_3_plus == PatientCount(1, 25.0)
    assert rows["Endocrine: hypothyroidism"].worst_grade == (0, 1, 0, 0, 0)


def test_time_to_onset_of_iraes_counts_days_from_treatment_start_earliest_first(cohort):
    onsets = selectors.irae_onsets()
    assert [(o.term, o.days) for o in onsets] == [
        ("Diarrhea", 12), ("Alanine aminotransferase increased", 40), ("Hypothyroidism", 50)
    ]
    assert onsets[0].start_basis == "treatment start" and onsets[0].start_date == cohort.start
    chart = selectors.irae_onset_chart(onsets)
    assert chart["days"] == [12, 40, 50]
    assert chart["colours"][1] == selectors.GRADE_COLOURS[3]


def test_soc_chart_stacks_patients_by_worst_grade_per_soc(cohort):
    table = selectors.safety_table()
    chart = selectors.soc_grade_chart(table)
    assert chart["labels"] == [row.label for row in table.soc_rows]
    gi = chart["labels"].index(GI)
    assert [dataset["data"][gi] for dataset in chart["datasets"]] == [1, 1, 1, 0, 0]
    assert [dataset["label"] for dataset in chart["datasets"]] == [f"Grade {g}" for g in range(1, 6)]


# --- SAE clocks -------------------------------------------------------------------------------------


def test_saes_list_open_reports_first_with_their_clocks(cohort):
    rows = selectors.sae_rows(now=cohort.now)
    aes = cohort.aes
    # E: no awareness time; B: overdue (aware 30 h ago); A: open (2 h ago); C: sent on time.
    assert [row.ae_pk for row in rows] == [aes[k].pk for k in ("E_diarrhea_4", "B_alt_3", "A_diarrhea_3", "C_anemia_4")]
    no_time, overdue, open_, sent = rows
    assert no_time.status == "no_awareness" and no_time.due_at is None and no_time.needs_attention
    assert overdue.status == "overdue" and overdue.hours_left == -6.0 and overdue.time_text == "overdue by 6 h 0 min"
    assert overdue.due_at == aes["B_alt_3"].sae_awareness_at + datetime.timedelta(hours=24)
    assert overdue.criteria == ("Important medical event",)
    assert open_.status == "open" and open_.hours_left == 22.0 and open_.time_text == "22 h 0 min left"
    assert sent.status == "sent" and sent.status_label == "Sent on time" and sent.time_text == "sent 16 h 0 min before the deadline"


def test_the_cached_dashboard_runs_the_open_clocks_with_the_time_and_keeps_the_sent_ones(cohort):
    first = selectors.dashboard(now=cohort.now)
    later = selectors.dashboard(now=cohort.now + datetime.timedelta(hours=3))  # the tables come from the cache
    assert [row.ae_pk for row in later.saes] == [row.ae_pk for row in first.saes]
    assert [row.hours_left for row in later.saes] == [None, -9.0, 19.0, 16.0]  # only the open clocks moved
    assert later.saes == selectors.sae_rows(now=cohort.now + datetime.timedelta(hours=3))


def test_sae_list_follows_the_filters_and_counts_the_unsent_reports_it_hides(cohort):
    filters = DashboardFilters(related_to="toripalimab")
    rows = selectors.sae_rows(filters, now=cohort.now)
    assert [row.ae_pk for row in rows] == [cohort.aes["B_alt_3"].pk]
    assert selectors.open_saes_outside(filters) == 2  # A's and E's unsent reports
    assert selectors.open_saes_outside(DashboardFilters()) == 0


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (datetime.timedelta(minutes=59), "59 min"),
        (datetime.timedelta(hours=1), "1 h 0 min"),
        (datetime.timedelta(hours=23, minutes=59), "23 h 59 min"),
        (datetime.timedelta(days=1), "1 d 0 h"),
        (-datetime.timedelta(hours=2, minutes=5), "2 h 5 min"),
    ],
)
def test_duration_text(delta, text):
    assert selectors.duration_text(delta) == text


# --- sign-off ---------------------------------------------------------------------------------------


def test_signoff_lists_aes_without_a_signature_at_their_current_version(cohort):
    rows = selectors.signoff_rows()
    pks = {row.ae_pk for row in rows}
    assert cohort.aes["A_diarrhea_1"].pk not in pks  # signed at its version
    assert len(rows) == 8  # 9 AEs (E included), one signed
    anemia = next(row for row in rows if row.ae_pk == cohort.aes["C_anemia_4"].pk)
    assert anemia.changed_since_signed and anemia.version == 2
    assert not next(row for row in rows if row.ae_pk == cohort.aes["B_alt_3"].pk).changed_since_signed


def test_signoff_follows_the_filters(cohort):
    rows = selectors.signoff_rows(DashboardFilters(related_to="toripalimab"))
    assert {row.ae_pk for row in rows} == {cohort.aes[k].pk for k in ("B_diarrhea_2", "B_alt_3", "C_hypothyroidism_2")}


# --- holds ------------------------------------------------------------------------------------------


def test_holds_list_active_toripalimab_holds_and_chemotherapy_reviews(cohort):
    rows = selectors.hold_rows()
    p = cohort.participants
    summary = [(row.participant_pk, row.treatment, row.action, row.status) for row in rows]
    assert (p["B"].pk, "Toripalimab", "discontinue — hepatitis grade 3", "awaiting investigator") in summary
    assert (p["D"].pk, "Chemotherapy", "hold", "awaiting investigator") in summary
    assert (p["C"].pk, "Chemotherapy", "hold", "confirmed") in summary
    # Ended (B's colitis), overridden to continue (C's thyroid) and a decided reduction (A) are not holds.
    assert len(rows) == 3
    assert [row.awaiting for row in rows] == [True, True, False]
    hepatitis = next(row for row in rows if row.treatment == "Toripalimab")
    assert hepatitis.target == "Toripalimab cycle 1 day 1 (maintenance)"
    assert hepatitis.ae_pk == cohort.aes["B_alt_3"].pk and hepatitis.rule_code == "irae.hepatitis.g3"
    chemo = next(row for row in rows if row.participant_pk == p["D"].pk)
    assert chemo.target == "Cisplatin week 3 (concurrent chemoradiotherapy)"


def test_an_investigators_decision_replaces_the_rules_action(cohort, investigator):
    from core.services import clinical_record_save

    decision = cohort.decisions["B_hepatitis"]
    decision.decision, decision.decided_action, decision.decision_reason = "overridden", "interrupt", "Mild, resolving"
    decision.decided_by, decision.decided_at = investigator, timezone.now()
    clinical_record_save(instance=decision, user=investigator, reason="Investigator decision", expected_version=1)
    row = next(row for row in selectors.hold_rows() if row.treatment == "Toripalimab")
    assert row.action == "interrupt — hepatitis grade 3"
    assert row.status == "overridden" and not row.awaiting and row.reason == "Mild, resolving"


# --- CSV rows ---------------------------------------------------------------------------------------


def test_csv_rows_have_a_labelled_header_and_the_table_numbers(cohort):
    rows = selectors.csv_rows("safety")
    assert rows[0][:5] == ["Row type", "MedDRA system organ class", "CTCAE term / irAE category", "MedDRA code",
                           "Any grade (patients, n)"]
    assert rows[0][5] == "Any grade (% of safety population, N=4)"
    assert rows[1][:2] == ["Any AE", ""] and rows[1][4:] == [4, "100.0", 3, "75.0", 1, 0, 2, 1, 0]
    with pytest.raises(ValueError):
        selectors.csv_rows("everything")


# --- timeline ---------------------------------------------------------------------------------------


def test_timeline_places_aes_and_doses_on_one_date_axis(cohort):
    participant = cohort.participants["A"]
    today = timezone.localdate()
    timeline = selectors.participant_timeline(participant, today=today)
    assert timeline.start_date == cohort.start and timeline.end_date == today
    assert [lane.label for lane in timeline.lanes] == ["Toripalimab", "Cisplatin"]
    assert all(len(lane.marks) == 1 for lane in timeline.lanes)
    nausea, diarrhea_1, diarrhea_3 = timeline.bars  # by onset: day 5, 10, 30
    assert (nausea.label, diarrhea_3.label) == ("AE 3 Nausea G2", "AE 2 Diarrhea G3")
    assert nausea.days_from_start == 5 and not nausea.resolved and nausea.end_date == today
    assert timeline.plot_left <= timeline.lanes[0].marks[0].x < nausea.x < diarrhea_1.x < diarrhea_3.x < timeline.plot_right
    assert diarrhea_3.x + diarrhea_3.width == pytest.approx(timeline.plot_right, abs=0.2)  # ongoing until today
    assert nausea.colour == selectors.GRADE_COLOURS[2]
    assert timeline.today_x is not None
    labelled = [tick for tick in timeline.ticks if tick.label]
    assert labelled[0].label == f"{cohort.start:%Y-%m-%d}" and labelled[0].x == timeline.plot_left
    assert all(tick.x <= selectors.PLOT_RIGHT - selectors.TICK_LABEL_WIDTH for tick in labelled)
    assert 2 <= len(timeline.ticks) <= selectors.MAX_TICKS
    assert [d.dose for d in timeline.doses] == [
        "Cisplatin week 1 (concurrent chemoradiotherapy)", "Toripalimab cycle 1 day 1 (concurrent chemoradiotherapy)"
    ]


def test_timeline_bars_end_at_resolution_and_mark_iraes(cohort, coordinator):
    participant = cohort.participants["B"]
    resolved = record_ae(participant, coordinator, "Nausea", 1, cohort.start + datetime.timedelta(days=2),
                         resolution_date=cohort.start + datetime.timedelta(days=2), ongoing=False)
    timeline = selectors.participant_timeline(participant, today=timezone.localdate())
    bars = {bar.ae_pk: bar for bar in timeline.bars}
    one_day = bars[resolved.pk]
    assert one_day.resolved and one_day.width == pytest.approx(max((selectors.PLOT_RIGHT - selectors.PLOT_LEFT) / ((timeline.end_date - timeline.start_date).days + 1), 3), abs=0.1)
    irae = bars[cohort.aes["B_alt_3"].pk]
    assert irae.immune_related and irae.stroke == selectors.IRAE_STROKE and irae.label.endswith("irAE")
    assert irae.irae_category == "Hepatitis"
    assert one_day.stroke == "none"


def test_timeline_of_a_participant_without_data_is_empty(participant):
    timeline = selectors.participant_timeline(participant, today=timezone.localdate())
    assert timeline.empty and timeline.bars == () and timeline.lanes == ()


def test_timeline_shows_the_radiotherapy_course_and_brachytherapy_fractions(cohort, coordinator):
    from decimal import Decimal

    from core.services import clinical_record_save
    from dosing.models import BrachytherapyFraction, RadiotherapyCourse

    participant = cohort.participants["D"]
    course = RadiotherapyCourse(
        participant=participant, technique="IMRT", prescription_dose_gy=Decimal("45"), prescribed_fractions=25,
        dose_per_fraction_gy=Decimal("1.8"), start_date=cohort.start,
        end_date=cohort.start + datetime.timedelta(days=34), recorded_by=coordinator,
    )
    clinical_record_save(instance=course, user=coordinator)
    fraction = BrachytherapyFraction(
        participant=participant, number=1, given_on=cohort.start + datetime.timedelta(days=36),
        hrctv_d90_gy=Decimal("7"), applicator="tandem_ring", recorded_by=coordinator,
    )
    clinical_record_save(instance=fraction, user=coordinator)
    timeline = selectors.participant_timeline(participant, today=timezone.localdate())
    radiotherapy = timeline.lanes[-1]
    assert radiotherapy.label == "Radiotherapy"
    (ebrt,) = radiotherapy.spans
    assert ebrt.x == timeline.plot_left
    assert ebrt.title == f"EBRT {cohort.start:%Y-%m-%d} to {cohort.start + datetime.timedelta(days=34):%Y-%m-%d}"
    (mark,) = radiotherapy.marks
    assert ebrt.x + ebrt.width < mark.x and "Brachytherapy fraction 1" in mark.title
