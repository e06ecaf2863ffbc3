"""The benchmark's measurements, each run inside a Django process pointed at one benchmark database
(``manage.py bench_step``): page server time and query count against a trivial page, the AE CSV
export against PostgreSQL's COPY, the export's peak memory, and the daily visit-flag task.

Every figure is a ratio or a count measured in the same run as its baseline, so the table does not
depend on how fast this machine happens to be.
"""

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

REPEATS = 7  # timed requests per page, after one warm-up request; the median is reported


class _NullSink:
    """A file-like object that counts what csv.writer gives it and keeps nothing."""

    def __init__(self):
        self.bytes = 0

    def write(self, data) -> int:
        self.bytes += len(data)
        return len(data)


@dataclass
class PageFigure:
    page: str
    url: str
    median_ms: float
    trivial_ms: float
    ratio: float
    queries: int
    first_ms: float = 0.0  # the first request, which computes what later ones read from caches


def _user(role: str):
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username=f"bench.{role.lower().replace(' ', '')}")
    user.groups.set([Group.objects.get(name=role)])
    return user


def _time_get(client: Client, url: str) -> tuple[float, int, float]:
    """Median server time (ms) of GET ``url``, the query count of one request, and the time of the
    first request (ms), which fills the worklist snapshots and the study cache."""
    start = time.perf_counter()
    response = client.get(url)
    first = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            for _chunk in response.streaming_content:
                pass
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries), first


def _busiest_participant_id() -> int:
    from toxicity.models import AdverseEvent

    row = AdverseEvent.objects.values("participant_id").annotate(n=Count("id")).order_by("-n").first()
    if row is None:
        from enrollment.models import Participant

        return Participant.objects.filter(enrolment_date__isnull=False).values_list("pk", flat=True).first()
    return row["participant_id"]


def pages() -> list[dict]:
    """Each page's median server time divided by a trivial logged-in page's, and its query count."""
    from core import roles

    pid = _busiest_participant_id()
    targets: list[tuple[str, str, str]] = [
        ("worklist (coordinator home)", roles.COORDINATOR, reverse("core:home")),
        ("worklist (investigator home)", roles.INVESTIGATOR, reverse("core:home")),
        ("participant dashboard", roles.COORDINATOR, reverse("enrollment:participant_detail", args=[pid])),
        ("toxicity dashboard", roles.INVESTIGATOR, reverse("toxicity:dashboard")),
        ("Simon page", roles.INVESTIGATOR, reverse("efficacy:simon")),
        ("survival report", roles.INVESTIGATOR, reverse("efficacy:survival")),
    ]
    figures = []
    clients: dict[str, Client] = {}
    trivial: dict[str, float] = {}
    for name, role, url in targets:
        if role not in clients:
            client = Client(HTTP_HOST="127.0.0.1")  # an allowed host of the dev settings
            client.force_login(_user(role))
            clients[role] = client
            trivial[role], _, _ = _time_get(client, reverse("password_change"))
        median, queries, first = _time_get(clients[role], url)
        figures.append(PageFigure(name, url, round(median, 2), round(trivial[role], 2),
                                  round(median / trivial[role], 2), queries, round(first, 2)))  # fmt: skip
    return [asdict(figure) for figure in figures]


EXPORT_ROUNDS = 3  # timed runs of each writer, alternated after one warm-up COPY; medians reported


def ae_export() -> dict:
    """Rows per second of the study export's AE CSV writer (``FormTable.write_csv``, as the export
    job writes it) and of PostgreSQL's COPY of the same rows.

    One untimed COPY first reads the table into the buffer cache, then the two writers take turns,
    so neither is timed on a colder cache than the other; each figure is the median of its runs."""
    from core.data_management.exports.forms import FormTable
    from toxicity.models import AdverseEvent

    rows = AdverseEvent.objects.count()
    sql = f"COPY (SELECT * FROM {AdverseEvent._meta.db_table} ORDER BY id) TO STDOUT WITH CSV HEADER"

    def copy_seconds() -> float:
        start = time.perf_counter()
        with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
            for block in copy:
                _NullSink().write(bytes(block))
        return time.perf_counter() - start

    def app_seconds() -> tuple[float, int]:
        table = FormTable(AdverseEvent, identified=False)
        start = time.perf_counter()
        written = table.write_csv(_NullSink())
        return time.perf_counter() - start, written

    copy_seconds()
    app_runs, copy_runs = [], []
    for _ in range(EXPORT_ROUNDS):
        seconds, written = app_seconds()
        app_runs.append(seconds)
        copy_runs.append(copy_seconds())
    app, baseline = statistics.median(app_runs), statistics.median(copy_runs)
    return {
        "rows": rows,
        "rows_written": written,
        "app_rows_per_s": round(written / app),
        "copy_rows_per_s": round(rows / baseline),
        "ratio_of_copy": round((written / app) / (rows / baseline), 3),
        "app_seconds": round(app, 2),
        "copy_seconds": round(baseline, 2),
        "rounds": EXPORT_ROUNDS,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def export_memory() -> dict:
    """Peak resident memory (MB) of a process that writes the AE CSV once as the export does (run
    alone in its process)."""
    from core.data_management.exports.forms import FormTable
    from toxicity.models import AdverseEvent

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = FormTable(AdverseEvent, identified=False)
    count = table.write_csv(_NullSink())
    return {
        "rows": count,
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def flags() -> dict:
    """Wall time and query count of the daily visit-flag task (``flag_visits_due``), twice: the first
    run opens the flags, the second keeps them."""
    from enrollment.models import Participant
    from enrollment.services.visit_flags import flag_visits_due

    today = timezone.localdate()
    results = {"participants": Participant.objects.filter(enrolment_date__isnull=False).count()}
    for label in ("first_run", "second_run"):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            flag_visits_due(today=today)
            seconds = time.perf_counter() - start
        results[label] = {"seconds": round(seconds, 2), "queries": len(queries)}
    return results


STEPS: dict[str, Callable[[], object]] = {
    "pages": pages,
    "ae_export": ae_export,
    "export_memory": export_memory,
    "flags": flags,
}
