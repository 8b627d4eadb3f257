"""The authorization matrix: every named URL × every role × every situation ×
{GET, POST}, generated from the URL resolver.

Each URL name is declared once in ACCESS below: which permission its GET and
its POST need (or PUBLIC, SIGNED_IN, or None for "method not allowed"), and
which object its path names. The expected answer of every cell follows from
that declaration and jiayuan.core.roles.PERMISSIONS, in this order (the design
of jiayuan.core.access.get_for: permission first, then scope):

1. PUBLIC                                          -> allowed (a token or code
                                                      that does not exist: 404)
2. not signed in                                   -> login (302 to the login page,
                                                      whatever the method)
3. the method is not one the view takes           -> 405
4. the role lacks a permission the method needs    -> 403 (whatever the object)
5. the object is outside the account's scope, or
   does not exist                                  -> 404
6. otherwise                                       -> allowed

Every 403, and every 404 for an object that exists out of scope, must also
leave an audit entry of denied access (jiayuan.core.access).

"Allowed" means past access: any answer that is not 401/403/404/405 or a
redirect to the login page (200, a redirect elsewhere, 400 or 409 for an empty
form, 410, 429 all count). The point is access, not form validity; an empty
POST is sent, and each request is rolled back.

Situations, named from the grid worker's side (the one role scoped to a grid;
the other personas see their whole community), objects from
tests/world.py:build_matrix_world:
  own        an object of grid A owned by / made by / assigned to the grid worker
  colleague  an object of grid A owned by / made by the caseworker
  other      outside the account's scope: grid B for the grid worker, another
             community for the community-wide roles
  missing    an id (or token, code) that does not exist
  mismatched (paths with a child: …/<pk>/documents/<doc>/) the own parent with
             the colleague's child, both in scope: 404 like a missing one
A page that opens an object named in its query string (a picker's ?pick=,
?person= on a new-request form) is declared with PICK and tried in the same
situations. URLs without an object have one situation ("-"); objects that belong to no
grid (the catalogue, festival dates, queues) have "own" and "missing".

Where today's answer differs from the declared one, the cell is marked in
KNOWN_GAPS as xfail(strict=True) with the reason: fix the code, and the strict
xfail fails until the entry is removed. A URL name without a declaration fails
test_every_url_name_is_declared; a declaration without a URL fails
test_every_declaration_names_a_url.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Perm, Role, role_has
from tests.shared_data import kept
from tests.world import build_matrix_world

P = Perm
RECORD = (P.PRINT_FILE, P.VIEW_SENSITIVE, P.REVEAL_ID_NUMBER, P.REVEAL_PHONE, P.VIEW_CASES,
          P.VIEW_VISITS, P.VIEW_DISPUTES)  # jiayuan.rights.record.RECORD_PERMS
PUBLIC = "public"
SIGNED_IN = "signed_in"
SAME = "same as GET"
# The prefixes of URL names that are not the product's pages.
SKIPPED_NAMESPACES = ("admin",)
SKIPPED_NAMES = {"set_language"}  # Django's i18n view, a form on every page

MISSING_ID = 2**31 - 1
MISSING_TEXT = "does-not-exist"

Objects = dict[str, Any]
Kwargs = Callable[[Objects], dict[str, Any]]


@dataclass(frozen=True)
class V:
    """One view's access declaration.

    get / post: a Perm, a tuple of Perms (all needed), PUBLIC, SIGNED_IN, or
    None (the view refuses the method: 405); post=SAME repeats get.
    kw: the path's arguments from one situation's objects (None: no arguments).
    grid: the object belongs to a grid (situations own/colleague/other/missing);
    False: it belongs to none (own/missing)."""

    get: Any
    post: Any = SAME
    kw: Kwargs | None = None
    grid: bool = True
    # A page without an object in its path that opens one named in its query
    # string (a picker's ?pick=, a form's ?person= preset): (parameter, object),
    # and whether the view reads it on a POST too.
    query: tuple[str, str] | None = None
    query_on_post: bool = False

    def situations_for(self, method: str) -> tuple[str, ...]:
        if self.query and (method == "GET" or self.query_on_post):
            return ("own", "colleague", "other", "missing")
        return self.situations

    @property
    def situations(self) -> tuple[str, ...]:
        if self.kw is None:
            return ("-",)
        if not self.grid:
            return ("own", "missing")
        # A path with a child (…/<pk>/documents/<doc>/) also names the parent
        # in scope with a child of another parent in scope: that is a 404 too.
        mixed = ("mismatched",) if getattr(self.kw, "children", None) else ()
        return ("own", "colleague", "other", "missing", *mixed)

    def rule(self, method: str) -> Any:
        return self.get if method == "GET" or self.post == SAME else self.post


class pk:  # noqa: N801 (reads as the path argument it builds)
    """Path arguments: pk= the set's `name`, and each keyword its own object
    (a child of that one: a household's circumstance, a case's document)."""

    def __init__(self, name: str, **children: str) -> None:
        self.name, self.children = name, children

    def __call__(self, o: Objects) -> dict[str, Any]:
        return {"pk": o[self.name], **{k: o[v] for k, v in self.children.items()}}


def args(**names: str) -> Kwargs:
    return lambda o: {k: o[v] for k, v in names.items()}


def POST(perm: Any) -> V:  # noqa: N802 (reads like the method it declares)
    """An action: POST only."""
    return V(get=None, post=perm)


def POST_ON(perm: Any, kw: Kwargs, grid: bool = True) -> V:  # noqa: N802
    return V(get=None, post=perm, kw=kw, grid=grid)


def ON(perm: Any, kw: Kwargs, post: Any = SAME, grid: bool = True) -> V:  # noqa: N802
    return V(get=perm, post=post, kw=kw, grid=grid)


def PICK(perm: Any, param: str, thing: str, *, on_post: bool = False,  # noqa: N802
         post: Any = SAME) -> V:
    """A page that opens the object named by ?param= (GET; POST too if on_post)."""
    return V(get=perm, post=post, query=(param, thing), query_on_post=on_post)


# A new URL: one line here. V(perm) for a page without an object (post=None if
# it takes no POST); ON(perm, pk("thing")) for a page of an object; POST_ON(...)
# for an action. A thing not in the sets yet: add it to _matrix_set in
# tests/world.py (all four sets get one) and name its key here.
ACCESS: dict[str, V] = {
    # --- site --------------------------------------------------------------------
    "home": V(SIGNED_IN),
    "favicon": V(PUBLIC),
    "login": V(PUBLIC),
    "logout": V(get=None, post=PUBLIC),  # lands on the login page: that is its success
    "password_change": V(SIGNED_IN),  # one's own password
    "audit_log": V(P.VIEW_AUDIT),
    "rights:retention": V(P.VIEW_AUDIT, post=None),  # the retention report: counts only
    "account_sessions": V(SIGNED_IN),  # one's own sessions; POST ends the others
    # The idle warning's keep-alive: anyone may ask (signed out: it says so).
    "session_keepalive": V(PUBLIC),
    # The second factor (one's own) and "confirm it is you"; a head's reset of a
    # colleague's (the account: the coordinator of the world's community).
    "two_factor": V(SIGNED_IN, post=None),
    "two_factor_verify": V(SIGNED_IN),
    "two_factor_enrol": V(SIGNED_IN),
    "two_factor_recovery": POST(SIGNED_IN),
    "two_factor_staff": V(P.RESET_SECOND_FACTOR, post=None),
    "two_factor_reset": POST_ON(P.RESET_SECOND_FACTOR, args(pk="account"), grid=False),
    "reauth_confirm": V(SIGNED_IN),
    # --- registry ------------------------------------------------------------------
    "search": V(P.VIEW_REGISTRY),
    "household_list": V(P.VIEW_REGISTRY),
    "household_create": V(P.EDIT_REGISTRY),
    "dwelling_picks": V(P.VIEW_REGISTRY),
    "origin_picks": V(P.VIEW_REGISTRY),
    "household_detail": ON(P.VIEW_REGISTRY, pk("household")),
    "household_edit": ON(P.EDIT_REGISTRY, pk("household")),
    "household_move": ON(P.EDIT_REGISTRY, pk("household")),
    "household_move_out": ON(P.EDIT_REGISTRY, pk("household")),
    "household_pdf": ON(P.PRINT_FILE, pk("household")),
    "person_create": ON(P.EDIT_REGISTRY, pk("household")),
    "circumstance_add": ON((P.VIEW_SENSITIVE, P.EDIT_REGISTRY), pk("household")),
    "circumstance_end": POST_ON((P.VIEW_SENSITIVE, P.EDIT_REGISTRY),
                                pk("household", cid="circumstance")),
    "person_detail": ON(P.VIEW_REGISTRY, pk("person")),
    # A person's whole record (jiayuan.rights.record): roles that see all of it on screen.
    "rights:person_record_json": ON(RECORD, pk("person")),
    "rights:person_record_pdf": ON(RECORD, pk("person")),
    "person_edit": ON(P.EDIT_REGISTRY, pk("person")),
    "person_move": ON(P.EDIT_REGISTRY, pk("person")),
    "person_leave": ON(P.EDIT_REGISTRY, pk("person")),
    # The whole ID number (the stricter of the two fields a person page reveals).
    "person_reveal": POST_ON(P.REVEAL_ID_NUMBER,
                             lambda o: {"pk": o["person"], "field": "id_number"}),
    "consent_add": ON(P.RECORD_CONSENT, pk("person")),
    "rights:person_erase": ON(P.ERASE_PERSON, pk("person")),
    "consent_withdraw": POST_ON(P.RECORD_CONSENT, pk("person", cid="consent")),
    "business_list": V(P.VIEW_REGISTRY),
    "business_create": V(P.EDIT_REGISTRY),
    "business_owner_search": V(P.EDIT_REGISTRY),
    "business_edit": ON(P.EDIT_REGISTRY, pk("business")),
    "business_detail": ON(P.VIEW_REGISTRY, pk("business")),
    # --- desk ----------------------------------------------------------------------
    "desk": V(P.VIEW_CASES),
    "desk_queue": ON(P.VIEW_CASES, args(code="queue"), grid=False),
    "case_new": PICK(P.WORK_CASES, "person", "person"),
    "requester_search": PICK(P.WORK_CASES, "pick", "person", on_post=True),
    "case_detail": ON(P.VIEW_CASES, pk("case")),
    "case_edit": ON(P.WORK_CASES, pk("case")),
    # The receipt carries the requester's private status code: for those who
    # work cases (desk.receipt.case_receipt requires it), not every reader.
    "case_receipt": ON(P.WORK_CASES, pk("case")),
    "case_transition": POST_ON(P.WORK_CASES, pk("case")),
    "case_assign": POST_ON(P.WORK_CASES, pk("case")),
    "case_note": POST_ON(P.WORK_CASES, pk("case")),
    "case_document": POST_ON(P.WORK_CASES, pk("case")),
    "case_document_download": ON(P.VIEW_CASES, pk("case", doc="document")),
    "case_follow_up": POST_ON(P.WORK_CASES, pk("case")),
    "case_match": POST_ON(P.WORK_CASES, pk("case")),
    "caller_phone_reveal": POST_ON(P.REVEAL_PHONE, pk("case")),
    "reminder_list": V(P.VIEW_CASES),
    "reminder_done": POST_ON(P.WORK_CASES, pk("reminder")),
    "referral_new": ON(P.REFER, pk("case")),
    "referral_list": V(P.VIEW_CASES),
    "referral_letter": ON(P.REFER, pk("referral")),
    "referral_withdraw": POST_ON(P.REFER, pk("referral")),
    "catalogue": V(P.VIEW_CASES),
    "catalogue_item_create": V(P.MANAGE_CATALOGUE),
    "catalogue_item_edit": ON(P.MANAGE_CATALOGUE, pk("item"), grid=False),
    "catalogue_category_create": V(P.MANAGE_CATALOGUE),
    "catalogue_category_edit": ON(P.MANAGE_CATALOGUE, pk("category"), grid=False),
    "department_list": V(P.VIEW_CASES),
    "department_create": V(P.MANAGE_CATALOGUE),
    "department_edit": ON(P.MANAGE_CATALOGUE, pk("department"), grid=False),
    "desk_stats": V(P.VIEW_DESK_STATS),
    # --- the public portal and the departments' reply links --------------------------
    "portal": V(PUBLIC, post=None),
    "portal_service": ON(PUBLIC, args(code="item_code"), post=None, grid=False),
    "portal_request": V(PUBLIC),
    "portal_thanks": V(PUBLIC, post=None),
    "portal_status_lookup": V(PUBLIC, post=None),
    "portal_status": ON(PUBLIC, args(ref="case_ref", token="case_token"), post=None),
    "referral_reply": ON(PUBLIC, args(token="reply_token")),
    # --- care: visits, duties, festivals ---------------------------------------------
    "visit_list": PICK(P.VIEW_VISITS, "household", "household", on_post=True),
    "visit_new": PICK(P.LOG_VISITS, "household", "household"),
    "visit_household_search": PICK(P.LOG_VISITS, "pick", "household", on_post=True),
    "visit_detail": ON(P.VIEW_VISITS, pk("visit")),
    "visit_case_new": ON((P.WORK_CASES, P.LOG_VISITS), pk("visit")),
    "duty_list": V(P.VIEW_VISITS),
    "care_stats": V(P.VIEW_CARE_STATS),
    "care_settings": V(P.MANAGE_CARE),
    "festival_list": V(P.VIEW_VISITS, post=P.MANAGE_CARE),
    "festival_delete": ON(P.MANAGE_CARE, pk("festival"), grid=False),
    # --- care: mediation -----------------------------------------------------------
    "dispute_list": V(P.VIEW_DISPUTES),
    "dispute_new": PICK(P.MEDIATE, "case", "case"),
    "dispute_followups": V(P.VIEW_DISPUTES),
    "dispute_detail": ON(P.VIEW_DISPUTES, pk("dispute")),
    "dispute_pdf": ON(P.VIEW_DISPUTES, pk("dispute")),
    "dispute_edit": POST_ON(P.MEDIATE, pk("dispute")),
    "dispute_party_add": POST_ON(P.MEDIATE, pk("dispute")),
    "dispute_party_search": ON(P.MEDIATE, pk("dispute")),
    "dispute_party_remove": POST_ON(P.MEDIATE, pk("dispute", party="party")),
    "dispute_session_add": POST_ON(P.MEDIATE, pk("dispute")),
    "dispute_agreement": POST_ON(P.MEDIATE, pk("dispute")),
    "dispute_escalate": POST_ON(P.MEDIATE, pk("dispute")),
    "dispute_close": POST_ON(P.MEDIATE, pk("dispute")),
    "dispute_reopen": POST_ON(P.MEDIATE, pk("dispute")),
    "dispute_followup": POST_ON(P.MEDIATE, pk("dispute")),
    # --- care: pairings (read with the visits, or by those who manage pairings) -----
    "pairing_list": V(P.VIEW_VISITS),
    "pairing_new": PICK(P.MANAGE_PAIRINGS, "household", "household"),
    "pairing_household_search": PICK(P.MANAGE_PAIRINGS, "pick", "household", on_post=True),
    "pairing_person_search": V(P.MANAGE_PAIRINGS),
    "pairing_detail": ON(P.VIEW_VISITS, pk("pairing")),
    "pairing_checkin": POST_ON(P.MANAGE_PAIRINGS, pk("pairing")),
    "pairing_status": POST_ON(P.MANAGE_PAIRINGS, pk("pairing")),
    "pairing_planned_end": POST_ON(P.MANAGE_PAIRINGS, pk("pairing")),
    # --- civic: meetings (the meetings part) --------------------------------------
    "meeting_list": V(P.VIEW_CIVIC, post=None),
    "meeting_new": V(P.RUN_MEETINGS),
    "meeting_detail": ON(P.VIEW_CIVIC, pk("meeting"), post=None),
    "meeting_edit": ON(P.RUN_MEETINGS, pk("meeting")),
    "meeting_agenda_add": POST_ON(P.RUN_MEETINGS, pk("meeting")),
    "meeting_agenda_remove": POST_ON(P.RUN_MEETINGS, pk("meeting", item="meeting_agenda")),
    "meeting_invite": POST_ON(P.RUN_MEETINGS, pk("meeting")),
    "meeting_person_search": ON(P.RUN_MEETINGS, pk("meeting")),
    "meeting_participant_remove": POST_ON(P.RUN_MEETINGS,
                                          pk("meeting", participant="meeting_participant")),
    "meeting_rollcall": ON(P.RUN_MEETINGS, pk("meeting")),
    "meeting_minutes": POST_ON(P.RUN_MEETINGS, pk("meeting")),
    "meeting_minutes_circulate": POST_ON(P.RUN_MEETINGS,
                                         pk("meeting", minutes="meeting_minutes")),
    "meeting_minutes_approve": POST_ON(P.APPROVE_MINUTES,
                                       pk("meeting", minutes="meeting_minutes")),
    "meeting_minutes_pdf": ON(P.VIEW_CIVIC, pk("meeting"), post=None),
    "meeting_attendance_pdf": ON(P.VIEW_CIVIC, pk("meeting"), post=None),
    "meeting_decision_add": POST_ON(P.RUN_MEETINGS, pk("meeting")),
    "meeting_decision_status": POST_ON(P.RUN_MEETINGS,
                                       pk("meeting", decision="meeting_decision")),
    # --- spreadsheets --------------------------------------------------------------
    "import_list": V(P.IMPORT_ROSTER),
    "import_detail": ON(P.IMPORT_ROSTER, pk("batch"), post=None),
    "import_mapping": POST_ON(P.IMPORT_ROSTER, pk("batch")),
    "import_sheets": POST_ON(P.IMPORT_ROSTER, pk("batch")),
    "import_commit": POST_ON(P.IMPORT_ROSTER, pk("batch")),
    "import_undo": POST_ON(P.IMPORT_ROSTER, pk("batch")),
    "import_errors": ON(P.IMPORT_ROSTER, pk("batch"), post=None),
    "import_progress": ON(P.IMPORT_ROSTER, pk("batch"), post=None),
    "import_recheck": POST_ON(P.IMPORT_ROSTER, pk("batch")),
    "export_page": V(P.EXPORT_DATA, post=None),
    "export_download": POST(P.EXPORT_DATA),
    # --- civic: suggestions (金点子) -------------------------------------------------
    "suggestion_list": V(P.VIEW_CIVIC, post=None),
    "suggestion_new": V(P.HANDLE_SUGGESTIONS),
    "suggestion_person_search": PICK(P.HANDLE_SUGGESTIONS, "pick", "person", on_post=True),
    "suggestion_statuses": V(P.MANAGE_CATALOGUE),
    "suggestion_detail": ON(P.VIEW_CIVIC, pk("suggestion"), post=None),
    "suggestion_status": POST_ON(P.HANDLE_SUGGESTIONS, pk("suggestion")),
    "suggestion_merge": POST_ON(P.HANDLE_SUGGESTIONS, pk("suggestion")),
    "suggestion_adopt": POST_ON((P.HANDLE_SUGGESTIONS, P.MANAGE_PROJECTS), pk("suggestion")),
    "suggestion_contact_reveal": POST_ON((P.VIEW_CIVIC, P.REVEAL_PHONE), pk("suggestion")),
    "portal_ideas_done": V(PUBLIC, post=None),
    "portal_idea_new": V(PUBLIC),
    "portal_idea_lookup": V(PUBLIC, post=None),
    "portal_idea_status": ON(PUBLIC, args(ref="idea_ref", token="idea_token"), post=None),
    # --- civic: improvement projects and the wall chart (projects part) -------------
    "project_list": V(P.VIEW_CIVIC, post=None),
    "project_new": V(P.MANAGE_PROJECTS),
    "project_detail": ON(P.VIEW_CIVIC, pk("project"), post=None),
    "project_edit": ON(P.MANAGE_PROJECTS, pk("project")),
    "project_status": POST_ON(P.MANAGE_PROJECTS, pk("project")),
    "project_child_new": ON(P.MANAGE_PROJECTS, pk("project")),
    "project_milestone_add": POST_ON(P.MANAGE_PROJECTS, pk("project")),
    "project_milestone": POST_ON(P.MANAGE_PROJECTS, pk("project", ms="milestone")),
    "project_update_add": POST_ON(P.MANAGE_PROJECTS, pk("project")),
    "project_photo": ON(P.VIEW_CIVIC, pk("project", upd="project_update"), post=None),
    "wall_chart": V(P.VIEW_CIVIC, post=None),
    "wall_chart_screen": V(P.VIEW_CIVIC, post=None),
    "wall_chart_pdf": V(P.VIEW_CIVIC, post=None),
    "portal_project": ON(PUBLIC, args(ref="project_ref"), post=None),
    # --- engage: volunteers and the hours ledger (issue 16, volunteers part) -------------
    "volunteer_list": V(P.VIEW_ENGAGE),
    "volunteer_new": V(P.MANAGE_VOLUNTEERS),
    "volunteer_person_search": PICK(P.MANAGE_VOLUNTEERS, "pick", "person", on_post=True),
    "volunteer_detail": ON(P.VIEW_ENGAGE, pk("volunteer"), post=None),
    "volunteer_edit": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer")),
    "volunteer_hours_add": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer")),
    "volunteer_claim_add": POST_ON(P.RUN_ACTIVITIES, pk("volunteer")),
    "volunteer_entry_reverse": POST_ON(P.MANAGE_VOLUNTEERS,
                                       pk("volunteer", entry="volunteer_entry")),
    "volunteer_area_add": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer")),
    "volunteer_area_remove": POST_ON(P.MANAGE_VOLUNTEERS,
                                     pk("volunteer", area="volunteer_area")),
    "volunteer_consent": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer")),
    "volunteer_link_renew": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer")),
    "volunteer_report": POST_ON((P.VIEW_ENGAGE, P.WORK_CASES), pk("volunteer")),
    "volunteer_certificate_issue": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer")),
    "volunteer_certificate_pdf": ON(P.VIEW_ENGAGE,
                                    pk("volunteer", cert="volunteer_certificate"), post=None),
    "volunteer_certificate_revoke": POST_ON(P.MANAGE_VOLUNTEERS,
                                            pk("volunteer", cert="volunteer_certificate")),
    "hours_claims": V(P.VIEW_ENGAGE, post=None),
    "hours_claim_approve": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer_claim")),
    "hours_claim_reject": POST_ON(P.MANAGE_VOLUNTEERS, pk("volunteer_claim")),
    "portal_volunteer_hours": ON(PUBLIC, args(token="volunteer_token")),
    "portal_stars": V(PUBLIC, post=None),
    "portal_certificate": ON(PUBLIC, args(token="certificate_token"), post=None),
    # --- engage: activities and festivals (activities part) ------------------------
    "activity_list": V(P.VIEW_ENGAGE, post=None),
    "activity_new": V(P.RUN_ACTIVITIES),
    "activity_person_search": PICK(P.RUN_ACTIVITIES, "pick", "person", on_post=True),
    "activity_detail": ON(P.VIEW_ENGAGE, pk("activity"), post=None),
    "activity_edit": ON(P.RUN_ACTIVITIES, pk("activity")),
    "session_new": POST_ON(P.RUN_ACTIVITIES, pk("activity")),
    "session_detail": ON(P.VIEW_ENGAGE, pk("act_session"), post=None),
    "session_signup": POST_ON(P.RUN_ACTIVITIES, pk("act_session")),
    "session_cancel": POST_ON(P.RUN_ACTIVITIES, pk("act_session")),
    "session_signup_cancel": POST_ON(P.RUN_ACTIVITIES, pk("act_session", signup="act_signup")),
    "session_signup_match": POST_ON(P.RUN_ACTIVITIES, pk("act_session", signup="act_signup")),
    "session_match_search": ON(P.RUN_ACTIVITIES, pk("act_session", signup="act_signup")),
    "session_signup_unmatch": POST_ON(P.RUN_ACTIVITIES,
                                      pk("act_session", signup="act_signup")),
    "session_signup_phone": POST_ON((P.VIEW_ENGAGE, P.REVEAL_PHONE),
                                    pk("act_session", signup="act_signup")),
    "session_mark": POST_ON(P.RUN_ACTIVITIES, pk("act_session")),
    "session_volunteer_add": POST_ON(P.RUN_ACTIVITIES, pk("act_session")),
    "session_volunteer_served": POST_ON(P.RUN_ACTIVITIES,
                                        pk("act_session", row="act_volunteer")),
    "checkin": ON(P.RUN_ACTIVITIES, args(token="checkin_token"), post=None),
    "portal_activity_list": V(PUBLIC, post=None),
    "portal_activity": ON(PUBLIC, pk("activity")),
    "portal_signup_status": ON(PUBLIC, args(token="signup_token")),
    # --- engage: the policy column (政策专栏) ------------------------------------------
    "post_list": V(P.VIEW_ENGAGE, post=None),
    "post_new": V(P.EDIT_COLUMN),
    "post_detail": ON(P.VIEW_ENGAGE, pk("post"), post=None),
    "post_edit": ON(P.EDIT_COLUMN, pk("post")),
    "post_reviewed": POST_ON(P.EDIT_COLUMN, pk("post")),
    "post_poster_pdf": ON(P.VIEW_ENGAGE, pk("post"), post=None),
    "post_version": ON(P.VIEW_ENGAGE, pk("post", version="post_version"), post=None),
    "portal_column": V(PUBLIC, post=None),
    "portal_post": ON(PUBLIC, pk("post"), post=None),
    # --- engage: contact cards (联系卡) ---------------------------------------------------
    "card_list": V(P.VIEW_ENGAGE, post=None),
    "card_link_new": V(P.ISSUE_CARDS),
    "card_link_revoke": POST_ON(P.ISSUE_CARDS, pk("card_link")),
    "card_preview_pdf": ON(P.ISSUE_CARDS, pk("card_link"), post=None),
    "card_batch_new": V(P.ISSUE_CARDS),
    "card_batch_detail": ON(P.ISSUE_CARDS, pk("card_batch"), post=None),
    "card_batch_pdf": ON(P.ISSUE_CARDS, pk("card_batch"), post=None),
    "portal_card": ON(PUBLIC, args(code="card_token"), post=None),
    "card_short": ON(PUBLIC, args(code="card_token"), post=None),
    # --- reports: the dashboard's drill-down (issue 17, the dashboard's part) -----------
    # A figure every role may read (households: view_registry); "missing" is a code no
    # figure has (404 for every role: a figure's permission is known only once it is
    # found). A figure a role may not read is a 403 (tests/reports/test_dashboard.py).
    "figure_records": ON(P.VIEW_REGISTRY, lambda o: {
        "code": MISSING_TEXT if isinstance(o, _Missing) else "registry.households"},
        post=None, grid=False),
    # --- reports: the period report (form, screen, files, background runs) ------------
    # Any account that reads at least one figure; every role reads the registry's.
    # The files without a report named go to the form (302); a run (?run=) is its
    # requester's alone, so the lists here name none (tests/reports check the 404s).
    "report": V(SIGNED_IN, post=None),
    "report_xlsx": V(SIGNED_IN, post=None),
    "report_pdf": V(SIGNED_IN, post=None),
    "report_runs": V(SIGNED_IN, post=None),
    "report_run_file": V(SIGNED_IN, post=None),
}

# The API's addresses (jiayuan.api): declared per area in tests/api/access_<area>.py,
# in the same terms (an API call not signed in answers 401, which counts as "login").
# A POST to an API address sends the JSON body {}.
API_AREAS = ("core", "registry", "desk", "care", "civic", "webhooks", "account", "open311")
for _area in API_AREAS:
    ACCESS.update(importlib.import_module(f"tests.api.access_{_area}").ACCESS)

ROLES = [role.value for role in Role]
ACTORS = [*ROLES, "anonymous"]
METHODS = ("GET", "POST")

# Cells where today's answer differs from the declared one, each with why:
# (url name, actor or "*", situation or "*", method or "*") -> reason.
KNOWN_GAPS: dict[tuple[str, str, str, str], str] = {}

# Views that look the object up in scope (with the permission in brackets, the
# one the scope's selector asks) BEFORE requiring the permission the view needs:
# an account without that permission gets 404 where the design (one
# get_x_for(actor, pk, perm=...) call: permission, then scope) answers 403.
# Each cell this changes is an xfail below; the issue's "one access call per
# view" fixes them, and the strict xfails then fail until these lines go.
SCOPE_BEFORE_PERMISSION: dict[str, Perm] = {}  # none left: every view makes one access call


def _scope_first_gaps() -> dict[tuple[str, str, str, str], str]:
    gaps = {}
    for name, scope_perm in SCOPE_BEFORE_PERMISSION.items():
        decl = ACCESS[name]
        for role in ROLES:
            for method in METHODS:
                for situation in decl.situations_for(method):
                    if expected(decl, role, situation, method) != "403":
                        continue
                    need = decl.rule(method)
                    need = "+".join(need) if isinstance(need, tuple) else str(need)
                    if not role_has(role, scope_perm):
                        gaps[(name, role, situation, method)] = (
                            f"404, not 403: {name}'s selector finds nothing for a role "
                            f"without {scope_perm}, and {need} is not required before it "
                            "(one get_x_for(..., perm=...) call fixes it)")
                    # (a mismatched child: the parent is found, then the permission)
                    elif situation in ("other", "missing"):
                        gaps[(name, role, situation, method)] = (
                            f"404, not 403: {name} looks the object up in scope before "
                            f"it requires {need} (two access calls, not one "
                            "get_x_for(..., perm=...))")
    return gaps


# --- the URL resolver ----------------------------------------------------------------

def url_names(resolver: Any = None, namespace: str = "") -> set[str]:
    """Every named URL of the URLconf (namespaced names as `ns:name`)."""
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names |= url_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(namespace + p.name)
    return {n for n in names
            if n.split(":")[0] not in SKIPPED_NAMESPACES and n not in SKIPPED_NAMES}


def test_every_url_name_is_declared() -> None:
    """A new URL must say who may open it: add it to ACCESS."""
    assert sorted(url_names() - set(ACCESS)) == []


def test_every_declaration_names_a_url() -> None:
    assert sorted(set(ACCESS) - url_names()) == []


# --- the expected answer -------------------------------------------------------------

def expected(decl: V, actor: str, situation: str, method: str) -> str:
    rule = decl.rule(method)
    if rule == PUBLIC:
        return "404" if situation == "missing" else "allowed"
    if actor == "anonymous" and PUBLIC not in (decl.get, decl.post):
        return "login"
    if rule is None:
        return "405"
    if rule != SIGNED_IN:
        perms = rule if isinstance(rule, tuple) else (rule,)
        if not all(role_has(actor, p) for p in perms):
            return "403"
    if situation in ("other", "missing", "mismatched"):
        return "404"
    return "allowed"


def outcome(response: Any, rule: Any) -> str:
    code = response.status_code
    if code in (403, 404, 405) or code >= 500:
        # A server error is never an allowed answer: it fails against any declaration.
        return str(code)
    if rule != PUBLIC and (code == 401 or (code == 302 and response["Location"].startswith(
            resolve_url(settings.LOGIN_URL)))):
        return "login"
    return "allowed"


def _gap(name: str, actor: str, situation: str, method: str) -> str | None:
    for key in ((name, actor, situation, method), (name, actor, situation, "*"),
                (name, actor, "*", method), (name, "*", situation, method),
                (name, actor, "*", "*"), (name, "*", situation, "*"),
                (name, "*", "*", method), (name, "*", "*", "*")):
        if key in KNOWN_GAPS:
            return KNOWN_GAPS[key]
    return None


KNOWN_GAPS.update(_scope_first_gaps())


def cells() -> Iterator[Any]:
    for name, decl in ACCESS.items():
        for actor in ACTORS:
            public = PUBLIC in (decl.get, decl.post)
            for method in METHODS:
                situations = decl.situations_for(method)
                # Not signed in, the object makes no difference (except to public pages).
                if actor == "anonymous" and not public:
                    situations = situations[:1]
                for situation in situations:
                    reason = _gap(name, actor, situation, method)
                    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                    yield pytest.param(name, actor, situation, method, marks=marks,
                                       id=f"{name}-{actor}-{situation}-{method}")


# --- one world for the module ---------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    def build() -> dict[str, Any]:
        built = build_matrix_world()
        sessions = {}
        for role, user in built["users"].items():
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        built["sessions"] = sessions
        return built

    yield from kept(django_db_blocker, build)


def objects_for(world: dict[str, Any], decl: V, actor: str, situation: str) -> Objects:
    if situation == "missing":
        return _Missing()
    if not decl.grid and decl.kw is not None:
        return {**world["global"], "queue": "overdue"}
    if situation == "other":
        return world["sets"]["grid_b" if actor == Role.GRIDWORKER else "elsewhere"]
    if situation == "mismatched":
        own, colleague = world["sets"]["own"], world["sets"]["colleague"]
        return {**own, **{v: colleague[v] for v in decl.kw.children.values()}}
    return world["sets"]["own" if situation in ("own", "-") else "colleague"]


class _Missing(dict):
    def __missing__(self, key: str) -> Any:
        return MISSING_TEXT if key in ("queue", "item_code", "case_ref", "case_token",
                                       "reply_token") else MISSING_ID


# Each cell runs in its own transaction (pytest-django's, as a TestCase's), rolled
# back, inside the module's.
@pytest.mark.django_db
@pytest.mark.parametrize(("name", "actor", "situation", "method"), list(cells()))
def test_access(world: dict[str, Any], name: str, actor: str,
                situation: str, method: str) -> None:
    decl = ACCESS[name]
    kwargs = decl.kw(objects_for(world, decl, actor, situation)) if decl.kw else {}
    url = reverse(name, kwargs=kwargs)
    if decl.query and situation != "-":
        param, thing = decl.query
        url += "?" + urlencode({param: objects_for(world, decl, actor, situation)[thing]})
    client = Client()
    if actor != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][actor]
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if method == "GET":
        response = client.get(url)
    elif name.startswith(("api_", "open311_")):
        response = client.post(url, data="{}", content_type="application/json")
    else:
        response = client.post(url)
    want = expected(decl, actor, situation, method)
    got = outcome(response, decl.rule(method))
    assert got == want, (f"{method} {url} as {actor} ({situation}): "
                         f"{response.status_code}, declared {want}")
    if got == "403" or (got == "404" and situation == "other"):
        # A refusal of an account, or a look at an object that exists out of
        # scope, is audited as denied access (jiayuan.core.access).
        assert AuditEntry.objects.filter(pk__gt=last, action=AuditAction.DENIED).exists(), (
            f"{method} {url} as {actor} ({situation}): {got}, not audited as denied")
