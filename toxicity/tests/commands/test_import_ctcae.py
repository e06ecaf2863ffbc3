import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from toxicity.models import CtcaeTerm
from toxicity.tests.ctcae_spreadsheet import official_spreadsheet
from toxicity.tests.ctcae_workbooks import write_workbook


@pytest.mark.django_db
def test_import_ctcae_prints_the_counts(tmp_path, capsys):
    path = write_workbook(tmp_path / "small.xlsx")

    call_command("import_ctcae", str(path))
    assert capsys.readouterr().out.strip() == "2 terms: 2 created, 0 updated, 0 unchanged"

    call_command("import_ctcae", str(path))
    assert capsys.readouterr().out.strip() == "2 terms: 0 created, 0 updated, 2 unchanged"


@pytest.mark.django_db
def test_import_ctcae_records_the_named_user(tmp_path, admin_user):
    call_command("import_ctcae", str(write_workbook(tmp_path / "small.xlsx")), user=admin_user.username)

    assert CtcaeTerm.history.filter(meddra_code=99000001).get().history_user == admin_user


@pytest.mark.django_db
def test_import_ctcae_of_the_official_file(capsys):
    call_command("import_ctcae", str(official_spreadsheet()))

    out = capsys.readouterr().out
    assert out.startswith("837 terms: ")
    assert CtcaeTerm.objects.count() == 837


@pytest.mark.django_db
def test_import_ctcae_fails_cleanly_on_a_bad_file(tmp_path):
    path = write_workbook(tmp_path / "bad.xlsx", sheet="Terms")

    with pytest.raises(CommandError, match="no sheet 'CTCAE v5.0 Clean Copy'"):
        call_command("import_ctcae", str(path))


@pytest.mark.django_db
def test_import_ctcae_refuses_an_unknown_user(tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_ctcae", str(write_workbook(tmp_path / "small.xlsx")), user="nobody")
