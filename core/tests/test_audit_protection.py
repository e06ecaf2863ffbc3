"""Nobody can edit or delete history through the UI or the admin; clinical data is entered only
through the eCRF's forms (which ask for a reason and check the version)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from core.selectors import audited_models

pytestmark = pytest.mark.django_db


def test_every_audited_model_has_history_and_no_history_model_is_in_the_admin():
    registered = set(admin.site._registry)
    models = audited_models()
    assert models, "no audited clinical models found"
    for model in models:
        historical = model.history.model
        assert historical not in registered


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "a-strong-password-123")
    client.force_login(user)
    return client


def test_admin_cannot_add_change_or_delete_clinical_records(superuser_client, participant):
    change_url = reverse("admin:enrollment_participant_change", args=[participant.pk])
    response = superuser_client.post(change_url, {"initials": "ZZ"})
    assert response.status_code == 403
    response = superuser_client.post(reverse("admin:enrollment_participant_delete", args=[participant.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert superuser_client.get(reverse("admin:enrollment_participant_add")).status_code == 403
    participant.refresh_from_db()
    assert participant.initials == "WL"


def test_admin_shows_history_read_only_and_cannot_revert(superuser_client, participant):
    response = superuser_client.get(reverse("admin:enrollment_participant_history", args=[participant.pk]))
    assert response.status_code == 200
    history_id = participant.history.get().history_id
    revert_url = reverse("admin:enrollment_participant_simple_history", args=[participant.pk, history_id])
    superuser_client.post(revert_url, {"initials": "ZZ"})
    participant.refresh_from_db()
    assert participant.initials == "WL"
    assert participant.history.count() == 1
