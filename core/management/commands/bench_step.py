"""One step of the benchmark, run by ``manage.py bench`` in its own process against one benchmark
database (DATABASE_URL): a measurement (prints JSON), or a preparation of the benchmark data.

Preparations write only to a throw-away benchmark database: ``inflate_aes`` copies adverse events
in SQL (no audit rows; only the AE table's size matters to the export figures) and
``seed_participants`` bulk-creates enrolled participants for the visit-flag task at 10,000.
"""

import datetime
import json
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core.bench import measure


class Command(BaseCommand):
    help = "Run one benchmark step in this process (used by manage.py bench)."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=[*measure.STEPS, "inflate_aes", "seed_participants", "session"])
        parser.add_argument("--rows", type=int, default=0, help="inflate_aes: the AE table's target size")
        parser.add_argument("--participants", type=int, default=0, help="seed_participants: how many")
        parser.add_argument("--role", default="Study coordinator", help="session: the user's role")

    def handle(self, *args, step, rows, participants, role, **options):
        if not connection.settings_dict["NAME"] or "bench" not in str(connection.settings_dict["NAME"]):
            raise CommandError("bench_step runs only against a benchmark database (its name contains 'bench').")
        if step == "inflate_aes":
            result = _inflate_aes(rows)
        elif step == "seed_participants":
            result = _seed_participants(participants)
        elif step == "session":
            result = _session(role)
        else:
            result = measure.STEPS[step]()
        self.stdout.write(json.dumps(result))


# AE numbers are small integers (< 32,768): the seeded AEs are numbered below STRIDE per participant,
# and copy k of them is numbered k * STRIDE above the original, so copies never collide.
STRIDE = 50


def _inflate_aes(target: int) -> dict:
    """Copy the seeded AE rows (numbered apart per copy) until the table holds ``target`` rows; a
    later call adds copies after the existing ones."""
    from django.db.models import Max

    from toxicity.models import AdverseEvent

    table = AdverseEvent._meta.db_table
    columns = [field.column for field in AdverseEvent._meta.concrete_fields if not field.primary_key]
    originals = AdverseEvent.objects.filter(number__lt=STRIDE).count()
    if originals == 0:
        raise CommandError("No adverse event to copy: seed the database first.")
    current = AdverseEvent.objects.count()
    missing = target - current
    if missing > 0:
        copies = -(-missing // originals)
        first = (AdverseEvent.objects.aggregate(top=Max("number"))["top"] or 0) // STRIDE + 1
        if (first + copies) * STRIDE > 32767:
            raise CommandError(f"{originals} AEs are too few to copy to {target}: seed with --ae-per-participant.")
        selected = ", ".join(f"number + k * {STRIDE}" if column == "number" else column for column in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our own table and columns
                f"SELECT {selected} FROM {table} CROSS JOIN generate_series(%s, %s) AS k "
                f"WHERE number < {STRIDE} ORDER BY k, id LIMIT %s",
                [first, first + copies - 1, missing],
            )
            cursor.execute(f"ANALYZE {table}")
    return {"rows": AdverseEvent.objects.count()}


def _seed_participants(count: int) -> dict:
    """Enrolled participants with treatment starts spread over two years (for the daily flag task)."""
    from django.utils import timezone

    from enrollment.models import Participant

    rng = random.Random(10_000)
    today = timezone.localdate()
    people = []
    for number in range(1, count + 1):
        start = today - datetime.timedelta(days=rng.randint(0, 730))
        people.append(Participant(
            screening_number=f"BENCH-S{number:05d}", study_number=f"BENCH-{number:05d}", initials="BN",
            date_of_birth=datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randint(0, 9000)),
            screening_date=start - datetime.timedelta(days=14), status="on_treatment" if start > today - datetime.timedelta(days=60)
            else "follow_up", status_date=start, enrolment_date=start - datetime.timedelta(days=3),
            planned_treatment_start=start,
        ))  # fmt: skip
    with transaction.atomic():
        Participant.objects.bulk_create(people, batch_size=2000)
    return {"participants": Participant.objects.filter(enrolment_date__isnull=False).count()}


def _session(role: str) -> dict:
    """A logged-in session (database sessions) of a benchmark user with ``role``: the cookie value."""
    from django.test import Client

    client = Client()
    client.force_login(measure._user(role))
    return {"cookie": f"sessionid={client.cookies['sessionid'].value}"}
