"""Toxicity data. So far: the CTCAE v5.0 term dictionary (reference data, not clinical data).

The dictionary starts with the built-in terms this trial needs (``toxicity.reference.ctcae_builtin``,
loaded by a migration) and can be replaced by the official NCI spreadsheet with
``manage.py import_ctcae`` (``toxicity.services.ctcae_import``). Changes are audited
(django-simple-history).
"""

from django.db import models
from simple_history.models import HistoricalRecords

GRADES = (1, 2, 3, 4, 5)


class TermSource(models.TextChoices):
    BUILTIN = "builtin", "Built in"
    NCI_IMPORT = "nci_import", "Imported from the NCI spreadsheet"


class CtcaeTerm(models.Model):
    """One CTCAE v5.0 adverse-event term with the text of each grade.

    A blank grade text means that grade does not exist for the term (CTCAE's "-").
    """

    meddra_code = models.PositiveIntegerField("MedDRA code", unique=True)
    soc = models.CharField("MedDRA system organ class", max_length=120)
    term = models.CharField("CTCAE term", max_length=200, unique=True, db_index=True)
    grade_1 = models.TextField("Grade 1", blank=True)
    grade_2 = models.TextField("Grade 2", blank=True)
    grade_3 = models.TextField("Grade 3", blank=True)
    grade_4 = models.TextField("Grade 4", blank=True)
    grade_5 = models.TextField("Grade 5", blank=True)
    definition = models.TextField(blank=True)
    navigational_note = models.TextField(blank=True)
    source = models.CharField(max_length=12, choices=TermSource.choices, default=TermSource.BUILTIN)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "CTCAE term"
        verbose_name_plural = "CTCAE terms"
        ordering = ["soc", "term"]

    def __str__(self) -> str:
        return self.term

    def grade_text(self, grade: int) -> str:
        """The CTCAE text of ``grade`` (1-5); blank when the grade does not exist for this term."""
        if grade not in GRADES:
            raise ValueError(f"CTCAE grades are 1 to 5, not {grade!r}.")
        return getattr(self, f"grade_{grade}")

    def available_grades(self) -> list[int]:
        """The grades that exist for this term, e.g. [1, 2, 3] for Rash maculo-papular."""
        return [grade for grade in GRADES if self.grade_text(grade)]
