"""Roles and what each may do: the one table of permissions in the product.

Scope (which grids an account sees) is separate and lives on the user
(`jiayuan.core.scope`). A permission says *what* an account may do; the scope
says *where*.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HEAD = "head", _("Station head")
    CASEWORKER = "caseworker", _("Caseworker")
    GRIDWORKER = "gridworker", _("Grid worker")
    MEDIATOR = "mediator", _("Mediator")
    COORDINATOR = "coordinator", _("Volunteer coordinator")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class Perm(StrEnum):
    VIEW_REGISTRY = "view_registry"  # households, people, dwellings in scope
    EDIT_REGISTRY = "edit_registry"  # create/edit households and people, moves
    VIEW_SENSITIVE = "view_sensitive"  # ethnicity, circumstances (health, hardship...)
    REVEAL_ID_NUMBER = "reveal_id_number"  # see a whole ID-card number (audited)
    REVEAL_PHONE = "reveal_phone"  # see a whole phone number (audited)
    RECORD_CONSENT = "record_consent"
    PRINT_FILE = "print_file"  # print/export the household file (audited)
    ERASE_PERSON = "erase_person"  # erase a person's data by anonymisation (PIPL art. 47)
    VIEW_AUDIT = "view_audit"  # browse the audit log
    MANAGE_PLACES = "manage_places"  # grids, buildings, dwellings (Django admin)
    MANAGE_STAFF = "manage_staff"  # accounts, roles, scopes (Django admin)
    RESET_SECOND_FACTOR = "reset_second_factor"  # a colleague's lost authenticator (audited)
    # Service desk
    VIEW_CASES = "view_cases"  # cases of households in scope, and unmatched requests
    WORK_CASES = "work_cases"  # take requests, work and resolve cases, follow-up calls
    REFER = "refer"  # send a case to a department (with the person's consent)
    OVERRIDE_CONSENT = "override_consent"  # refer without consent, with a reason (audited)
    MANAGE_CATALOGUE = "manage_catalogue"  # services, departments and partners
    VIEW_DESK_STATS = "view_desk_stats"  # on-time rates per worker and service
    # Visits and care
    VIEW_VISITS = "view_visits"  # the visit diary and must-visit duties in scope
    LOG_VISITS = "log_visits"  # record visits (which fulfil duties)
    VIEW_DISPUTES = "view_disputes"  # disputes in scope, their sessions and agreements
    MEDIATE = "mediate"  # open disputes, record sessions, agreements and outcomes
    MANAGE_PAIRINGS = "manage_pairings"  # pair helpers with households, record check-ins
    MANAGE_CARE = "manage_care"  # must-visit parameters and the festival calendar
    VIEW_CARE_STATS = "view_care_stats"  # duties due, on time and overdue per grid and worker
    # Spreadsheets
    IMPORT_ROSTER = "import_roster"  # import rosters into grids in scope, undo their batches
    EXPORT_DATA = "export_data"  # download lists in scope (sensitive columns need their perms)
    # Deliberation: meetings, suggestions (金点子), improvement projects
    VIEW_CIVIC = "view_civic"  # meetings, suggestions and projects in scope
    RUN_MEETINGS = "run_meetings"  # plan meetings, invite, take the roll, draft minutes, decisions
    APPROVE_MINUTES = "approve_minutes"  # approve circulated minutes
    HANDLE_SUGGESTIONS = "handle_suggestions"  # enter suggestions, change status, merge, adopt
    MANAGE_PROJECTS = "manage_projects"  # improvement projects, milestones and updates
    # Participation: volunteers, activities, the policy column, contact cards
    VIEW_ENGAGE = "view_engage"  # volunteers, activities and sign-ups in scope
    MANAGE_VOLUNTEERS = "manage_volunteers"  # register volunteers, approve and correct hours
    RUN_ACTIVITIES = "run_activities"  # activities, sessions, sign-ups, roll-call, check-in
    EDIT_COLUMN = "edit_column"  # the policy column's posts
    ISSUE_CARDS = "issue_cards"  # contact card links and printed batches


P = Perm
PERMISSIONS: dict[str, frozenset[Perm]] = {
    # The head answers for the station: they also read the audit log to see who
    # looked at what.
    Role.HEAD: frozenset({
        P.VIEW_REGISTRY, P.EDIT_REGISTRY, P.VIEW_SENSITIVE, P.REVEAL_ID_NUMBER,
        P.REVEAL_PHONE, P.RECORD_CONSENT, P.PRINT_FILE, P.VIEW_AUDIT,
        P.VIEW_CASES, P.WORK_CASES, P.REFER, P.OVERRIDE_CONSENT, P.MANAGE_CATALOGUE,
        P.VIEW_DESK_STATS, P.VIEW_VISITS, P.LOG_VISITS, P.VIEW_DISPUTES, P.MEDIATE,
        P.MANAGE_PAIRINGS, P.MANAGE_CARE, P.VIEW_CARE_STATS, P.IMPORT_ROSTER, P.EXPORT_DATA,
        P.VIEW_CIVIC, P.RUN_MEETINGS, P.APPROVE_MINUTES, P.HANDLE_SUGGESTIONS,
        P.MANAGE_PROJECTS, P.VIEW_ENGAGE, P.MANAGE_VOLUNTEERS, P.RUN_ACTIVITIES,
        P.EDIT_COLUMN, P.ISSUE_CARDS, P.RESET_SECOND_FACTOR,
        # Erasure cannot be undone: the head alone answers for it.
        P.ERASE_PERSON,
    }),
    Role.CASEWORKER: frozenset({
        P.VIEW_REGISTRY, P.EDIT_REGISTRY, P.VIEW_SENSITIVE, P.REVEAL_ID_NUMBER,
        P.REVEAL_PHONE, P.RECORD_CONSENT, P.PRINT_FILE,
        P.VIEW_CASES, P.WORK_CASES, P.REFER, P.VIEW_VISITS, P.LOG_VISITS,
        P.VIEW_DISPUTES, P.MEDIATE, P.MANAGE_PAIRINGS, P.IMPORT_ROSTER, P.EXPORT_DATA,
        P.VIEW_CIVIC, P.RUN_MEETINGS, P.HANDLE_SUGGESTIONS, P.MANAGE_PROJECTS,
        P.VIEW_ENGAGE, P.MANAGE_VOLUNTEERS, P.RUN_ACTIVITIES, P.EDIT_COLUMN,
    }),
    # Grid workers walk the buildings: they keep the file up to date and need to
    # know who is ill or in hardship, and to call people, but not ID numbers.
    Role.GRIDWORKER: frozenset({
        P.VIEW_REGISTRY, P.EDIT_REGISTRY, P.VIEW_SENSITIVE, P.REVEAL_PHONE,
        P.RECORD_CONSENT, P.PRINT_FILE, P.VIEW_CASES, P.WORK_CASES,
        P.VIEW_VISITS, P.LOG_VISITS, P.VIEW_DISPUTES, P.MANAGE_PAIRINGS,
        P.IMPORT_ROSTER, P.EXPORT_DATA,
        # They take the roll at the door, enter residents' suggestions and
        # keep the projects of their grids up to date.
        P.VIEW_CIVIC, P.RUN_MEETINGS, P.HANDLE_SUGGESTIONS, P.MANAGE_PROJECTS,
        P.VIEW_ENGAGE, P.RUN_ACTIVITIES,
    }),
    # Mediators take the requests that are disputes and mediate them; they visit
    # the parties, but health and hardship are not theirs to see.
    Role.MEDIATOR: frozenset({P.VIEW_REGISTRY, P.REVEAL_PHONE, P.VIEW_CASES, P.WORK_CASES,
                              P.VIEW_VISITS, P.LOG_VISITS, P.VIEW_DISPUTES, P.MEDIATE,
                              P.VIEW_CIVIC, P.RUN_MEETINGS}),
    # Coordinators pair volunteers with households and log the volunteers' visits.
    Role.COORDINATOR: frozenset({P.VIEW_REGISTRY, P.VIEW_VISITS, P.LOG_VISITS,
                                 P.MANAGE_PAIRINGS, P.VIEW_CIVIC, P.VIEW_ENGAGE,
                                 P.MANAGE_VOLUNTEERS, P.RUN_ACTIVITIES}),
    # Auditors read and check; they do not need residents' sensitive attributes.
    # They may download lists in scope (without sensitive columns) to check them.
    Role.AUDITOR: frozenset({P.VIEW_REGISTRY, P.VIEW_AUDIT, P.VIEW_CASES, P.VIEW_DESK_STATS,
                             P.VIEW_VISITS, P.VIEW_DISPUTES, P.VIEW_CARE_STATS,
                             P.EXPORT_DATA, P.VIEW_CIVIC, P.VIEW_ENGAGE}),
    # Administrators run the system (places, accounts), not casework.
    Role.ADMIN: frozenset({P.VIEW_REGISTRY, P.MANAGE_PLACES, P.MANAGE_STAFF, P.VIEW_AUDIT,
                           P.RESET_SECOND_FACTOR}),
}


def roles_with(perm: Perm) -> list[str]:
    """The roles whose permissions include `perm`."""
    return [role for role, perms in PERMISSIONS.items() if perm in perms]


def role_has(role: str, perm: Perm) -> bool:
    return perm in PERMISSIONS.get(role, frozenset())


@cache
def permission_table(role: str | None) -> Mapping[str, bool]:
    """Every permission's value (`Perm.x.value`) mapped to whether `role` has
    it, read-only (None: no role, nothing granted). The same for every account
    of a role, so built once a role rather than once a page."""
    granted = PERMISSIONS.get(role, frozenset()) if role is not None else frozenset()
    return MappingProxyType({p.value: p in granted for p in Perm})
