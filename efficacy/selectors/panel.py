"""The participant dashboard's tumour-response panel: baseline, last assessment, best overall
response so far, first progression (from ``participant_responses``, a fixed number of queries)."""

from enrollment.models import Participant

from ..models import ProgressionSite, Response
from ..rules import recist
from .response import participant_responses

_RESPONSE_LABELS = dict(Response.choices)
_SITE_LABELS = dict(ProgressionSite.choices)


def response_panel_lines(participant: Participant) -> list[str]:
    """What is recorded about the participant's tumour response, in words (empty: nothing yet)."""
    if participant.enrolment_date is None:
        return []
    rows = participant_responses([participant.pk])
    if not rows:
        return []
    row = rows[0]
    lines: list[str] = []
    if row.baseline_date is not None:
        lines.append(
            f"Baseline {row.baseline_date:%Y-%m-%d}: {row.target_lesions} target and "
            f"{row.non_target_lesions} non-target lesion(s)"
        )
    if row.timepoints:
        last = row.timepoints[-1]
        state = (
            f"confirmed {last.confirmed_response} by the investigator"
            if last.confirmed_response
            else "awaiting the investigator's confirmation"
        )
        lines.append(f"Last assessment {last.assessment_date:%Y-%m-%d}: {last.computed_response} ({state})")
        best = _RESPONSE_LABELS.get(row.best_response, row.best_response)
        if row.response_pending:
            best += f"; {row.best_unconfirmed} awaits a confirming scan at least {recist.RECIST.confirmation_days} days later"
        lines.append(f"Best overall response so far: {best}")
    if row.progression_date is not None:
        site = _SITE_LABELS.get(row.first_progression_site, row.first_progression_site)
        lines.append(f"First progression {row.progression_date:%Y-%m-%d} ({site})")
    elif row.pd_without_progression_record:
        lines.append(f"PD on {row.first_confirmed_pd_date:%Y-%m-%d}: record the progression on the follow-up page")
    if row.death_date is not None:
        lines.append(f"Died {row.death_date:%Y-%m-%d}")
    return lines
