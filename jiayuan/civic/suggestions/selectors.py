"""Reading suggestions: the one scope rule (jiayuan.civic.scoping.by_grid),
a station's statuses, and what the portal may show (no personal data)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiayuan.civic.choices import Stage, SuggestionSource
from jiayuan.civic.meetings.models import Meeting
from jiayuan.civic.meetings.selectors import meetings_for
from jiayuan.civic.scoping import by_grid
from jiayuan.civic.suggestions.models import Suggestion, SuggestionChange, SuggestionStatus
from jiayuan.core import audit
from jiayuan.core.access import Perms, get_for, require
from jiayuan.core.crypto import decrypt
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm

#: What the portal's "you said, we did" lists.
PUBLIC_STAGES = (Stage.ADOPTED, Stage.DONE)


def suggestions_for(actor: User) -> QuerySet[Suggestion]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CIVIC)):
        return Suggestion.objects.none()
    return by_grid(Suggestion.objects.all(), actor)


def get_suggestion_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_CIVIC) -> Suggestion:
    return get_for(actor, perm, suggestions_for(actor).select_related(
        "community", "grid", "status", "project", "merged_into", "person", "meeting"), pk)


def contact_phone_of(actor: User, suggestion: Suggestion) -> str:
    """The whole phone number a resident left on the portal, for roles that
    may see it; recorded in the audit log like any reveal."""
    require(actor, Perm.REVEAL_PHONE)
    if not suggestions_for(actor).filter(pk=suggestion.pk).exists():
        raise Http404
    phone = decrypt(suggestion.contact_phone_enc) if suggestion.contact_phone_enc else ""
    audit.record(AuditAction.REVEAL, actor=actor, obj=suggestion,
                 changes={"field": "contact_phone"})
    return phone


def grid_optional(actor: User) -> bool:
    """A community-wide account may enter a suggestion for the whole
    community; a grid worker's belongs to one of their grids."""
    return bool(actor.community_id) and not actor.grids.exists()


# --- a station's statuses ------------------------------------------------------------

def own_statuses(community_id: int | None) -> QuerySet[SuggestionStatus]:
    """The station's own statuses if it has any, else the default set."""
    if community_id is not None:
        own = SuggestionStatus.objects.filter(community_id=community_id)
        if own.exists():
            return own.order_by("order", "pk")
    return SuggestionStatus.objects.filter(community__isnull=True).order_by("order", "pk")


def statuses_of(community_id: int | None, *, active: bool = True) -> list[SuggestionStatus]:
    qs = own_statuses(community_id)
    return list(qs.filter(active=True) if active else qs)


def status_for_stage(community_id: int | None, stage: str) -> SuggestionStatus | None:
    """The station's first active status of `stage` (what a new suggestion
    gets, or what adopting one sets)."""
    return own_statuses(community_id).filter(active=True, stage=stage).first()


# --- staff lists ---------------------------------------------------------------------

def suggestion_list(actor: User, *, stage: str = "", source: str = "", q: str = "",
                    open_only: bool = False) -> QuerySet[Suggestion]:
    qs = suggestions_for(actor).select_related("status", "grid", "project", "merged_into")
    if stage in Stage.values:
        qs = qs.filter(status__stage=stage)
    if source in SuggestionSource.values:
        qs = qs.filter(source=source)
    if open_only:
        qs = qs.filter(merged_into__isnull=True,
                       status__stage__in=[Stage.RECEIVED, Stage.DISCUSSING])
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(ref__iexact=q))
    return qs.order_by("-received_at", "-pk")


def merge_targets(actor: User, suggestion: Suggestion) -> QuerySet[Suggestion]:
    """The suggestions this one may be merged into: the actor's, of the same
    community, not merged themselves, not this one."""
    return (suggestions_for(actor)
            .filter(community_id=suggestion.community_id, merged_into__isnull=True)
            .exclude(pk=suggestion.pk).select_related("status")
            .order_by("-received_at", "-pk"))


def changes_of(suggestion: Suggestion) -> list[SuggestionChange]:
    return list(suggestion.changes.select_related("from_status", "to_status", "by")
                .order_by("at", "pk"))


def meetings_choices(actor: User) -> QuerySet[Meeting]:
    """The meetings a suggestion may be entered from: the actor's, of the last
    year and the coming month (not sliced: a form validates against it)."""
    now = timezone.now()
    return (meetings_for(actor)
            .filter(starts_at__gte=now - timedelta(days=366),
                    starts_at__lte=now + timedelta(days=31))
            .order_by("-starts_at"))


# --- the portal (no account, no personal data) ---------------------------------------

def public_find(ref: str, token: str) -> Suggestion | None:
    """The suggestion with this reference and code, or None. A missing
    reference costs the same comparison as a wrong code (as the desk's)."""
    found = (Suggestion.objects.select_related("status", "merged_into", "project")
             .filter(ref=ref.strip()).first())
    expected = found.public_token if found else secrets.token_urlsafe(16)
    if not secrets.compare_digest(token.encode(), expected.encode()):
        return None
    return found


def public_history(suggestion: Suggestion) -> list[dict[str, Any]]:
    """The public reasons of every change, oldest first: what, when, why; never who."""
    return [{"at": c.at, "status": c.to_status.name, "stage": c.to_status.stage,
             "reason": c.public_reason}
            for c in suggestion.changes.select_related("to_status").order_by("at", "pk")]


def you_said_we_did(community_id: int | None, limit: int = 100) -> list[Suggestion]:
    """Adopted and done suggestions with their projects: nothing personal is
    read (the template is given only these fields)."""
    qs = (Suggestion.objects.filter(status__stage__in=PUBLIC_STAGES, merged_into__isnull=True)
          .select_related("status", "project")
          .only("ref", "title", "category", "public_reason", "received_at", "supporters",
                "status__name", "status__name_zh_hans", "status__name_zh_hant",
                "status__name_en", "status__stage", "project__title", "project__progress",
                "project__status", "project__public", "project__ref")
          .order_by("-received_at", "-pk"))
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return list(qs[:limit])
