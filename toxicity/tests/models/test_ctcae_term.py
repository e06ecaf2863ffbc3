import pytest

from toxicity.models import CtcaeTerm, TermSource
from toxicity.reference.ctcae_builtin import TERMS


@pytest.mark.django_db
def test_migrations_load_every_builtin_term():
    assert len(TERMS) >= 50
    assert CtcaeTerm.objects.filter(source=TermSource.BUILTIN).count() == len(TERMS)


@pytest.mark.django_db
def test_builtin_neutrophil_count_decreased_has_the_ctcae_grade_4_text_and_no_grade_5():
    term = CtcaeTerm.objects.get(term="Neutrophil count decreased")
    assert term.meddra_code == 10029366
    assert term.soc == "Investigations"
    assert term.grade_text(4) == "<500/mm3; <0.5 x 10e9 /L"
    assert term.grade_text(5) == ""
    assert term.available_grades() == [1, 2, 3, 4]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("term", "grades"),
    [
        ("Peripheral sensory neuropathy", [1, 2, 3, 4]),
        ("Rash maculo-papular", [1, 2, 3]),
        ("Nausea", [1, 2, 3]),
        ("Toxic epidermal necrolysis", [4, 5]),
        ("Myocarditis", [2, 3, 4, 5]),  # CTCAE v5.0 has no grade 1 Myocarditis
        ("Hypophysitis", [1, 2, 3, 4, 5]),  # grade 5 (Death) exists in the NCI file
    ],
)
def test_available_grades_leave_out_the_grades_ctcae_marks_as_not_applicable(term, grades):
    assert CtcaeTerm.objects.get(term=term).available_grades() == grades


@pytest.mark.django_db
def test_febrile_neutropenia_starts_at_grade_3():
    assert CtcaeTerm.objects.get(term="Febrile neutropenia").available_grades() == [3, 4, 5]


def test_grade_text_refuses_a_grade_outside_1_to_5():
    term = CtcaeTerm(term="Fatigue", grade_1="Fatigue relieved by rest")
    assert term.grade_text(1) == "Fatigue relieved by rest"
    with pytest.raises(ValueError, match="1 to 5"):
        term.grade_text(6)
    with pytest.raises(ValueError):
        term.grade_text(0)


def test_str_is_the_term():
    assert str(CtcaeTerm(term="Pneumonitis")) == "Pneumonitis"


def test_builtin_terms_have_five_grades_and_no_dash_placeholders():
    for builtin in TERMS:
        assert len(builtin.grades) == 5, builtin.term
        assert all(text.strip() not in {"-", "–"} for text in builtin.grades), builtin.term
        assert any(builtin.grades), builtin.term


@pytest.mark.django_db
def test_the_builtin_data_migration_is_idempotent_and_reversible():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("toxicity.migrations.0002_builtin_ctcae_terms")
    CtcaeTerm.objects.create(meddra_code=99000001, soc="Investigations", term="Imported term", source="nci_import")

    migration.load_builtin_terms(apps, None)
    assert CtcaeTerm.objects.filter(source=TermSource.BUILTIN).count() == len(TERMS)

    migration.delete_builtin_terms(apps, None)
    assert list(CtcaeTerm.objects.values_list("term", flat=True)) == ["Imported term"]

    migration.load_builtin_terms(apps, None)
    assert CtcaeTerm.objects.count() == len(TERMS) + 1
