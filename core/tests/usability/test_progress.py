"""Long-running jobs show their progress: the study export's progress bar is an ARIA progress bar
with its value and a percentage in words; ``seed_demo`` prints a line every 500 participants and at
least every tenth of the way; the CTCAE and screening imports print theirs on stderr (stdout keeps
the result alone, as scripts read it)."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.data_management.exports import services as export_services
from core.models import ExportJob
from core.progress import progress_due, progress_line
from enrollment.tests.commands.test_import_screening import _row, _write
from toxicity.tests.ctcae_workbooks import GOOD_ROWS, write_workbook

PROGRESS = re.compile(r"^  (\d+)/(\d+) ")


def _progress_lines(text: str) -> list[tuple[int, int]]:
    return [(int(m[1]), int(m[2])) for m in map(PROGRESS.match, text.splitlines()) if m]


@pytest.mark.parametrize(
    ("done", "total", "every", "due"),
    [
        (1, 1, None, True),  # a single item: its line is the last
        (1, 7, None, True),  # fewer than 10 items: every one
        (3, 50, None, False),
        (5, 50, None, True),  # 50 items: every 5 (10 %)
        (49, 50, None, False),
        (50, 50, None, True),  # the end
        (500, 10_000, 500, True),  # every 500 of a big seed
        (999, 10_000, 500, False),
        (1_000, 10_000, 500, True),  # and every 1,000 (10 %)
        (1_234, 10_000, 500, False),
        (400, 2_000, None, True),  # 2,000 items: every 200
        (500, 2_000, None, False),  # 500 only when asked for
        (500, 2_000, 500, True),
    ],
)
def test_progress_is_due_every_tenth_every_n_and_at_the_end(done, total, every, due):
    assert progress_due(done, total, every=every) is due


def test_progress_line_says_how_far_in_numbers_and_percent():
    assert progress_line(250, 1000, "participants") == "  250/1000 participants (25 %)"


@pytest.mark.django_db
def test_seed_demo_of_a_few_participants_reports_each_tenth_and_the_end(settings):
    settings.DEMO_MODE = True
    out = io.StringIO()
    call_command("seed_demo", "--participants", "10", "--seed", "3", stdout=out)
    assert _progress_lines(out.getvalue()) == [(n, 10) for n in range(1, 11)]
    assert "  10/10 participants (100 %)" in out.getvalue()
    assert "Seeded 10 participants" in out.getvalue()


@pytest.mark.django_db
def test_import_ctcae_prints_progress_on_stderr_and_the_result_alone_on_stdout(tmp_path):
    template = GOOD_ROWS[0]
    rows = [(99100000 + n, template[1], f"Test finding {n}", *template[3:]) for n in range(20)]
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ctcae", str(write_workbook(tmp_path / "twenty.xlsx", rows=rows)), stdout=out, stderr=err)
    assert out.getvalue().strip() == "20 terms: 20 created, 0 updated, 0 unchanged"
    assert err.getvalue().startswith(f"Reading {tmp_path / 'twenty.xlsx'} ...")
    assert _progress_lines(err.getvalue()) == [(n, 20) for n in range(2, 21, 2)]


@pytest.mark.django_db
def test_import_screening_prints_progress_on_stderr(tmp_path, coordinator):
    path = _write(tmp_path, [_row(initials=initials) for initials in ("AB", "CD", "EF")])
    out, err = io.StringIO(), io.StringIO()
    call_command("import_screening", str(path), user=coordinator.username, stdout=out, stderr=err)
    assert "Imported 3 screening record(s)" in out.getvalue()
    assert _progress_lines(err.getvalue()) == [(1, 3), (2, 3), (3, 3)]
    assert "  3/3 rows checked (100 %)" in err.getvalue()


class _ProgressBars(HTMLParser):
    """The ARIA progress bars of a page: their attributes and the text inside them."""

    def __init__(self):
        super().__init__()
        self.bars: list[dict] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("role") == "progressbar":
            self.bars.append({**attributes, "text": ""})
            self._depth = 1
        elif self._depth:
            self._depth += 1

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.bars[-1]["text"] += data.strip()


@pytest.mark.django_db
def test_export_progress_bar_has_its_value_its_range_a_name_and_a_percentage_in_words(client, data_manager):
    job = export_services.export_job_create(user=data_manager, identified=False, now=timezone.now())
    ExportJob.objects.filter(pk=job.pk).update(status="running", progress_done=2, progress_total=5)  # a test shortcut
    client.force_login(data_manager)
    parser = _ProgressBars()
    parser.feed(client.get(reverse("dm:export_list")).content.decode())
    [bar] = parser.bars
    assert (bar["aria-valuenow"], bar["aria-valuemin"], bar["aria-valuemax"]) == ("40", "0", "100")
    assert bar["aria-label"] == f"Progress of export {job.pk}"
    assert bar["text"] == "40%"
