"""Forms of the project pages and the wall chart's filters. Forms check the
shape of the input and offer only what is in scope; the services decide what
is allowed (dates, milestones, the editing rule)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.civic.choices import Category, ProjectSource, ProjectStatus
from jiayuan.civic.projects.models import Project
from jiayuan.civic.projects.selectors import grid_restricted, owners_for
from jiayuan.core.filters import FilterChoiceField, FilterForm
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import grids_for
from jiayuan.core.staff import staff_with
from jiayuan.directory.models import Department
from jiayuan.lib.forms import IdModelChoiceField, IdModelMultipleChoiceField
from jiayuan.places.forms import GridChoiceField
from jiayuan.places.models import Grid


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OwnerField(IdModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} · {obj.get_role_display()}"


class GridsField(IdModelMultipleChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return f"{obj.code} {obj.name}"


def project_grids(actor: User) -> QuerySet[Grid]:
    """The grids a form offers: the actor's, of their community."""
    qs = grids_for(actor)
    return qs.filter(community_id=actor.community_id) if actor.community_id else qs


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    source = forms.ChoiceField(label=_("Comes from"), choices=ProjectSource.choices,
                               initial=ProjectSource.PLAN)
    owner = OwnerField(label=pgettext_lazy("project", "Owner"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("Starts"), widget=_date())
    ends_on = forms.DateField(label=_("Planned end"), widget=_date())
    grids = GridsField(label=_("Grids"), queryset=Grid.objects.none(), required=False,
                       widget=forms.CheckboxSelectMultiple,
                       help_text=_("None ticked: the whole community."))
    department = IdModelChoiceField(label=_("Department"), required=False,
                                    queryset=Department.objects.none())
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    public = forms.BooleanField(label=_("Show on the portal"), required=False, initial=True,
                                help_text=_("Title, grids, milestones, progress and public "
                                            "updates; never names or photos."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, project: Project | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = [project.owner] if project is not None else []
        self.fields["owner"].queryset = staff_with(actor, Perm.MANAGE_PROJECTS, keep=keep)
        self.fields["grids"].queryset = project_grids(actor)
        self.fields["department"].queryset = Department.objects.filter(active=True)
        if grid_restricted(actor):
            self.fields["grids"].required = True
            self.fields["grids"].help_text = _("Tick one or more of your grids.")
        if project is None:
            self.fields["owner"].initial = actor.pk


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    on = forms.DateField(label=_("Finished on"), required=False, widget=_date(),
                         help_text=_("For “done”: empty means today."))
    close_open = forms.BooleanField(label=_("Close the open milestones"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=120)
    planned_on = forms.DateField(label=_("Planned for"), widget=_date())
    done_on = forms.DateField(label=_("Reached on"), required=False, widget=_date())


class UpdateForm(forms.Form):
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    progress = forms.IntegerField(label=_("Progress (%)"), required=False, min_value=0,
                                  max_value=100)
    # A plain file field: the service proves it is an image and re-encodes it.
    photo = forms.FileField(label=_("Photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


def _year() -> int:
    return timezone.localdate().year


class BoardFilterForm(FilterForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(),
                           empty_label=_("All grids"))
    category = forms.ChoiceField(label=_("Category"),
                                 choices=[("", _("All categories")), *Category.choices])
    owner = FilterChoiceField(label=pgettext_lazy("project", "Owner"), queryset=User.objects.none(),
                              empty_label=_("All owners"))

    def __init__(self, data: Any = None, *, actor: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["year"].initial = _year()
        self.fields["grid"].queryset = project_grids(actor)
        self.fields["owner"].queryset = owners_for(actor)
        self.fields["owner"].label_from_instance = lambda u: u.display_name


class ListFilterForm(BoardFilterForm):
    status = forms.ChoiceField(label=_("Status"),
                               choices=[("", _("Any status")), *ProjectStatus.choices])
    q = forms.CharField(label=_("Title or reference"), max_length=60)

    def __init__(self, data: Any = None, *, actor: User, **kwargs: Any) -> None:
        super().__init__(data, actor=actor, **kwargs)
        self.fields["year"].initial = None
