"""Every string a template shows is marked for translation (issue 10): one test per template, which
lists the line and the text of whatever is not marked. How text is told from markup:
``core/tests/i18n/template_text.py``."""

from pathlib import Path

import pytest
from django.conf import settings

from .template_text import NOT_LANGUAGE, Unmarked, template_files, unmarked_text

APPS = ("core", "enrollment", "dosing", "toxicity", "efficacy")
BASE_DIR = Path(settings.BASE_DIR)
TEMPLATES = template_files(BASE_DIR, APPS)


def test_the_project_and_every_app_have_templates_to_check():
    folders = {path.relative_to(BASE_DIR).parts[0] for path in TEMPLATES}
    assert folders == {"templates", *APPS}


@pytest.mark.parametrize("path", TEMPLATES, ids=[str(path.relative_to(BASE_DIR)) for path in TEMPLATES])
def test_every_template_string_is_marked_for_translation(path):
    unmarked = unmarked_text(path.read_text(encoding="utf-8"), html=path.suffix == ".html")
    listed = "\n".join(f"  {path.relative_to(BASE_DIR)}:{item}" for item in unmarked)
    assert not unmarked, f"text not marked for translation ({{% translate %}} / {{% blocktranslate %}}):\n{listed}"


# --- the checker itself, on small templates --------------------------------------------------------


def test_an_unmarked_save_button_is_caught_and_a_marked_one_passes():
    assert unmarked_text('<button type="submit">Save</button>') == [Unmarked(1, "Save")]
    assert unmarked_text('{% load i18n %}<button type="submit">{% translate "Save" %}</button>') == []


def test_a_line_number_and_the_whole_text_of_the_line_are_reported():
    source = "{% load i18n %}\n<h1>{% translate 'Visits' %}</h1>\n<p>\n  No visit   is due.\n</p>"
    assert unmarked_text(source) == [Unmarked(4, "No visit is due.")]


def test_blocktranslate_comments_scripts_and_styles_are_not_text():
    source = """{% load i18n %}{# Draft: Nothing here #}
{% comment %}Explains the page{% endcomment %}<!-- Old layout -->
<p>{% blocktranslate trimmed with name=user.name %}
  Hello {{ name }}, welcome.
{% endblocktranslate %}</p>
<script>const label = "Loading";</script><style>.x::after { content: "More"; }</style>
<p>Dose: <code>I4a</code> {{ participant.initials }} &rarr; &nbsp;—</p>"""
    assert unmarked_text(source) == [Unmarked(7, "Dose: —")]


def test_attributes_people_read_are_checked_and_others_are_not():
    source = """<input type="text" placeholder="Search" name="query" class="form-control">
<a href="/x" title="Open the record" data-testid="open-record">{% translate "Open" %}</a>
<img src="/logo.png" alt="Trial logo"><span aria-label="Grade">{{ grade }}</span>
<input type="submit" value="Save"><input type="hidden" name="next" value="/home">
<a title="{% translate 'Open the record' %}" aria-label="{{ label }}"></a>"""
    assert unmarked_text(source) == [
        Unmarked(1, "Search"),
        Unmarked(2, "Open the record"),
        Unmarked(3, "Trial logo"),
        Unmarked(3, "Grade"),
        Unmarked(4, "Save"),
    ]


def test_literal_text_printed_by_filters_and_tags_is_caught_unless_marked():
    source = """<td>{{ visit.date|default:"Not done" }}</td><td>{{ dose.given|yesno:"Yes,No" }}</td>
<td>{{ visit.date|default:_("Not done") }}</td><td>{{ dose.given|yesno:_("Yes,No") }}</td><td>{{ x|default:"—" }}</td>
<div class="alert-{{ tags|default:'info' }}">{% firstof nickname "Anonymous" %}</div>
{% include "table.html" with caption="All adverse events" testid="ae-table" prefix="inv" %}
{% include "table.html" with caption=_("All adverse events") %}"""
    assert unmarked_text(source) == [
        Unmarked(1, "Not done"),
        Unmarked(1, "Yes,No"),
        Unmarked(3, "Anonymous"),
        Unmarked(4, "All adverse events"),
    ]


def test_units_and_kept_abbreviations_are_not_language_but_words_around_them_are():
    assert unmarked_text("<td>{{ dose }} mg/m²</td><td>{{ eqd2 }} Gy</td><th>CTCAE v5.0</th><th>ORR</th>") == []
    assert unmarked_text("<td>{{ total }} Gy EQD2 planned</td>") == [Unmarked(1, "Gy EQD2 planned")]
    assert "Gy" in NOT_LANGUAGE and "Save" not in NOT_LANGUAGE


def test_hard_coded_chinese_is_unmarked_text_too():
    assert unmarked_text("<p>保存</p>") == [Unmarked(1, "保存")]


def test_text_templates_check_every_line_and_read_angle_brackets_as_text():
    source = "{% load i18n %}{% translate 'Your worklist' %}\nReply to <the data manager>\n{{ url }}"
    assert unmarked_text(source, html=False) == [Unmarked(2, "Reply to <the data manager>")]
