"""Seed a synthetic study for the demo and for benchmarks (demo databases only)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.demo.seed import SeedRefused, seed_demo
from core.progress import progress_due, progress_line
from core.tasks import refresh_worklist_snapshots

PROGRESS_EVERY = 500  # participants, besides every tenth of the way


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--today: {text!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = (
        "Create a realistic synthetic cohort (screening, enrolment, treatment, labs, adverse events, visits, "
        "tumour assessments, progressions, deaths), deterministic for a seed, with its audit trail. Demo mode only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, required=True, help="How many patients to screen (N).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same study.")
        parser.add_argument("--today", type=_date, help="Reference date (default: today); data ends the day before.")
        parser.add_argument("--append", action="store_true", help="Add to a database that already has participants.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when participants already exist.")
        parser.add_argument("--force", action="store_true", help="Run outside demo mode (never on a real study).")
        parser.add_argument(
            "--ae-per-participant", type=int, default=0, metavar="K",
            help="Top every treated participant up to K adverse events (low-grade extras), for benchmarks.",
        )  # fmt: skip

    def handle(self, *args, **options):
        if options["ae_per_participant"] < 0:
            raise CommandError("--ae-per-participant must be 0 or more.")

        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 1 and progress_due(done, total, every=PROGRESS_EVERY):
                self.stdout.write(progress_line(done, total, "participants"))
                self.stdout.flush()

        try:
            summary = seed_demo(
                participants=options["participants"],
                seed=options["seed"],
                today=options["today"],
                append=options["append"],
                if_empty=options["if_empty"],
                force=options["force"],
                ae_per_participant=options["ae_per_participant"],
                progress=progress,
            )
        except SeedRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        if summary.skipped_reason:
            self.stdout.write(f"Nothing seeded: {summary.skipped_reason}.")
            return
        if connection.vendor == "postgresql":
            # Fresh planner statistics for the bulk-loaded tables (autovacuum would get there later):
            # without them PostgreSQL scans whole tables for one participant's rows.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # What the nightly task computes (core.tasks.refresh_worklist_snapshots, 00:10): today's worklist
        # snapshots of every participant, so the first home page after seeding reads them instead of
        # computing the whole study.
        snapshots = refresh_worklist_snapshots()
        width = max(len(label) for label in summary.counts)
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {summary.participants} participants: {summary.records} records "
            f"(and as many history rows) in {summary.seconds:.1f} s"
        ))  # fmt: skip
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>9}")
        self.stdout.write(f"Worklist snapshots for today: {snapshots}")
