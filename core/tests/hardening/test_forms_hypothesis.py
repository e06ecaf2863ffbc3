"""Hostile input to every form of the study (property-based, hypothesis): whatever is posted — huge
numbers, not-a-numbers, other scripts, NUL, 10,000 characters, impossible dates, a field sent twice
or left out — the answer is never a server error, and a refusal saves nothing at all (every table of
the study, audit history included, has the same number of rows as before).

Each page is posted by the role that records on it, starting from the form as the page shows it with
its required fields filled in; each example changes one to three fields, so that the hostile value
gets past the other fields' checks to the service. After the examples, every date and number field
is sent the extremes of its kind, one field at a time."""

import os
import re

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given

from core.tests.factories import TEST_PASSWORD

from . import support

# A modest number per form keeps the suite fast; HARDENING_EXAMPLES=500 searches harder.
EXAMPLES_PER_FORM = int(os.environ.get("HARDENING_EXAMPLES", "8"))
# A page nobody records on only has to ignore what is posted to it.
EXAMPLES_PER_READ_ONLY_PAGE = max(2, EXAMPLES_PER_FORM // 4)


def _form_pages() -> list[str]:
    """Every study URL a role may open (GET) or post to."""
    return [name for name in support.study_page_names() if support.allowed_roles(name)]


def _writer_form(client, make_user, name: str, url: str, setup):
    found = support.forms_by_role(client, make_user, name, url, setup)
    return support.writer_form(name, url, found)


def _read_only(form) -> bool:
    return [item.name for item in form.fields] == list(support.READ_ONLY_FIELDS)


def _success(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" not in response.get("Location", "")


# The extremes of the inputs that take a date or a whole number, sent to every such field of the
# form one at a time after the hypothesis examples (which sample a few fields per form; this sweep
# reaches them all): date arithmetic past year 1 or 9999 and integers past 64 bits are where a
# server error hides. Free text is left to hypothesis: Django's own field checks refuse NUL and
# overlong text before any code of ours.
EXTREMES = {
    "date": ("0001-01-01", "9999-12-31"),
    "datetime-local": ("0001-01-01T00:00", "9999-12-31T23:59"),
    "number": (str(10**30),),
    "hidden": (str(10**30),),
}
# A repeated row of a formset (targets-3-diameter_mm) is handled like its first row.
REPEATED_ROW = re.compile(r"-[1-9][0-9]*-")


def _extremes(form) -> list[dict]:
    kinds = {item.name: item.kind for item in form.fields}
    return [{name: value} for name in form.names() if not REPEATED_ROW.search(name)
            for value in EXTREMES.get(kinds.get(name, ""), ())]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("name", _form_pages())
def test_hostile_form_input_never_errors_and_a_refusal_saves_nothing(
    name, client, make_user, coordinator, participant, settings, tmp_path
):
    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    url = support.url_of(name, setup)
    role, form = _writer_form(client, make_user, name, url, setup)
    client.force_login(make_user(role))
    base = form.filled_payload(today=timezone.localdate().isoformat(), password=TEST_PASSWORD)
    models = support.study_models()

    def post(changes: dict) -> None:
        data = support.merged(base, changes)
        savepoint = transaction.savepoint()
        try:
            before = support.row_counts(models)
            response = support.drained(client.post(url, data))
            assert response.status_code < 500, (role, changes)
            if not _success(response):
                changed = support.changed_counts(before, support.row_counts(models))
                assert not changed, f"{name} refused {changes!r:.200} ({response.status_code}) but saved {changed}"
        finally:
            transaction.savepoint_rollback(savepoint)

    examples = EXAMPLES_PER_READ_ONLY_PAGE if _read_only(form) else EXAMPLES_PER_FORM
    support.hypothesis_settings(examples)(given(changes=support.hostile_changes(form))(post))()
    for changes in _extremes(form):
        post(changes)
