"""The dashboard's SAE list: every report still to send, then only the most recent sent ones."""

from dataclasses import dataclass

from toxicity.views.dashboard import SENT_SAES_SHOWN, _sae_lists


@dataclass
class Row:
    name: str
    is_open: bool


def test_every_open_report_is_listed_and_the_sent_ones_are_capped():
    rows = [Row(f"open-{n}", True) for n in range(30)] + [Row(f"sent-{n}", False) for n in range(SENT_SAES_SHOWN + 5)]
    lists = _sae_lists(rows)
    assert [row.name for row in lists["saes_shown"]][:30] == [f"open-{n}" for n in range(30)]
    assert len(lists["saes_shown"]) == 30 + SENT_SAES_SHOWN
    assert lists["saes_not_shown"] == 5


def test_nothing_is_hidden_when_few_reports_were_sent():
    lists = _sae_lists([Row("a", False), Row("b", True)])
    assert [row.name for row in lists["saes_shown"]] == ["b", "a"] and lists["saes_not_shown"] == 0
