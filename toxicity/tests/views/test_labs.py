"""Lab pages: the list over time, entering and correcting a panel (errors next to the fields, nothing
partly saved), the panel with its proposals, dismissing, the study-wide proposals and the JSON
grading endpoint (bad input answers 400, never 500)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from toxicity.models import AeProposal, LabPanel, LabResult
from toxicity.services.labs import lab_panel_record, lab_result_dismiss
from toxicity.tests.labs_fixtures import form_data, lab_values

pytestmark = pytest.mark.django_db


def create_url(participant):
    return reverse("toxicity:lab_create", args=[participant.pk])


def grade_url(**params):
    from urllib.parse import urlencode

    return reverse("toxicity:lab_grade") + "?" + urlencode(params)


@pytest.fixture
def panel(enrolled, coordinator):
    return lab_panel_record(
        participant=enrolled, user=coordinator, collected_on=timezone.localdate(),
        values=lab_values(alt=(240, 7, 40), hgb=(12.1, 11.5, 15), tsh=(3.1, 0.27, 4.2)),
    )


# --- entry ----------------------------------------------------------------------------------------


def test_the_new_panel_page_lists_every_section_with_default_ranges(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.get(create_url(enrolled))
    assert response.status_code == 200
    content = response.content.decode()
    for section in ("Blood routine", "Liver function", "Kidney function", "Electrolytes", "Amylase and lipase",
                    "Thyroid function", "Glucose"):
        assert section in content
    form = response.context["form"]
    assert form["alt_uln"].value() == Decimal("40") and form["hgb_lln"].value() == Decimal("11.5")
    assert "µmol/L" in content and 'data-grade-url="/labs/grade/"' in content
    assert "toxicity/lab_grade.js" in content


def test_ranges_prefill_from_the_previous_panel(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    lab_panel_record(participant=enrolled, user=coordinator, collected_on=timezone.localdate(),
                     values=lab_values(alt=(30, 5, 50)))
    form = client.get(create_url(enrolled)).context["form"]
    assert (form["alt_lln"].value(), form["alt_uln"].value()) == (Decimal("5"), Decimal("50"))
    assert form["ast_uln"].value() == Decimal("35")  # never measured: the default


def test_posting_a_panel_saves_it_grades_it_and_shows_the_proposal(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.post(create_url(enrolled), form_data(timezone.localdate(), alt=(240, 7, 40), hgb=(12, 11.5, 15)))
    panel = LabPanel.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("toxicity:lab_detail", args=[enrolled.pk, panel.pk])
    page = client.get(response.url).content.decode()
    assert "1 value(s) of grade 1 or more propose an adverse event" in page
    assert "Grade 3" in page and "&gt;5.0 - 20.0 x ULN" in page
    result = panel.results.get(analyte="alt")
    assert reverse("toxicity:lab_result_dismiss", args=[enrolled.pk, result.pk]) in page
    assert "Adverse event proposed" in page


def test_bad_values_get_errors_next_to_their_fields_and_nothing_is_saved(client, coordinator, enrolled):
    client.force_login(coordinator)
    data = form_data(timezone.localdate(), alt=(240, 7, ""), hgb=(12, 11.5, 15), ast=("abc", 13, 35), k=(4, 5.3, 3.5))
    data["na_value"] = "NaN"
    response = client.post(create_url(enrolled), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "cannot be graded without the lab's ULN" in errors["alt_uln"][0]
    assert errors["ast_value"] == ["Enter a number."]
    assert "The ULN must be above the LLN" in errors["k_uln"][0]
    assert "na_value" in errors
    content = response.content.decode()
    assert 'id="id_alt_uln_error"' in content and "is-invalid" in content
    assert not LabPanel.objects.exists() and not LabResult.objects.exists()


def test_an_empty_panel_is_refused_with_one_message(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.post(create_url(enrolled), form_data(timezone.localdate(), alt=(None, 7, 40)))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Enter at least one value."]
    assert not LabPanel.objects.exists()


def test_a_future_date_is_refused_next_to_the_date(client, coordinator, enrolled):
    client.force_login(coordinator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(create_url(enrolled), form_data(tomorrow, alt=(30, 7, 40)))
    assert "is in the future" in response.context["form"].errors["collected_on"][0]
    assert not LabPanel.objects.exists()


def test_garbage_everywhere_answers_the_form_not_a_server_error(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.post(create_url(enrolled), {"collected_on": "31/31/2024", "alt_value": "1e999", "alt_uln": "∞",
                                                   "result_versions": "x"})
    assert response.status_code == 200
    assert {"collected_on", "alt_value", "alt_uln"} <= set(response.context["form"].errors)


def test_a_participant_not_enrolled_sees_why_and_no_form(client, coordinator, participant):
    client.force_login(coordinator)
    response = client.get(create_url(participant))
    assert response.status_code == 200
    content = response.content.decode()
    assert "only for enrolled participants" in content and 'id="lab-panel-form"' not in content
    client.post(create_url(participant), form_data(timezone.localdate(), alt=(30, 7, 40)))
    assert not LabPanel.objects.exists()


def test_a_monitor_cannot_enter_labs_but_can_read_them(client, monitor, enrolled, panel):
    client.force_login(monitor)
    assert client.get(create_url(enrolled)).status_code == 403
    assert client.get(reverse("toxicity:lab_update", args=[enrolled.pk, panel.pk])).status_code == 403
    detail = client.get(reverse("toxicity:lab_detail", args=[enrolled.pk, panel.pk]))
    assert detail.status_code == 200
    assert "Dismiss" not in detail.content.decode()


# --- list, detail, proposals ----------------------------------------------------------------------


def test_the_list_shows_panels_over_time_with_grade_badges(client, coordinator, enrolled, panel, treatment_start):
    lab_panel_record(participant=enrolled, user=coordinator, collected_on=treatment_start,
                     values=lab_values(alt=(30, 7, 40)))
    client.force_login(coordinator)
    response = client.get(reverse("toxicity:lab_list", args=[enrolled.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index(treatment_start.isoformat()) < content.index(timezone.localdate().isoformat())
    assert "Grade 3" in content and "Grade 0" in content and "AE proposed" in content
    assert 'data-analyte="tsh"' in content and 'data-analyte="ast"' not in content
    assert response.context["table"].sections[0][0] == "Blood routine"


def test_the_panel_page_links_to_record_the_proposed_adverse_event(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    content = client.get(reverse("toxicity:lab_detail", args=[enrolled.pk, panel.pk])).content.decode()
    alt = panel.results.get(analyte="alt")
    ae_create = reverse("toxicity:ae_create", args=[enrolled.pk])
    assert f'href="{ae_create}?lab_result={alt.pk}"' in content
    assert "Record as adverse event" in content


def test_a_panel_of_another_participant_is_404(client, coordinator, enrolled, panel, participant):
    client.force_login(coordinator)
    assert client.get(reverse("toxicity:lab_detail", args=[participant.pk, panel.pk])).status_code == 404
    alt = panel.results.get(analyte="alt")
    assert client.get(reverse("toxicity:lab_result_dismiss", args=[participant.pk, alt.pk])).status_code == 404


def test_the_study_wide_proposals_list_the_coordinators_to_do(client, coordinator, investigator, enrolled, panel):
    client.force_login(investigator)
    content = client.get(reverse("toxicity:lab_proposals")).content.decode()
    assert "ALT" in content and "240 U/L" in content and "Grade 3" in content and enrolled.study_number in content
    assert "Haemoglobin" not in content
    alt = panel.results.get(analyte="alt")
    lab_result_dismiss(result=alt, user=coordinator, reason="Not clinically significant", expected_version=alt.version)
    assert "No proposed adverse event is waiting." in client.get(reverse("toxicity:lab_proposals")).content.decode()


# --- dismiss --------------------------------------------------------------------------------------


def test_dismissing_with_a_common_reason(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    alt = panel.results.get(analyte="alt")
    url = reverse("toxicity:lab_result_dismiss", args=[enrolled.pk, alt.pk])
    page = client.get(url).content.decode()
    for reason in ("Not clinically significant", "Already recorded as an adverse event",
                   "Abnormal at baseline, unchanged", "Laboratory error, repeat normal"):
        assert reason in page
    response = client.post(url, {"version": alt.version, "common_reason": "Laboratory error, repeat normal",
                                 "reason": "ALT 32 on 2nd sample"})
    assert response.status_code == 302
    alt.refresh_from_db()
    assert alt.ae_proposal == AeProposal.DISMISSED
    assert alt.dismiss_reason == "Laboratory error, repeat normal: ALT 32 on 2nd sample"


def test_dismissing_without_a_reason_is_refused_next_to_the_reason(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    alt = panel.results.get(analyte="alt")
    response = client.post(reverse("toxicity:lab_result_dismiss", args=[enrolled.pk, alt.pk]),
                           {"version": alt.version, "reason": "  "})
    assert response.status_code == 200
    assert "Give the reason" in response.context["form"].errors["reason"][0]
    alt.refresh_from_db()
    assert alt.ae_proposal == AeProposal.PROPOSED


def test_dismissing_a_value_not_proposed_shows_why(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    hgb = panel.results.get(analyte="hgb")
    url = reverse("toxicity:lab_result_dismiss", args=[enrolled.pk, hgb.pk])
    assert "not awaiting a decision" in client.get(url).content.decode()
    response = client.post(url, {"version": hgb.version, "reason": "Not clinically significant"})
    assert response.status_code == 200
    assert "Only a proposed adverse event can be dismissed" in response.content.decode()


# --- correction -----------------------------------------------------------------------------------


def test_correcting_a_panel_regrades_it(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    url = reverse("toxicity:lab_update", args=[enrolled.pk, panel.pk])
    form = client.get(url).context["form"]
    assert form["alt_value"].value() == Decimal("240.000")
    data = form_data(panel.collected_on, alt=(140, 7, 40), hgb=(12.1, 11.5, 15), tsh=(3.1, 0.27, 4.2))
    data.update(version=panel.version, result_versions=form["result_versions"].value(), reason_for_change="Typo")
    response = client.post(url, data)
    assert response.status_code == 302
    alt = panel.results.get(analyte="alt")
    assert (alt.value, alt.grade, alt.ae_proposal) == (Decimal("140"), 2, AeProposal.PROPOSED)


def test_a_correction_without_a_reason_saves_nothing(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    url = reverse("toxicity:lab_update", args=[enrolled.pk, panel.pk])
    data = form_data(panel.collected_on, alt=(30, 7, 40), hgb=(12.1, 11.5, 15), tsh=(3.1, 0.27, 4.2))
    data.update(version=panel.version, result_versions="alt:1,hgb:1,tsh:1")
    response = client.post(url, data)
    assert response.status_code == 200 and "reason_for_change" in response.context["form"].errors
    assert panel.results.get(analyte="alt").value == Decimal("240")


def test_a_stale_correction_says_who_changed_it(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    url = reverse("toxicity:lab_update", args=[enrolled.pk, panel.pk])
    alt = panel.results.get(analyte="alt")
    lab_result_dismiss(result=alt, user=coordinator, reason="Not clinically significant", expected_version=1)
    data = form_data(panel.collected_on, alt=(30, 7, 40), hgb=(12.1, 11.5, 15), tsh=(3.1, 0.27, 4.2))
    data.update(version=panel.version, result_versions="alt:1,hgb:1,tsh:1", reason_for_change="Typo")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "This record was changed by Chen Coordinator" in response.content.decode()
    assert panel.results.get(analyte="alt").value == Decimal("240")


# --- the JSON grading endpoint --------------------------------------------------------------------


def test_the_grade_endpoint_answers_grade_term_and_basis(client, coordinator):
    client.force_login(coordinator)
    response = client.get(grade_url(analyte="alt", value="240", lln="7", uln="40"))
    assert response.status_code == 200
    body = response.json()
    assert body["grade"] == 3 and body["term"] == "Alanine aminotransferase increased"
    assert body["label"] == "Grade 3 — ALT >5.0 - 20.0 x ULN"
    assert "CTCAE v5.0 grade 3" in body["basis"] and body["baseline"] is None


def test_the_grade_endpoint_uses_the_participants_baseline(client, monitor, coordinator, enrolled, treatment_start):
    lab_panel_record(participant=enrolled, user=coordinator, collected_on=treatment_start - datetime.timedelta(days=2),
                     values=lab_values(alt=(100, 7, 40)))
    client.force_login(monitor)
    body = client.get(grade_url(analyte="alt", value="240", lln="7", uln="40", participant=enrolled.pk)).json()
    assert (body["grade"], body["baseline"]) == (1, "100")
    before = client.get(grade_url(analyte="alt", value="240", lln="7", uln="40", participant=enrolled.pk,
                                  collected_on=(treatment_start - datetime.timedelta(days=5)).isoformat())).json()
    assert (before["grade"], before["baseline"]) == (3, None)


def test_the_grade_endpoint_for_an_ungraded_analyte(client, coordinator):
    client.force_login(coordinator)
    body = client.get(grade_url(analyte="tsh", value="9")).json()
    assert body["grade"] is None and body["label"].startswith("Not graded")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "analyte", "Unknown analyte"),
        ({"analyte": "xyz", "value": "1"}, "analyte", "Unknown analyte"),
        ({"analyte": "alt"}, "value", "Give the value"),
        ({"analyte": "alt", "value": "abc", "uln": "40"}, "value", "must be a number"),
        ({"analyte": "alt", "value": "nan", "uln": "40"}, "value", "finite"),
        ({"analyte": "alt", "value": "-3", "uln": "40"}, "value", "cannot be negative"),
        ({"analyte": "alt", "value": "1e999999", "uln": "40"}, "value", "7 digits"),
        ({"analyte": "alt", "value": "240"}, "uln", "cannot be graded without the lab's ULN"),
        ({"analyte": "alt", "value": "240", "lln": "50", "uln": "40"}, "uln", "ULN must be above the LLN"),
        ({"analyte": "alt", "value": "240", "uln": "x"}, "uln", "ULN must be a number"),
        ({"analyte": "alt", "value": "240", "uln": "40", "participant": "abc"}, "participant", "whole number"),
        ({"analyte": "alt", "value": "240", "uln": "40", "participant": "99999999"}, "participant", "No such"),
        ({"analyte": "alt", "value": "240", "uln": "40", "participant": "9" * 40}, "participant", "whole number"),
    ],
)
def test_bad_input_to_the_grade_endpoint_answers_400_with_a_message(client, coordinator, params, field, message):
    client.force_login(coordinator)
    response = client.get(grade_url(**params))
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field and message in body["error"]


def test_a_bad_date_to_the_grade_endpoint_answers_400(client, coordinator, enrolled):
    client.force_login(coordinator)
    for bad in ("2024-02-30", "yesterday"):
        response = client.get(grade_url(analyte="alt", value="240", uln="40", participant=enrolled.pk, collected_on=bad))
        assert response.status_code == 400 and response.json()["field"] == "collected_on"


def test_the_grade_endpoint_needs_a_login_and_answers_get_only(client, coordinator, make_user):
    assert client.get(grade_url(analyte="alt", value="1", uln="40")).status_code == 302
    client.force_login(make_user(None))
    assert client.get(grade_url(analyte="alt", value="1", uln="40")).status_code == 403
    client.force_login(coordinator)
    assert client.post(reverse("toxicity:lab_grade")).status_code == 405


def test_a_tampered_edit_form_says_to_reload_not_a_server_error(client, coordinator, enrolled, panel):
    client.force_login(coordinator)
    url = reverse("toxicity:lab_update", args=[enrolled.pk, panel.pk])
    data = form_data(panel.collected_on, alt=(30, 7, 40))
    data.update(version="abc", result_versions="alt:x", reason_for_change="Typo")
    response = client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "The page is damaged" in content and "reload it" in content
    assert panel.results.get(analyte="alt").value == Decimal("240")
