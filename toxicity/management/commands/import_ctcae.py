"""Import the official NCI CTCAE v5.0 spreadsheet into the term dictionary:

manage.py import_ctcae CTCAE_v5.0.xlsx [--user USERNAME]
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from toxicity.services.ctcae_import import CtcaeImportError, ctcae_import


class Command(BaseCommand):
    help = "Import the NCI CTCAE v5.0 Excel file (sheet 'CTCAE v5.0 Clean Copy'); nothing is saved if it has errors."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the NCI CTCAE_v5.0.xlsx file")
        parser.add_argument("--user", help="username recorded in the audit trail as the one who imported")

    def handle(self, *args, path, user=None, **options):
        importer = None
        if user:
            try:
                importer = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"No user named {user!r}.") from exc
        try:
            result = ctcae_import(path=path, user=importer)
        except CtcaeImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(result))
