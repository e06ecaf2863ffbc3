"""Import the official NCI CTCAE v5.0 spreadsheet into the term dictionary:

manage.py import_ctcae CTCAE_v5.0.xlsx [--user USERNAME]
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.progress import plain, progress_due, progress_line
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

        def progress(done: int, total: int) -> None:
            # On stderr: stdout is the result alone, for scripts that read it.
            if options["verbosity"] >= 1 and progress_due(done, total):
                self.stderr.write(progress_line(done, total, "terms"), style_func=plain)
                self.stderr.flush()

        if options["verbosity"] >= 1:
            self.stderr.write(f"Reading {path} ...", style_func=plain)
            self.stderr.flush()
        try:
            result = ctcae_import(path=path, user=importer, progress=progress)
        except CtcaeImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(result))
