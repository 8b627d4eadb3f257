"""Webhook subscriptions: the rules (who may subscribe, which addresses, which
events) and the selectors the API's views call."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.api.webhooks import addresses
from jiayuan.api.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from jiayuan.core import audit, crypto
from jiayuan.core.access import get_for, require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.desk.models import Department

# Webhooks carry case events: an account subscribes only if it may view cases.
PERM = Perm.VIEW_CASES


def check_url(url: str) -> str:
    """https only (http too when settings.WEBHOOK_ALLOW_HTTP, for tests and
    the demo); never credentials in the address; never a host that is, or
    resolves to, a loopback, private, link-local, reserved, multicast or
    unspecified address (unless settings.WEBHOOK_ALLOW_PRIVATE): see
    jiayuan.api.webhooks.addresses. The sender checks the host again."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        parts, port = None, None
    schemes = ("https", "http") if getattr(settings, "WEBHOOK_ALLOW_HTTP", False) \
        else ("https",)
    if parts is None or not parts.hostname or parts.scheme not in schemes:
        raise ValidationError({"url": _("Give an https:// address.")})
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError({"url": _("The address must not hold a user name or password.")})
    if not addresses.private_allowed():
        try:
            addresses.resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
        except addresses.AddressRefused:
            raise ValidationError({"url": _(
                "The address must be on the public internet: loopback, private, link-local "
                "and other reserved addresses (such as localhost, 10.x.x.x, 192.168.x.x or "
                "169.254.169.254) are refused.")}) from None
        except (OSError, ValueError, UnicodeError):
            raise ValidationError({"url": _(
                "The address's host name could not be found.")}) from None
    return url


def check_events(events: list[str]) -> list[str]:
    if not events or any(e not in WebhookEvent.values for e in events):
        raise ValidationError({"events": _("Choose one or more of: %(events)s.") % {
            "events": ", ".join(WebhookEvent.values)}})
    return sorted(set(events))


@audit.audited
def subscription_create(*, actor: User, url: str, events: list[str],
                        department: Department | None = None
                        ) -> tuple[WebhookSubscription, str]:
    """A subscription of the actor's own; returns it and its signing secret,
    shown once (kept encrypted, since it must still sign)."""
    require(actor, PERM)
    url, events = check_url(url), check_events(events)
    secret = "whsec_" + secrets.token_urlsafe(32)
    sub = WebhookSubscription.objects.create(
        user=actor, url=url, events=events, department=department,
        secret_encrypted=crypto.encrypt(secret), created_at=timezone.now())
    audit.record(AuditAction.CREATE, actor=actor, obj=sub, changes={
        "url": url, "events": events,
        **({"department": department.code} if department else {})})
    return sub, secret


@audit.audited
def subscription_delete(*, actor: User, subscription: WebhookSubscription) -> None:
    require(actor, PERM)
    if subscription.user_id != actor.pk:
        raise ValidationError(_("This subscription is not yours."))
    audit.record(AuditAction.DELETE, actor=actor, obj=subscription,
                 changes={"url": subscription.url})
    subscription.delete()


def subscriptions_for(actor: User) -> QuerySet[WebhookSubscription]:
    """The actor's own subscriptions (another account's are never listed)."""
    if not (isinstance(actor, User) and actor.is_authenticated and actor.has(PERM)):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(user=actor).select_related("department")


def list_subscriptions_for(actor: User) -> QuerySet[WebhookSubscription]:
    """The list the API shows: 403 (audited) without the permission."""
    require(actor, PERM)
    return subscriptions_for(actor)


def get_subscription_for(actor: User, pk: Any) -> WebhookSubscription:
    """Only one's own: 403 without the permission, 404 for another's (audited)."""
    return get_for(actor, PERM, subscriptions_for(actor), pk)


def deliveries_for(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return subscription.deliveries.order_by("-created_at", "-pk")
