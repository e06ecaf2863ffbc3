"""Shared by the hardening tests: the objects behind every URL of the role/URL matrix, the POST forms
a page shows (as a browser would submit them), and the row counts of every table the study writes.

The URL arguments come from the role/URL matrix (``core/tests/test_url_access.py``), so a URL added
there is covered here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.urls import reverse

from core.tests.test_url_access import (
    ACCESS,
    ALL_ROLES,
    ANON,
    COORD,
    DATA_MANAGEMENT_KINDS,
    DM,
    EFFICACY_KINDS,
    INV,
    MON,
    OK,
    SAFETY_KINDS,
    _data_management_kwargs,
    _efficacy_kwargs,
    _safety_kwargs,
    _treatment_kwargs,
)

__all__ = ["ACCESS", "ALL_ROLES", "ANONYMOUS", "COORD", "DM", "INV", "MON", "OK"]
ANONYMOUS = ANON

# Pages that are not study pages (the login, password and admin pages belong to Django).
NOT_STUDY_PAGES = ("login", "logout", "password_change", "password_change_done", "admin:index")
STUDY_APPS = ("core", "enrollment", "dosing", "toxicity", "efficacy")
# Participant pages of the safety app record data only for an enrolled participant: use one, so
# that hostile input reaches the forms rather than a "not enrolled" notice.
ENROLLED_PK_PREFIXES = ("toxicity:",)


def study_page_names() -> list[str]:
    return sorted(name for name in ACCESS if name not in NOT_STUDY_PAGES)


def allowed_roles(name: str) -> tuple[str, ...]:
    """The roles whose GET of the page succeeds (the JSON endpoints answer 400 without a query)."""
    _method, _arguments, expected = ACCESS[name]
    return tuple(role for role in ALL_ROLES if expected[role] in (OK, 400, 405))


def denied_roles(name: str) -> tuple[str, ...]:
    _method, _arguments, expected = ACCESS[name]
    return tuple(role for role in ALL_ROLES if expected[role] == 403)


@dataclass
class StudySetup:
    """The participant every URL of the matrix starts from: registered, consented, screening saved."""

    coordinator: object
    participant: object
    consent: object
    make_user: object


def study_setup(*, coordinator, participant, make_user) -> StudySetup:
    from enrollment import services

    consent = services.consent_record(
        participant=participant, user=coordinator, icf_version="v1", consent_date=participant.screening_date
    )
    services.screening_save(participant=participant, user=coordinator, values={"ecog": 0})
    return StudySetup(coordinator=coordinator, participant=participant, consent=consent, make_user=make_user)


def url_kwargs(name: str, setup: StudySetup) -> dict | None:
    """The URL arguments of ``name`` as the role/URL matrix builds them (creating the objects)."""
    _method, arguments, _expected = ACCESS[name]
    if arguments is None:
        return None
    if arguments == "pk" and name.startswith(ENROLLED_PK_PREFIXES):
        return _treatment_kwargs("treated", setup.coordinator, setup.make_user)
    simple = {
        "pk": {"pk": setup.participant.pk},
        "consent": {"pk": setup.participant.pk, "consent_pk": setup.consent.pk},
        "survival_csv": {"table": "dataset"},
    }
    if arguments in simple:
        return simple[arguments]
    if arguments in SAFETY_KINDS:
        return _safety_kwargs(arguments, setup.coordinator, setup.make_user)
    if arguments in DATA_MANAGEMENT_KINDS:
        return _data_management_kwargs(arguments, setup.participant, setup.consent, setup.make_user)
    if arguments in EFFICACY_KINDS:
        return _efficacy_kwargs(arguments, setup.coordinator, setup.make_user)
    return _treatment_kwargs(arguments, setup.coordinator, setup.make_user)


def url_of(name: str, setup: StudySetup) -> str:
    return reverse(name, kwargs=url_kwargs(name, setup))


# --- forms as a browser submits them --------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "select-multiple" or "textarea"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    disabled: bool = False
    required: bool = False
    minimum: str = ""


@dataclass
class PageForm:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in self.fields:
            if not item.disabled and item.name != "csrfmiddlewaretoken":
                seen.setdefault(item.name)
        for name, _value in self.buttons:
            seen.setdefault(name)
        return list(seen)

    def options_of(self, name: str) -> list[str]:
        values: list[str] = []
        for item in self.fields:
            if item.name == name:
                values += item.options or ([item.value] if item.kind in ("radio", "checkbox") else [])
        values += [value for button, value in self.buttons if button == name]
        return [value for value in values if value]

    def payload(self) -> dict[str, list[str]]:
        """What the browser would send for the form as shown (first named button pressed)."""
        data: dict[str, list[str]] = {}
        for item in self.fields:
            if item.disabled or item.name == "csrfmiddlewaretoken":
                continue
            if item.kind in ("checkbox", "radio"):
                if item.checked:
                    data.setdefault(item.name, []).append(item.value or "on")
            elif item.kind == "select":
                chosen = item.selected[:1] or item.options[:1]
                data.setdefault(item.name, []).extend(chosen)
            elif item.kind == "select-multiple":
                data.setdefault(item.name, []).extend(item.selected)
            elif item.kind in ("submit", "button", "reset", "image", "file"):
                continue
            else:
                data.setdefault(item.name, []).append(item.value)
        if self.buttons:
            name, value = self.buttons[0]
            data.setdefault(name, [value])
        return data

    def filled_payload(self, *, today: str, password: str) -> dict[str, list[str]]:
        """The browser's payload with every required field left blank filled with a plausible value
        (today's date, the field's minimum or 1, a word, the first choice, the user's password), so
        that a hostile value in one field gets past the others to the service."""
        data = self.payload()
        for item in self.fields:
            if item.disabled or not item.required or any(data.get(item.name, [])):
                continue
            if item.kind == "checkbox":
                value = item.value or "on"
            elif item.kind in ("select", "select-multiple", "radio"):
                choices = [option for option in self.options_of(item.name) if option]
                if not choices:
                    continue
                value = choices[0]
            else:
                value = {"date": today, "datetime-local": f"{today}T09:00", "time": "09:00", "number": item.minimum or "1",
                         "password": password, "email": "someone@example.org"}.get(item.kind, "Plausible text")  # fmt: skip
            data[item.name] = [value]
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: Field | None = None
        self._disabled_depth = 0
        self._depth_stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = PageForm(method=(attributes.get("method") or "get").lower(), action=attributes.get("action") or "")
            self.forms.append(self._form)
            return
        if tag == "fieldset":
            self._depth_stack.append("disabled" in attributes)
            self._disabled_depth += "disabled" in attributes
            return
        if self._form is None:
            return
        disabled = "disabled" in attributes or self._disabled_depth > 0
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append((name, attributes.get("value") or ""))
                return
            self._form.fields.append(Field(
                name=name, kind=kind, value=attributes.get("value") or "", checked="checked" in attributes,
                disabled=disabled, required="required" in attributes, minimum=attributes.get("min") or "",
            ))  # fmt: skip
        elif tag == "button" and name and (attributes.get("type") or "submit").lower() == "submit":
            self._form.buttons.append((name, attributes.get("value") or ""))
        elif tag == "select" and name:
            kind = "select-multiple" if "multiple" in attributes else "select"
            self._select = Field(name=name, kind=kind, disabled=disabled, required="required" in attributes)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (attributes.get("value"), "selected" in attributes)
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = Field(name=name, kind="textarea", disabled=disabled, required="required" in attributes)
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "fieldset" and self._depth_stack:
            self._disabled_depth -= self._depth_stack.pop()
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if selected:
                self._select.selected.append(value)
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None


def page_forms(html: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def own_post_forms(html: str, url: str) -> list[PageForm]:
    """The page's POST forms that submit to the page itself (not the log-out form of the menu)."""
    path = url.split("?", 1)[0]
    return [form for form in page_forms(html) if form.method == "post" and form.action.split("?", 1)[0] in ("", path)]


# POST-only endpoints (no page of their own): the fields they take come from another page's form.
POST_ONLY = {
    "enrollment:screening_evaluate": "enrollment:screening_edit",
    "dm:edit_checks_run": None,
}
# Posted to pages that show no form: a read-only page must ignore them.
READ_ONLY_FIELDS = ("q", "page", "status", "action", "pk", "id")


def forms_by_role(client, make_user, name: str, url: str, setup: StudySetup) -> dict[str, list[PageForm]]:
    """For each role the page lets in, the forms it is shown that post to the page (for a POST-only
    endpoint: the form of the page that posts to it)."""
    source = POST_ONLY.get(name, name)
    if name in POST_ONLY and source is None:
        return {role: [PageForm(method="post", action=url)] for role in allowed_roles(name)}
    source_url = url if source == name else url_of(source, setup)
    found = {}
    for role in allowed_roles(source):
        client.force_login(make_user(role))
        response = client.get(source_url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            found[role] = own_post_forms(response.content.decode(), source_url)
        else:
            found[role] = []
    if source != name:
        found = {role: forms for role, forms in found.items() if role in allowed_roles(name)}
    return found


def writer_form(name: str, url: str, found: dict[str, list[PageForm]]) -> tuple[str, PageForm]:
    """The role with the fullest form on the page and that form; for a page with no form, the first
    role that reads it and a few made-up fields."""
    best = None
    for role, forms in found.items():
        for form in forms:
            if best is None or len(form.names()) > len(best[1].names()):
                best = (role, form)
    if best is None:
        made_up = PageForm(method="post", action=url)
        made_up.fields = [Field(name=field, kind="text") for field in READ_ONLY_FIELDS]
        return allowed_roles(name)[0], made_up
    return best


# --- what the study stores ----------------------------------------------------------------------------


def study_models() -> list[type]:
    """Every model of the study's apps, their audit-history models included (a partial edit adds a
    history row even when it adds no record)."""
    return [model for label in STUDY_APPS for model in apps.get_app_config(label).get_models()]


# Written on every request whatever it does, not study data.
BOOKKEEPING = {"core.TaskRun"}


def row_counts(models=None) -> dict[str, int]:
    """The number of rows of each table, in one query."""
    from django.db import connection

    counted = [model for model in (models or study_models())
               if model._meta.label not in BOOKKEEPING and model._meta.managed and not model._meta.proxy]  # fmt: skip
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})" for model in counted)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(counted, counts, strict=True)}


