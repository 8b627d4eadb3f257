"""Writing the policy column: posts, their versions and their reviews.

Every save (creating, editing, marking reviewed) claims the next `version`
(jiayuan.core.versioning: a stale form is refused, nothing saved) and keeps a
PostVersion with the texts and dates as saved and which of them changed.
A save by the column's staff counts as a review: `reviewed_on` becomes today,
`review_by` moves on (90 days unless chosen) and the post's open review
reminders close. `review_reminders_raise` is `manage.py tick`'s job.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import community_ids
from jiayuan.core.staff import staff_with
from jiayuan.core.versioning import claim
from jiayuan.engage.choices import PostCategory
from jiayuan.engage.column.models import REVIEW_DAYS, Post, PostVersion, ReviewReminder
from jiayuan.engage.column.selectors import DATE_FIELDS, TEXT_FIELDS
from jiayuan.places.models import Community

#: The scheduler's name in the audit log (jiayuan.core.scheduler.ACTOR).
TICK = "tick"


def _what(post: Post) -> str:
    return _("this post (%(title)s)") % {"title": post.title_zh_hans}


def check_texts(texts: dict[str, Any]) -> dict[str, str]:
    """The eight text fields, stripped; the Simplified Chinese title and text
    required, and a title with its text (and the reverse) in each language."""
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown post fields: {sorted(unknown)}")
    out = {name: str(texts.get(name) or "").strip() for name in TEXT_FIELDS}
    errors: dict[str, str] = {}
    if not out["title_zh_hans"]:
        errors["title_zh_hans"] = _("Write the title in Simplified Chinese.")
    if not out["body_zh_hans"]:
        errors["body_zh_hans"] = _("Write the text in Simplified Chinese.")
    for lang in ("zh_hant", "en", "ug"):
        title, body = out[f"title_{lang}"], out[f"body_{lang}"]
        if title and not body:
            errors[f"body_{lang}"] = _("A title without its text: write the text too, or "
                                       "leave both empty.")
        elif body and not title:
            errors[f"title_{lang}"] = _("A text without its title: write the title too, "
                                        "or leave both empty.")
    for name, value in out.items():
        if name.startswith("title_") and len(value) > 120:
            errors[name] = _("The title is too long (at most 120 characters).")
    if errors:
        raise ValidationError(errors)
    return out


def check_dates(publish_on: date | None, unpublish_on: date | None) -> None:
    if unpublish_on is not None and publish_on is None:
        raise ValidationError({"unpublish_on": _(
            "A take-down date needs a publish date: set when the post goes up first.")})
    if unpublish_on is not None and publish_on is not None and unpublish_on <= publish_on:
        raise ValidationError({"unpublish_on": _(
            "The take-down date must be after the publish date.")})


def _category(category: str) -> str:
    if category not in PostCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    return category


def _owner(actor: User, owner: User | None, community_id: int,
           keep: list[User] | None = None) -> User:
    """The post's owner: staff of the post's community who may edit the column."""
    if owner is None:
        raise ValidationError({"owner": _("Choose who looks after this post.")})
    allowed = staff_with(actor, Perm.EDIT_COLUMN, keep or ()).filter(
        pk=owner.pk, community_id=community_id)
    if not allowed.exists():
        raise ValidationError({"owner": _(
            "%(name)s cannot look after this post: choose someone of this community's "
            "staff who edits the column.") % {"name": owner.display_name}})
    return owner


def _community(actor: User, community: Community | None) -> Community:
    community = community or actor.community
    if community is None:
        raise ValidationError({"community": _("Choose the community of the post.")})
    ids = community_ids(actor)
    if ids is not None and community.pk not in ids:
        raise ValidationError({"community": _("That community is not one of yours.")})
    return community


def _review_by(review_by: date | None, today: date) -> date:
    if review_by is None:
        return today + timedelta(days=REVIEW_DAYS)
    if review_by <= today:
        raise ValidationError({"review_by": _("The review date must be after today.")})
    return review_by


def _state(post: Post) -> dict[str, Any]:
    return {**{name: getattr(post, name) for name in TEXT_FIELDS},
            "category": post.category,
            **{name: (getattr(post, name).isoformat() if getattr(post, name) else None)
               for name in DATE_FIELDS}}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Which texts, the category and which dates differ, in the model's order."""
    order = (*TEXT_FIELDS, "category", *DATE_FIELDS)
    return [name for name in order if (before.get(name) or None) != (after.get(name) or None)]


def _keep_version(actor: User | None, post: Post, changed: list[str],
                  now: datetime) -> PostVersion:
    return PostVersion.objects.create(post=post, number=post.version, texts=_state(post),
                                      changed=",".join(changed)[:200], saved_by=actor,
                                      saved_at=now)


def _close_reminders(post: Post, now: datetime) -> int:
    return ReviewReminder.objects.filter(post=post, done_at__isnull=True).update(done_at=now)


