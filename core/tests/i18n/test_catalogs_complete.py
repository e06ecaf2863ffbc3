"""Every message is translated into Simplified Chinese (issue 10): the catalogs are extracted again
from a copy of the source, exactly as ``make messages`` does, and each extracted catalog is compared
with the committed one. A catalog fails when a message is missing from it (someone marked a string
and did not run ``make messages``), left untranslated, or marked fuzzy (msgmerge guessed it from a
similar one: a translator must check it); and when ``msgfmt --check`` refuses it (a header that
Django cannot read, a placeholder missing from a translation). One test per catalog.

Needs GNU gettext (xgettext, msgmerge, msgfmt), as ``make messages`` does: skipped with the reason
when it is not installed; CI installs it (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from .po import Entry, read_po

BASE_DIR = Path(settings.BASE_DIR)
APPS = ("core", "enrollment", "dosing", "toxicity", "efficacy")
LANGUAGE = "zh_Hans"
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msgfmt")

# What `make messages` reads: the source files, the Makefile and manage.py. Nothing else is copied.
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".js"}
NOT_SOURCE = {".venv", "node_modules", "var", "staticfiles", "test-artifacts", "__pycache__", ".git", "control"}


def _catalog_ids() -> list[tuple[str, str]]:
    """(folder, domain) of every catalog: the project's (folder ".") and each app's, with a djangojs
    catalog for the apps that have static JavaScript."""
    catalogs = [(".", "django")]
    for app in APPS:
        catalogs.append((app, "django"))
        if any((BASE_DIR / app / "static").rglob("*.js")):
            catalogs.append((app, "djangojs"))
    return catalogs


CATALOGS = _catalog_ids()


def catalog_path(root: Path, folder: str, domain: str) -> Path:
    return root / folder / "locale" / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"


def _copy_source(destination: Path) -> None:
    def ignore(directory, names):
        ignored = set()
        for name in names:
            path = Path(directory) / name
            if path.is_dir():
                if name in NOT_SOURCE or name.startswith("."):
                    ignored.add(name)
            elif path.suffix not in SOURCE_SUFFIXES and name not in ("Makefile", "manage.py"):
                ignored.add(name)  # the committed .po files among them: the extraction starts afresh
        return ignored

    shutil.copytree(BASE_DIR, destination, ignore=ignore)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A copy of the source with every catalog extracted afresh by `make messages`."""
    absent = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if absent:
        pytest.skip(f"GNU gettext is not installed ({', '.join(absent)} missing): apt-get install gettext")
    if shutil.which("make") is None:
        pytest.fail("make is missing: the catalogs are extracted by `make messages`")
    root = tmp_path_factory.mktemp("i18n") / "source"
    _copy_source(root)
    venv = Path(sys.prefix)
    result = subprocess.run(
        # -o: the virtualenv is this one, already installed; make must not try to build it.
        ["make", "--no-print-directory", "-o", f"{venv}/.installed", "messages", f"VENV={venv}", f"PY={sys.executable}"],
        cwd=root, capture_output=True, text=True, timeout=900,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "trialsite.settings.test"},
    )  # fmt: skip
    assert result.returncode == 0, f"`make messages` failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return root


def _listed(title: str, entries: list[Entry], limit: int = 60) -> str:
    if not entries:
        return ""
    lines = [f"  {entry}" for entry in entries[:limit]]
    if len(entries) > limit:
        lines.append(f"  ... and {len(entries) - limit} more")
    return f"{title} ({len(entries)}):\n" + "\n".join(lines) + "\n"


def test_every_app_with_static_javascript_has_a_djangojs_catalog_to_check():
    assert (".", "django") in CATALOGS
    assert {app for app, domain in CATALOGS if domain == "djangojs"} >= {"core", "toxicity", "efficacy"}


