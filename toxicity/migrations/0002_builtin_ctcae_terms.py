"""Load the built-in CTCAE v5.0 terms (``toxicity.reference.ctcae_builtin``).

Idempotent: a term already present (by MedDRA code or term) is left as it is. No historical rows
are written; the terms' history starts with their first change. Reversing deletes the built-in rows.
"""

from django.db import migrations


def load_builtin_terms(apps, schema_editor):
    from toxicity.reference.ctcae_builtin import TERMS

    CtcaeTerm = apps.get_model("toxicity", "CtcaeTerm")
    codes = set(CtcaeTerm.objects.values_list("meddra_code", flat=True))
    terms = set(CtcaeTerm.objects.values_list("term", flat=True))
    for builtin in TERMS:
        if builtin.meddra_code in codes or builtin.term in terms:
            continue
        grades = dict(zip(("grade_1", "grade_2", "grade_3", "grade_4", "grade_5"), builtin.grades, strict=True))
        CtcaeTerm.objects.create(
            meddra_code=builtin.meddra_code,
            soc=builtin.soc,
            term=builtin.term,
            definition=builtin.definition,
            source="builtin",
            **grades,
        )


def delete_builtin_terms(apps, schema_editor):
    apps.get_model("toxicity", "CtcaeTerm").objects.filter(source="builtin").delete()


class Migration(migrations.Migration):
    dependencies = [("toxicity", "0001_ctcae_terms")]

    operations = [migrations.RunPython(load_builtin_terms, delete_builtin_terms)]