@audit.audited
def post_create(*, actor: User, category: str, texts: dict[str, Any],
                owner: User | None = None, publish_on: date | None = None,
                unpublish_on: date | None = None, review_by: date | None = None,
                community: Community | None = None, now: datetime | None = None) -> Post:
    """A new post of the actor's community (version 1), looked after by `owner`
    (the actor when None)."""
    require(actor, Perm.EDIT_COLUMN)
    now = now or timezone.now()
    today = timezone.localdate(now)
    clean = check_texts(texts)
    check_dates(publish_on, unpublish_on)
    community = _community(actor, community)
    post = Post(community=community, category=_category(category), **clean,
                owner=_owner(actor, owner or actor, community.pk), publish_on=publish_on,
                unpublish_on=unpublish_on, review_by=_review_by(review_by, today),
                created_by=actor, created_at=now, version=1)
    post.save()
    _keep_version(actor, post, [], now)
    audit.record(AuditAction.CREATE, actor=actor, obj=post,
                 changes=audit.created(audit.snapshot(post, Post.AUDIT_FIELDS)))
    return post


@audit.audited
def post_edit(*, actor: User, post: Post, category: str, texts: dict[str, Any],
              owner: User | None, publish_on: date | None, unpublish_on: date | None,
              review_by: date | None = None, version: int | None,
              now: datetime | None = None) -> Post:
    """Save new texts and dates (a stale `version` is refused: nothing saved).
    The save is a review too: reviewed today, the next review in 90 days
    unless `review_by` is given, the open reminders closed."""
    require(actor, Perm.EDIT_COLUMN)
    now = now or timezone.now()
    today = timezone.localdate(now)
    clean = check_texts(texts)
    check_dates(publish_on, unpublish_on)
    category = _category(category)
    owner = _owner(actor, owner, post.community_id, keep=[post.owner])
    review_by = _review_by(review_by, today)
    before_audit = audit.snapshot(post, Post.AUDIT_FIELDS)
    post = claim(post, version, _what(post))
    before = _state(post)  # as on record, under the lock
    for name, value in clean.items():
        setattr(post, name, value)
    post.category, post.owner = category, owner
    post.publish_on, post.unpublish_on = publish_on, unpublish_on
    post.review_by, post.reviewed_on = review_by, today
    post.save(update_fields=[*TEXT_FIELDS, "category", "owner", "publish_on", "unpublish_on",
                             "review_by", "reviewed_on", "updated_at"])
    changed = changed_fields(before, _state(post))
    _keep_version(actor, post, changed, now)
    closed = _close_reminders(post, now)
    changes = audit.diff(before_audit, audit.snapshot(post, Post.AUDIT_FIELDS))
    changes["changed"] = changed
    if closed:
        changes["reminders_closed"] = closed
    audit.record(AuditAction.UPDATE, actor=actor, obj=post, changes=changes)
    return post


@audit.audited
def post_reviewed(*, actor: User, post: Post, version: int | None,
                  review_by: date | None = None, now: datetime | None = None) -> Post:
    """"Reviewed — still correct": reviewed today, the next review in 90 days
    (or on `review_by`), the post's open reminders closed. A version is kept
    (only the review dates change)."""
    require(actor, Perm.EDIT_COLUMN)
    now = now or timezone.now()
    today = timezone.localdate(now)
    review_by = _review_by(review_by, today)
    before_audit = audit.snapshot(post, Post.AUDIT_FIELDS)
    post = claim(post, version, _what(post))
    before = _state(post)
    post.review_by, post.reviewed_on = review_by, today
    post.save(update_fields=["review_by", "reviewed_on", "updated_at"])
    _keep_version(actor, post, changed_fields(before, _state(post)), now)
    closed = _close_reminders(post, now)
    changes = audit.diff(before_audit, audit.snapshot(post, Post.AUDIT_FIELDS))
    changes["reminders_closed"] = closed
    audit.record(AuditAction.UPDATE, actor=actor, obj=post, changes=changes)
    return post


def _due_posts(today: date) -> Any:
    """Posts whose review date has come (due today counts) without a reminder
    for that date, leaving out posts already taken down for good."""
    existing = ReviewReminder.objects.filter(post=OuterRef("pk"), due=OuterRef("review_by"))
    return (Post.objects.filter(review_by__lte=today)
            .exclude(Q(unpublish_on__isnull=False) & Q(unpublish_on__lte=today))
            .exclude(Exists(existing)).order_by("pk"))


@audit.audited
def review_reminders_raise(*, now: datetime) -> int:
    """`manage.py tick`: one reminder per post and review date, for its
    owner. A second run (same day or later) writes nothing until a review
    moves the date and the new date comes."""
    today = timezone.localdate(now)
    made = 0
    for post in _due_posts(today).only("pk", "review_by", "owner_id", "title_zh_hans"):
        reminder = ReviewReminder.objects.create(post=post, due=post.review_by,
                                                 owner_id=post.owner_id, created_at=now)
        audit.record(AuditAction.CREATE, obj=reminder, username=TICK,
                     changes={"post": post.pk, "due": post.review_by.isoformat()})
        made += 1
    return made