def changed_counts(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {label: (before[label], after[label]) for label in before if before[label] != after[label]}


# --- hostile values ----------------------------------------------------------------------------------

# Values a careless or hostile client sends: numbers no field can hold, not-a-numbers, text in other
# scripts and directions, control characters, very long text, impossible or extreme dates, and the
# wrong type altogether.
HOSTILE_TEXT = (
    "1e308", "-1e308", "1e309", "1e-400", str(10**100), "-" + str(10**100), "9223372036854775808",
    "2147483648", "-1", "0", "-0", "0.0000000001", "1_000", "0x1F", "١٢٣", "１２", "NaN", "nan", "sNaN",
    "Infinity", "-Infinity", "inf", "2026-02-30", "0000-00-00", "9999-99-99", "9999-12-31", "0001-01-01",
    "2026-13-01", "31/12/2026", "2026-01-01T25:61", "true", "false", "None", "null", "[]", "{}", "", " ",
    "\x00", "a\x00b", "\u202eRTL\u202c", "مرحبا", "😀👩‍⚕️", "e\u0301", "x" * 10_000, "<script>alert(1)</script>",
    "' OR 1=1 --", "%s%n%x", "../../etc/passwd", "\r\nSet-Cookie: x=1",
)  # fmt: skip
DROP = "<drop the field>"


def hypothesis_settings(max_examples: int):
    """The hypothesis settings of the hardening tests: no example database written into the
    checkout, no per-example deadline (a page with 60 fields takes its time), and in CI (CI set)
    the same examples on every run, so that a red build is a regression and not a new draw; locally
    each run draws new examples (HARDENING_EXAMPLES=500 searches harder)."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=max_examples, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )  # fmt: skip


def hostile_values(options=()):
    """A hypothesis strategy: one hostile value, a list of them (a field sent several times), or
    DROP (the field left out); sometimes one of the field's own options, so that the other fields
    are reached."""
    import datetime

    from hypothesis import strategies as st

    single = st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=30),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.floats().map(str),
        st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(datetime.date.isoformat),
    )
    choices = [single, st.lists(single, min_size=2, max_size=3), st.just(DROP)]
    if options:
        choices.insert(0, st.sampled_from(list(options)))
    return st.one_of(*choices)


def hostile_changes(form: PageForm):
    """A hypothesis strategy: one to three of the form's fields, each with a hostile value."""
    from hypothesis import strategies as st

    names = form.names()
    if not names:
        return st.just({})
    pairs = st.sampled_from(names).flatmap(lambda name: st.tuples(st.just(name), hostile_values(form.options_of(name))))
    return st.lists(pairs, min_size=1, max_size=3).map(dict)


def merged(base: dict[str, list[str]], changes: dict) -> dict[str, list[str]]:
    data = dict(base)
    for name, value in changes.items():
        if value == DROP:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data


def drained(response):
    """The response with a streamed body (CSV downloads) read to the end, so that an error raised
    while streaming surfaces in the test instead of truncating the download."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # the test client closes it at the end, as a server does
    return response
