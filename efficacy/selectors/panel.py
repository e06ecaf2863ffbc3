"""The participant dashboard's tumour-response panel: baseline, last assessment, best overall
response so far, first progression (from ``participant_responses``, a fixed number of queries)."""

from django.utils.translation import gettext as _

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
            _("Baseline %(date)s: %(targets)s target and %(non_targets)s non-target lesion(s)")
            % {"date": _iso(row.baseline_date), "targets": row.target_lesions, "non_targets": row.non_target_lesions}
        )
    if row.timepoints:
        last = row.timepoints[-1]
        values = {
            "date": _iso(last.assessment_date), "computed": last.computed_response,
            "confirmed": last.confirmed_response,
        }  # fmt: skip
        if last.confirmed_response:
            lines.append(_("Last assessment %(date)s: %(computed)s (confirmed %(confirmed)s by the investigator)") % values)
        else:
            lines.append(_("Last assessment %(date)s: %(computed)s (awaiting the investigator's confirmation)") % values)
        best = _RESPONSE_LABELS.get(row.best_response, row.best_response)
        if row.response_pending:
            lines.append(
                _("Best overall response so far: %(best)s; %(pending)s awaits a confirming scan at least %(days)s days "
                  "later") % {"best": best, "pending": row.best_unconfirmed, "days": recist.RECIST.confirmation_days}
            )  # fmt: skip
        else:
            lines.append(_("Best overall response so far: %(best)s") % {"best": best})
    if row.progression_date is not None:
        site = _SITE_LABELS.get(row.first_progression_site, row.first_progression_site)
        lines.append(_("First progression %(date)s (%(site)s)") % {"date": _iso(row.progression_date), "site": site})
    elif row.pd_without_progression_record:
        lines.append(
            _("PD on %(date)s: record the progression on the follow-up page") % {"date": _iso(row.first_confirmed_pd_date)}
        )
    if row.death_date is not None:
        lines.append(_("Died %(date)s") % {"date": _iso(row.death_date)})
    return lines


def _iso(day) -> str:
    return f"{day:%Y-%m-%d}"
