"""Forms of the policy column: a post (new or edited) and "reviewed"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.staff import staff_with
from jiayuan.engage.choices import PostCategory
from jiayuan.engage.column.models import Post
from jiayuan.engage.column.selectors import TEXT_FIELDS
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.registry.forms import version_field

INVALID = {"invalid_choice": _("That choice is no longer offered: choose again from the list.")}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _label(name: str) -> Any:
    return Post._meta.get_field(name).verbose_name


class PostForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    category = forms.ChoiceField(label=_label("category"), choices=PostCategory.choices)
    owner = IdModelChoiceField(label=_label("owner"), queryset=None, error_messages=INVALID,
                               help_text=_("Gets the reminder when the post is due for "
                                           "review."))
    publish_on = forms.DateField(label=_label("publish_on"), required=False,
                                 widget=_date_input(),
                                 help_text=_("Empty: not published (a draft)."))
    unpublish_on = forms.DateField(label=_label("unpublish_on"), required=False,
                                   widget=_date_input(),
                                   help_text=_("Empty: stays up until taken down."))
    review_by = forms.DateField(label=_label("review_by"), required=False,
                                widget=_date_input(),
                                help_text=_("Empty: 90 days from today."))

    def __init__(self, *args: Any, actor: User, post: Post | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in TEXT_FIELDS:
            is_title = name.startswith("title_")
            field: forms.CharField = forms.CharField(
                label=_label(name), required=name.endswith("zh_hans"),
                max_length=120 if is_title else 20000,
                widget=None if is_title else forms.Textarea(attrs={"rows": 6}))
            if name.endswith("_ug"):
                field.widget.attrs.update({"dir": "rtl", "lang": "ug"})
            field.error_messages["required"] = (
                _("Write the title in Simplified Chinese.") if is_title
                else _("Write the text in Simplified Chinese."))
            self.fields[name] = field
        owners = self.fields["owner"]
        owners.queryset = staff_with(  # type: ignore[attr-defined]
            actor, Perm.EDIT_COLUMN, [post.owner] if post is not None else ())
        owners.label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        if post is None:
            self.initial.setdefault("owner", actor.pk)

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in TEXT_FIELDS}


def post_initial(post: Post) -> dict[str, Any]:
    return {"version": post.version, "category": post.category, "owner": post.owner_id,
            "publish_on": post.publish_on, "unpublish_on": post.unpublish_on,
            **{name: getattr(post, name) for name in TEXT_FIELDS}}


class ReviewedForm(forms.Form):
    version = version_field()
