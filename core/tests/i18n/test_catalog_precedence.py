"""Our catalogs come before those Django's admin and the third-party apps ship: an app's translation
of a word the admin also translates ("Filter": 过滤 in the admin) is the one the pages show."""

import shutil
import subprocess

import pytest
from django.conf import settings
from django.utils import translation


def test_the_project_catalog_then_every_apps_catalog_are_locale_paths():
    expected = [settings.BASE_DIR / folder / "locale" for folder in ("", "core", "enrollment", "dosing", "toxicity", "efficacy")]
    assert [path.resolve() for path in settings.LOCALE_PATHS] == [path.resolve() for path in expected]


def test_a_catalog_in_locale_paths_wins_over_the_admins(tmp_path, settings):
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext is not installed (msgfmt missing): apt-get install gettext")
    with translation.override("zh-hans"):
        assert translation.gettext("Filter") not in ("Filter", "筛选")  # the admin's (过滤) or another app's
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Filter"\nmsgstr "筛选"\n',
        encoding="utf-8",
    )
    subprocess.run(["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    with translation.override("zh-hans"):
        assert translation.gettext("Filter") == "筛选"
