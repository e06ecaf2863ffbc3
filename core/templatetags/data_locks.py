"""Template tags of the data locks: the banner every participant page shows while the study or
that participant's data is locked (``{% load data_locks %}{% lock_banner participant %}``)."""

from django import template

from core.data_management.monitoring.selectors import participant_banner_locks

register = template.Library()


@register.inclusion_tag("core/dm/_lock_banner.html", takes_context=True)
def lock_banner(context, participant=None):
    """The active study lock and the participant's active lock, each with who, when and why (one
    query), and an unlock link for data managers."""
    return {"locks": participant_banner_locks(participant), "perms": context.get("perms")}
