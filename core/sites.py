"""Study sites: who may reach which participants in a multi-centre study (issue 9).

The rules, written down once:

- Sites are optional. With no ``Site`` row (a single-centre study, the default) nothing is
  restricted and every function here is a no-op.
- Once a site exists, every participant belongs to one site (``Participant.site``) and every user
  works at zero or more sites (``SiteMembership``, edited in the admin). A user sees the participants
  of their own sites only: lists, reports and CSVs are filtered (``restrict_to_user_sites``), and every
  URL naming a participant or one of her records answers 404 for another site's participant
  (``core.site_access``), exactly as if it did not exist, so ids cannot be guessed into other records.
- Users who see every site: superusers, staff (the Django admin lists every participant anyway) and
  users given the permission ``core.view_all_sites``. No study role has it by default: a
  sponsor-side data manager, monitor or statistician is given it by name in the admin (like
  ``core.export_identified``), and site staff see their own site. So a new user is restricted by
  default.
- A participant without a site (registered before sites were configured) is seen only by users who
  see every site, until one of them gives her a site (her *Edit* page).
- Registering a patient: a coordinator with one site registers at that site; with several, chooses
  one of them; with none (and not all-sites) cannot register once sites exist.
- Study-wide statistics and actions whose meaning is the whole study are for users who see every
  site (site staff get 403): the Simon monitor and the survival report (a stopping rule or a
  Kaplan-Meier curve on one site's patients would be misread as the study's), the study export (the
  whole study's data set) and the study lock. ``core.site_access.ALL_SITES_ONLY`` lists them.

Every function takes the user and caches what it read on the user object, so a request reads the
sites once (one query) however many lists it filters. ``user=None`` means a system caller (a Celery
task, a management command): the whole study.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .models import Site

ALL_SITES_PERMISSION = "core.view_all_sites"
_CACHE_ATTRIBUTE = "_trialsite_site_access"

User = AbstractBaseUser | AnonymousUser | None  # None: a system caller (task, command): the whole study


@dataclass(frozen=True)
class SiteAccess:
    """What a user may see: every site (``all_sites``), or the participants of ``site_ids``."""

    all_sites: bool
    site_ids: frozenset[int] = frozenset()

    def allows(self, site_id: int | None) -> bool:
        return self.all_sites or (site_id is not None and site_id in self.site_ids)


EVERY_SITE = SiteAccess(all_sites=True)


def site_access(user: User) -> SiteAccess:
    """The sites ``user`` may see (one query the first time per user object, none after)."""
    if user is None:
        return EVERY_SITE
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    access = _read_access(user)
    try:
        setattr(user, _CACHE_ATTRIBUTE, access)
    except AttributeError:  # AnonymousUser and other objects without attributes of their own
        pass
    return access


def _read_access(user: User) -> SiteAccess:
    from .models import Site, SiteMembership

    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return EVERY_SITE
    if not getattr(user, "is_authenticated", False):
        # Anonymous: nothing, once sites exist (every page needs a login anyway).
        return EVERY_SITE if not Site.objects.exists() else SiteAccess(all_sites=False)
    # One query: every site, and whether the user is a member of it (a study has a handful of sites).
    rows = list(
        Site.objects.annotate(member=Exists(SiteMembership.objects.filter(site=OuterRef("pk"), user=user)))
        .order_by()
        .values_list("pk", "member")
    )
    if not rows or user.has_perm(ALL_SITES_PERMISSION):
        return EVERY_SITE
    return SiteAccess(all_sites=False, site_ids=frozenset(pk for pk, member in rows if member))


def sites_configured() -> bool:
    from .models import Site

    return Site.objects.exists()


def sees_all_sites(user: User) -> bool:
    return site_access(user).all_sites


def site_path(participant_lookup: str) -> str:
    """The lookup of the participant's site from a model with ``audit_participant_lookup``
    ``participant_lookup``: "id" (the participant) -> "site_id", "participant_id" ->
    "participant__site_id", "panel__participant_id" -> "panel__participant__site_id"."""
    if participant_lookup in ("id", "pk", ""):
        return "site_id"
    return participant_lookup.removesuffix("_id") + "__site_id"


def restrict_to_user_sites(queryset: QuerySet, user: User, *, lookup: str = "participant", keep_unowned: bool = False) -> QuerySet:
    """``queryset`` limited to the rows whose participant (reached by ``lookup``; "" when the rows
    are participants) is at one of ``user``'s sites. Unchanged for users who see every site and when
    no site exists. Rows without a participant (e.g. a study lock) are dropped unless
    ``keep_unowned``: they are study-level, not another site's."""
    access = site_access(user)
    if access.all_sites:
        return queryset
    prefix = f"{lookup}__" if lookup else ""
    condition = Q(**{f"{prefix}site__in": access.site_ids})
    if keep_unowned and lookup:
        condition |= Q(**{f"{lookup}__isnull": True})
    return queryset.filter(condition)


def visible_participants(user: User) -> QuerySet:
    """The participants ``user`` may see."""
    from enrollment.models import Participant

    return restrict_to_user_sites(Participant.objects.all(), user, lookup="")


# --- registering a patient ---------------------------------------------------------------------------


def registration_sites(user: User) -> QuerySet:
    """The sites ``user`` may register a patient at: every site for an all-sites user, their own
    otherwise (empty when no site exists)."""
    from .models import Site

    access = site_access(user)
    sites = Site.objects.order_by("code")
    return sites if access.all_sites else sites.filter(pk__in=access.site_ids)


NO_SITE_MESSAGE = gettext_lazy("You are not assigned to a site, so you cannot register patients. Ask an administrator.")


def registration_site(user: User, site: Site | None) -> Site | None:
    """The site a patient registered by ``user`` belongs to: ``site`` when ``user`` may register
    there, their only site when ``site`` is None and they have exactly one, None when the study has
    no sites. Raises ``ValidationError`` ({"site": why}) otherwise."""
    if not sites_configured():
        if site is not None:
            raise ValidationError({"site": _("This study has no sites: leave the site empty.")})
        return None
    if site is None:
        own = list(registration_sites(user)[:2])
        if len(own) == 1:
            return own[0]
        raise ValidationError({"site": _("Choose the site the patient is registered at.") if own else NO_SITE_MESSAGE})
    if not site_access(user).allows(site.pk):
        raise ValidationError({"site": _("You can register patients only at your own site.")})
    return site