def catalog_problems(fresh: Path, committed: Path) -> str:
    """What is wrong with the ``committed`` catalog given the ``fresh`` extraction ("" if nothing)."""
    _header, wanted = read_po(fresh)
    header, entries = read_po(committed)
    have = {entry.key: entry for entry in entries}
    missing = [entry for entry in wanted if entry.key not in have]
    present = [have[entry.key] for entry in wanted if entry.key in have]
    problems = (
        _listed("messages missing from the catalog (run `make messages`)", missing)
        + _listed("messages without a translation", [entry for entry in present if not entry.translated])
        + _listed("fuzzy translations (check them, then remove the fuzzy flag)", [entry for entry in present if entry.fuzzy])
    )
    if header is None or header.fuzzy:
        problems += "the header is missing or fuzzy\n"
    elif "Plural-Forms: nplurals=1; plural=0;" not in header.msgstr.get(0, ""):
        problems += "the header's Plural-Forms is not Chinese's (nplurals=1; plural=0;)\n"
    checked = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(committed)], capture_output=True, text=True)
    if checked.returncode != 0:
        problems += f"msgfmt --check refuses it:\n{checked.stderr}"
    return problems


@pytest.mark.parametrize(("folder", "domain"), CATALOGS, ids=[f"{folder}:{domain}" for folder, domain in CATALOGS])
def test_every_message_has_a_checked_chinese_translation(extracted, folder, domain):
    fresh = catalog_path(extracted, folder, domain)
    committed = catalog_path(BASE_DIR, folder, domain)
    name = committed.relative_to(BASE_DIR)
    if not fresh.exists():
        return  # nothing marked here (yet)
    assert committed.exists(), f"{name} is missing: run `make messages` and translate it"
    problems = catalog_problems(fresh, committed)
    assert not problems, f"{name}:\n{problems}"


# --- the comparison itself, on small catalogs --------------------------------------------------------

HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

"""


def _po(path: Path, body: str, header: str = HEADER) -> Path:
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.fixture
def gettext_installed():
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext is not installed (msgfmt missing): apt-get install gettext")


FRESH = """msgid "Save"
msgstr ""

msgctxt "dose"
msgid "Hold"
msgstr ""

#, python-format
msgid "%(count)s dose"
msgid_plural "%(count)s doses"
msgstr[0] ""
msgstr[1] ""
"""


def test_a_complete_catalog_passes(tmp_path, gettext_installed):
    committed = _po(tmp_path / "committed.po", """msgid "Save"
msgstr "保存"

msgctxt "dose"
msgid "Hold"
msgstr "暂停给药"

#, python-format
msgid "%(count)s dose"
msgid_plural "%(count)s doses"
msgstr[0] "%(count)s 次给药"

#~ msgid "Old"
#~ msgstr ""
""")
    assert catalog_problems(_po(tmp_path / "fresh.po", FRESH), committed) == ""


def test_missing_untranslated_and_fuzzy_messages_are_listed(tmp_path, gettext_installed):
    committed = _po(tmp_path / "committed.po", """msgid "Save"
msgstr ""

#, fuzzy
msgctxt "dose"
msgid "Hold"
msgstr "暂停"

msgid "Hold"
msgstr "保持"
""")
    problems = catalog_problems(_po(tmp_path / "fresh.po", FRESH), committed)
    assert "missing from the catalog (run `make messages`) (1):\n  '%(count)s dose'" in problems
    assert "without a translation (1):\n  'Save'" in problems
    assert "fuzzy translations (check them, then remove the fuzzy flag) (1):\n  [dose] 'Hold'" in problems


def test_a_translation_that_drops_a_placeholder_or_a_bad_header_is_refused(tmp_path, gettext_installed):
    fresh = _po(tmp_path / "fresh.po", '#, python-format\nmsgid "Dose %(number)s"\nmsgstr ""\n')
    dropped = _po(tmp_path / "dropped.po", '#, python-format\nmsgid "Dose %(number)s"\nmsgstr "给药"\n')
    assert "msgfmt --check refuses it" in catalog_problems(fresh, dropped)
    english_plurals = HEADER.replace("nplurals=1; plural=0;", "nplurals=2; plural=(n != 1);")
    wrong_header = _po(tmp_path / "header.po", '#, python-format\nmsgid "Dose %(number)s"\nmsgstr "第 %(number)s 次给药"\n',
                       header=english_plurals)  # fmt: skip
    assert "Plural-Forms is not Chinese's" in catalog_problems(fresh, wrong_header)
