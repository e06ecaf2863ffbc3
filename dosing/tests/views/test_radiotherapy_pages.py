"""The radiotherapy page (EBRT course, brachytherapy fractions, cumulative EQD2 against the OAR
limits) and its EBRT course and brachytherapy fraction forms."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dosing.models import BrachytherapyFraction, RadiotherapyCourse
from dosing.services.radiotherapy import brachytherapy_fraction_save, radiotherapy_course_save
from enrollment import services as enrollment_services

pytestmark = pytest.mark.django_db


def days(start: datetime.date, n: int) -> datetime.date:
    return start + datetime.timedelta(days=n)


def course_post(start: datetime.date, **overrides) -> dict:
    data = {
        "technique": "IMRT",
        "prescription_dose_gy": "45.00",
        "prescribed_fractions": "25",
        "dose_per_fraction_gy": "1.80",
        "start_date": start.isoformat(),
        "end_date": days(start, 34).isoformat(),
        "fractions_delivered": "25",
        "interruption_days": "0",
    }
    data.update(overrides)
    return data


def record_course(participant, user, start, **values):
    return radiotherapy_course_save(
        participant=participant,
        user=user,
        values={
            "technique": "VMAT",
            "prescription_dose_gy": Decimal("45"),
            "prescribed_fractions": 25,
            "dose_per_fraction_gy": Decimal("1.8"),
            "start_date": start,
            "end_date": days(start, 34),
            "fractions_delivered": 25,
        }
        | values,
    )


def record_fraction(participant, user, number, given_on, **values):
    return brachytherapy_fraction_save(
        participant=participant,
        user=user,
        values={
            "number": number,
            "given_on": given_on,
            "hrctv_d90_gy": Decimal("7"),
            "applicator": "tandem_ring",
        }
        | values,
    )


def row_html(content: str, testid: str) -> str:
    match = re.search(rf'<tr[^>]*data-testid="{testid}"[^>]*>.*?</tr>', content, re.S)
    assert match, f"no row {testid}"
    return match.group(0)


def page_url(participant):
    return reverse("dosing:radiotherapy", args=[participant.pk])


def test_coordinator_sees_the_course_and_the_cumulative_eqd2_table(client, coordinator, enrolled, treatment_start):
    record_course(enrolled, coordinator, treatment_start)
    record_fraction(enrolled, coordinator, 1, days(treatment_start, 35), rectum_d2cc_gy=Decimal("4"))
    client.force_login(coordinator)

    response = client.get(page_url(enrolled))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="eqd2-table"' in content
    for structure in ("hrctv", "bladder", "rectum", "sigmoid"):
        assert f'data-testid="eqd2-{structure}"' in content
    rectum = row_html(content, "eqd2-rectum")
    assert "48.80 Gy" in rectum  # 43.2 + 4 x 7 / 5
    assert "table-danger" not in rectum and "Exceeded" not in rectum
    assert "Within limit" in rectum
    bladder = row_html(content, "eqd2-bladder")
    assert "Incomplete" in bladder and "fraction(s) 1" in bladder
    assert "Edit EBRT course" in content
    assert "Record brachytherapy fraction" in content
    assert reverse("dosing:brachy_update", args=[enrolled.pk, BrachytherapyFraction.objects.get().pk]) in content
    assert reverse("dosing:treatment_calendar", args=[enrolled.pk]) in content


def test_a_limit_exceeded_turns_the_row_red_and_says_exceeded(client, coordinator, enrolled, treatment_start):
    record_course(enrolled, coordinator, treatment_start)
    for number in range(1, 5):
        record_fraction(enrolled, coordinator, number, days(treatment_start, 35 + number), rectum_d2cc_gy=Decimal("5"))
    client.force_login(coordinator)

    content = client.get(page_url(enrolled)).content.decode()

    rectum = row_html(content, "eqd2-rectum")  # 43.2 + 4 x 8 = 75.2 Gy
    assert "table-danger" in rectum
    assert "Exceeded" in rectum
    assert "75.20 Gy" in rectum
    assert "oar.rectum.d2cc" in content  # listed as a deviation
    assert "table-danger" not in row_html(content, "eqd2-bladder")


def test_an_overall_treatment_time_above_56_days_shows_a_warning(client, coordinator, enrolled, treatment_start):
    record_course(enrolled, coordinator, treatment_start)
    record_fraction(enrolled, coordinator, 1, days(treatment_start, 56))
    client.force_login(coordinator)

    content = client.get(page_url(enrolled)).content.decode()

    assert 'data-testid="ott-warning"' in content
    assert "57 days" in content


def test_monitor_reads_the_page_without_record_buttons(client, monitor, coordinator, enrolled, treatment_start):
    fraction = record_fraction(enrolled, coordinator, 1, days(treatment_start, 35))
    client.force_login(monitor)

    response = client.get(page_url(enrolled))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Record EBRT course" not in content
    assert "Record brachytherapy fraction" not in content
    assert reverse("dosing:brachy_update", args=[enrolled.pk, fraction.pk]) not in content


@pytest.mark.parametrize("url_name", ["dosing:radiotherapy_course", "dosing:brachy_create"])
def test_monitor_cannot_open_the_forms(client, monitor, enrolled, url_name):
    client.force_login(monitor)
    assert client.get(reverse(url_name, args=[enrolled.pk])).status_code == 403
    assert client.post(reverse(url_name, args=[enrolled.pk]), {}).status_code == 403
    assert not RadiotherapyCourse.objects.exists()


def test_posting_the_course_creates_it_with_an_audit_row(client, coordinator, enrolled, treatment_start):
    client.force_login(coordinator)

    response = client.post(reverse("dosing:radiotherapy_course", args=[enrolled.pk]), course_post(treatment_start))

    assert response.status_code == 302
    assert response.url == page_url(enrolled)
    course = RadiotherapyCourse.objects.get()
    assert course.prescription_dose_gy == Decimal("45.00") and course.recorded_by == coordinator
    assert course.history.count() == 1
    assert course.history.first().history_user == coordinator


def test_posting_an_inconsistent_prescription_shows_the_message_at_the_field(
    client, coordinator, enrolled, treatment_start
):
    client.force_login(coordinator)

    response = client.post(
        reverse("dosing:radiotherapy_course", args=[enrolled.pk]),
        course_post(treatment_start, prescription_dose_gy="50.40"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "25 fractions of 1.80 Gy make 45.00 Gy, not 50.40 Gy" in errors["prescription_dose_gy"][0]
    content = response.content.decode()
    field_block = re.search(r'id="div_id_prescription_dose_gy".*?</div>\s*</div>', content, re.S).group(0)
    assert "make 45.00 Gy, not 50.40 Gy" in field_block
    assert not RadiotherapyCourse.objects.exists()


def test_editing_the_course_needs_a_reason_on_the_form(client, coordinator, enrolled, treatment_start):
    course = record_course(enrolled, coordinator, treatment_start)
    client.force_login(coordinator)
    url = reverse("dosing:radiotherapy_course", args=[enrolled.pk])

    page = client.get(url).content.decode()
    assert "Edit EBRT course" in page and 'name="reason_for_change"' in page

    data = course_post(treatment_start, technique="VMAT", fractions_delivered="24", version=str(course.version))
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "reason_for_change" in refused.context["form"].errors

    accepted = client.post(url, data | {"reason_for_change": "One fraction was not given"})
    assert accepted.status_code == 302
    course.refresh_from_db()
    assert course.fractions_delivered == 24
    assert course.history.count() == 2


def test_posting_a_brachytherapy_fraction_records_it(client, investigator, enrolled, treatment_start):
    client.force_login(investigator)
    url = reverse("dosing:brachy_create", args=[enrolled.pk])
    assert 'value="1"' in client.get(url).content.decode()  # next fraction number proposed

    response = client.post(
        url,
        {
            "number": "1",
            "given_on": days(treatment_start, 35).isoformat(),
            "hrctv_d90_gy": "7.00",
            "rectum_d2cc_gy": "4.10",
            "applicator": "tandem_ring",
        },
    )

    assert response.status_code == 302
    fraction = BrachytherapyFraction.objects.get()
    assert fraction.rectum_d2cc_gy == Decimal("4.10")
    assert fraction.history.count() == 1
    assert 'data-testid="brachy-fraction-1"' in client.get(page_url(enrolled)).content.decode()


def test_an_implausible_fraction_dose_is_refused_at_the_field(client, coordinator, enrolled, treatment_start):
    client.force_login(coordinator)
    response = client.post(
        reverse("dosing:brachy_create", args=[enrolled.pk]),
        {
            "number": "1",
            "given_on": days(treatment_start, 35).isoformat(),
            "hrctv_d90_gy": "70",
            "applicator": "tandem_ring",
        },
    )
    assert response.status_code == 200
    assert "is implausible (above 20 Gy" in response.context["form"].errors["hrctv_d90_gy"][0]
    assert not BrachytherapyFraction.objects.exists()


def test_correcting_a_fraction_opens_with_its_values(client, coordinator, enrolled, treatment_start):
    fraction = record_fraction(enrolled, coordinator, 1, days(treatment_start, 35))
    client.force_login(coordinator)
    url = reverse("dosing:brachy_update", args=[enrolled.pk, fraction.pk])

    response = client.post(
        url,
        {
            "number": "1",
            "given_on": days(treatment_start, 35).isoformat(),
            "hrctv_d90_gy": "6.80",
            "applicator": "tandem_ring",
            "version": str(fraction.version),
            "reason_for_change": "Final plan",
        },
    )

    assert response.status_code == 302
    fraction.refresh_from_db()
    assert fraction.hrctv_d90_gy == Decimal("6.80") and fraction.version == 2


def test_posting_after_consent_withdrawal_shows_the_reason_on_the_form(client, coordinator, enrolled, treatment_start):
    consent = enrolled.consents.get()
    enrollment_services.consent_withdraw(
        consent=consent,
        user=coordinator,
        withdrawn_on=timezone.localdate(),
        reason="Moved away",
        expected_version=consent.version,
    )
    client.force_login(coordinator)

    response = client.post(reverse("dosing:radiotherapy_course", args=[enrolled.pk]), course_post(treatment_start))

    assert response.status_code == 200
    assert "Consent was withdrawn" in response.content.decode()
    assert not RadiotherapyCourse.objects.exists()
    page = client.get(page_url(enrolled)).content.decode()
    assert "Record EBRT course" not in page and "Record brachytherapy fraction" not in page
