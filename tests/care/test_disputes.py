"""The mediation pages: the list and its tabs, opening a dispute (also from a
desk request), the dispute page and each of its actions, the party picker.
Access for every persona; out-of-scope disputes and parties."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.models import Dispute, DisputeParty
from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Role
from jiayuan.registry.models import Business
from tests.conftest import make_user

VIEWERS = ("head", "caseworker", "gridworker", "mediator", "auditor")
MEDIATORS = ("head", "caseworker", "mediator")
READ_ONLY = ("gridworker", "auditor", "outsider")
NO_ACCESS = ("coordinator", "admin")


def client_for(client: Any, user: Any) -> Any:
    """Logged in, pages in English (the assertions read the English msgids)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def open_dispute(actor: Any, grid: Any = None, **fields: Any) -> Dispute:
    fields.setdefault("kind", "neighbours")
    fields.setdefault("source", "walk_in")
    fields.setdefault("summary", "楼上漏水")
    return care.dispute_create(actor=actor, grid=grid, **fields)


def detail(dispute: Dispute) -> str:
    return reverse("dispute_detail", args=[dispute.pk])


def act(dispute: Dispute, name: str) -> str:
    return reverse(f"dispute_{name}", args=[dispute.pk])


@pytest.fixture
def dispute(personas: dict, household: Any, grid_a: Any) -> Dispute:
    """Grid A: 鄭容哲 against an upstairs tenant not in the registry; the
    community mediator mediates."""
    d = open_dispute(personas["head"], grid_a, mediators=[personas["mediator"]],
                     opened_on=timezone.localdate() - timedelta(days=60))
    care.party_add(actor=personas["head"], dispute=d, role="applicant", person=household.head)
    care.party_add(actor=personas["head"], dispute=d, role="respondent", name="楼上租户王某")
    d.refresh_from_db()
    return d


@pytest.fixture
def dispute_b(personas: dict, household_b: Any, grid_b: Any) -> Dispute:
    d = open_dispute(personas["head"], grid_b, summary="摊位占道", kind="commercial",
                     mediators=[personas["caseworker"]])
    care.party_add(actor=personas["head"], dispute=d, role="applicant", person=household_b.head)
    d.refresh_from_db()
    return d


@pytest.fixture
def mediator_a(community: Any, grid_a: Any) -> Any:
    """A mediator whose account is limited to grid A."""
    return make_user("mediator_a", Role.MEDIATOR, community, [grid_a])


@pytest.fixture
def shop(grid_a: Any) -> Business:
    return Business.objects.create(grid=grid_a, name="兰州拉面馆", kind="restaurant")


def close(actor: Any, dispute: Dispute, days_ago: int = 0, **fields: Any) -> Dispute:
    fields.setdefault("outcome", "resolved")
    fields.setdefault("note", "双方同意")
    return care.dispute_close(actor=actor, dispute=dispute, version=dispute.version,
                              closed_on=timezone.localdate() - timedelta(days=days_ago),
                              **fields)


# --- access -------------------------------------------------------------------

@pytest.mark.parametrize("who", VIEWERS)
def test_it_shows_the_list_and_the_dispute_to_every_reader(client, personas, dispute, who):
    c = client_for(client, personas[who])
    body = c.get(reverse("dispute_list")).content.decode()
    assert dispute.ref in body and "楼上租户王某" in body and "鄭容哲" in body
    page = c.get(detail(dispute))
    assert page.status_code == 200
    assert "楼上漏水" in page.content.decode()


@pytest.mark.parametrize("who", NO_ACCESS)
def test_it_refuses_roles_without_the_permission(client, personas, dispute, who):
    c = client_for(client, personas[who])
    assert c.get(reverse("dispute_list")).status_code == 403
    assert c.get(detail(dispute)).status_code == 403
    assert c.get(reverse("dispute_new")).status_code == 403
    assert c.get(reverse("dispute_pdf", args=[dispute.pk])).status_code == 403


def test_it_hides_a_dispute_of_another_grid(client, personas, dispute, dispute_b):
    c = client_for(client, personas["gridworker"])
    assert c.get(detail(dispute_b)).status_code == 404
    assert dispute_b.ref not in c.get(reverse("dispute_list")).content.decode()
    c = client_for(client, personas["outsider"])
    assert c.get(detail(dispute)).status_code == 404
    body = c.get(reverse("dispute_list")).content.decode()
    assert dispute.ref not in body and dispute_b.ref in body
    assert c.get(detail(dispute_b)).status_code == 200
    assert AuditEntry.objects.filter(action="denied", object_type="care.dispute",
                                     object_id=str(dispute.pk)).exists()


def test_it_shows_a_dispute_of_another_grid_to_its_mediator(client, personas, dispute,
                                                            community, grid_b):
    # A mediator of grid B (an account whose role mediates: the service accepts no other).
    mediator_b = make_user("mediator_b", Role.MEDIATOR, community, [grid_b])
    care.dispute_update(actor=personas["head"], dispute=dispute,
                        mediators=[personas["mediator"], mediator_b])
    c = client_for(client, mediator_b)
    assert c.get(detail(dispute)).status_code == 200
    assert dispute.ref in c.get(reverse("dispute_list") + "?tab=mine").content.decode()


@pytest.mark.parametrize("who", MEDIATORS)
def test_it_offers_the_new_form_to_mediating_roles(client, personas, who):
    assert client_for(client, personas[who]).get(reverse("dispute_new")).status_code == 200


@pytest.mark.parametrize("who", READ_ONLY)
def test_it_refuses_writes_to_read_only_roles(client, personas, dispute, dispute_b, who):
    c = client_for(client, personas[who])
    target = dispute_b if who == "outsider" else dispute
    assert c.get(reverse("dispute_new")).status_code == 403
    response = c.post(act(target, "agreement"), {"version": target.version,
                                                  "agreement_text": "改写"})
    assert response.status_code == 403
    assert c.post(act(target, "session_add"), {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "attendees": "x",
        "notes": "y"}).status_code == 403
    target.refresh_from_db()
    assert target.agreement_text == "" and not target.sessions.exists()
    # Readers see no forms on the page.
    body = c.get(detail(target)).content.decode()
    assert act(target, "close") not in body and act(target, "party_add") not in body


# --- the list -----------------------------------------------------------------

def test_the_tabs_sort_disputes_by_state(client, personas, dispute, dispute_b, grid_a):
    head = personas["head"]
    closed = open_dispute(head, grid_a, summary="已调结的纠纷",
                          opened_on=timezone.localdate() - timedelta(days=90))
    close(head, closed, days_ago=40)
    recent = open_dispute(head, grid_a, summary="刚调结的纠纷")
    close(head, recent)
    care.dispute_escalate(actor=head, dispute=dispute_b, on=timezone.localdate(),
                          what="双方发生推搡，派出所出警")
    c = client_for(client, personas["caseworker"])
    body = c.get(reverse("dispute_list")).content.decode()
    assert dispute.ref in body and dispute_b.ref in body
    assert closed.ref not in body and recent.ref not in body
    assert body.count(">escalated<") == 1
    body = c.get(reverse("dispute_list") + "?tab=followups").content.decode()
    assert closed.ref in body and recent.ref not in body and dispute.ref not in body
    body = c.get(reverse("dispute_list") + "?tab=closed").content.decode()
    assert closed.ref in body and recent.ref in body and dispute.ref not in body
    body = c.get(reverse("dispute_list") + "?tab=mine").content.decode()
    assert dispute_b.ref in body and dispute.ref not in body
    body = c.get(reverse("dispute_list") + "?kind=commercial").content.decode()
    assert dispute_b.ref in body and dispute.ref not in body


def test_the_list_costs_the_same_queries_for_more_disputes(client, personas, dispute, grid_a,
                                                           household, shop):
    c = client_for(client, personas["head"])
    c.get(reverse("dispute_list"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("dispute_list")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(5):
        d = open_dispute(personas["head"], grid_a, summary=f"纠纷{i}",
                         mediators=[personas["mediator"], personas["caseworker"]])
        care.party_add(actor=personas["head"], dispute=d, role="applicant",
                       household=household)
        care.party_add(actor=personas["head"], dispute=d, role="respondent", business=shop)
    assert count() == before


# --- opening a dispute --------------------------------------------------------

def test_it_opens_a_dispute_for_the_whole_community(client, personas):
    c = client_for(client, personas["mediator"])
    response = c.post(reverse("dispute_new"), {
        "kind": "tenancy", "source": "hotline", "summary": "房东不退押金",
        "opened_on": timezone.localdate().isoformat()})
    d = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(d)
    assert d.grid is None and d.kind == "tenancy" and d.status == "open"
    assert list(d.mediators.all()) == [personas["mediator"]]
    assert d.ref in c.get(detail(d)).content.decode()


def test_a_grid_account_must_choose_a_grid(client, mediator_a, grid_a, grid_b):
    c = client_for(client, mediator_a)
    data = {"kind": "neighbours", "source": "walk_in", "summary": "噪音",
            "opened_on": timezone.localdate().isoformat()}
    response = c.post(reverse("dispute_new"), data)
    assert response.status_code == 400 and not Dispute.objects.exists()
    response = c.post(reverse("dispute_new"), {**data, "grid": grid_b.pk})
    assert response.status_code == 400 and not Dispute.objects.exists()
    assert c.post(reverse("dispute_new"), {**data, "grid": grid_a.pk}).status_code == 302
    assert Dispute.objects.get().grid == grid_a


def test_it_refuses_a_future_opening_date(client, personas):
    c = client_for(client, personas["mediator"])
    response = c.post(reverse("dispute_new"), {
        "kind": "family", "source": "walk_in", "summary": "家务事",
        "opened_on": (timezone.localdate() + timedelta(days=3)).isoformat()})
    assert response.status_code == 400 and "The date is in the future." in \
        response.content.decode()
    assert not Dispute.objects.exists()


def test_it_opens_a_dispute_from_a_desk_request(client, personas, case, household):
    c = client_for(client, personas["caseworker"])
    page = c.get(reverse("dispute_new") + f"?case={case.pk}")
    body = page.content.decode()
    assert page.status_code == 200 and case.summary in body and case.ref in body
    assert 'value="case" selected' in body or 'value="case"  selected' in body
    response = c.post(reverse("dispute_new"), {
        "case": case.pk, "kind": "neighbours", "source": "case", "summary": case.summary,
        "opened_on": timezone.localdate().isoformat(),
        "mediators": [personas["caseworker"].pk, personas["mediator"].pk]})
    d = Dispute.objects.get()
    assert response.status_code == 302
    assert d.case == case and d.source == "case" and d.grid_id == household.grid_id
    party = d.parties.get()
    assert party.role == "applicant" and party.person == household.head
    assert party.household == household
    assert set(d.mediators.all()) == {personas["caseworker"], personas["mediator"]}
    body = c.get(detail(d)).content.decode()
    assert reverse("case_detail", args=[case.pk]) in body
    assert reverse("household_detail", args=[household.pk]) in body


def test_it_hides_a_desk_request_out_of_scope(client, community, grid_b, case):
    outsider_mediator = make_user("mediator_b", Role.MEDIATOR, community, [grid_b])
    c = client_for(client, outsider_mediator)
    assert c.get(reverse("dispute_new") + f"?case={case.pk}").status_code == 404
    response = c.post(reverse("dispute_new"), {
        "case": case.pk, "kind": "neighbours", "source": "case", "summary": "x",
        "grid": grid_b.pk, "opened_on": timezone.localdate().isoformat()})
    assert response.status_code == 400 and not Dispute.objects.exists()
    assert "not in your area" in response.content.decode()


# --- parties --------------------------------------------------------------------

def test_it_adds_a_resident_a_business_and_an_outsider(client, personas, dispute, household,
                                                      shop):
    c = client_for(client, personas["mediator"])
    spouse = household.members.get(name="金英姬")
    for data in ({"role": "other", "person": spouse.pk},
                 {"role": "respondent", "business": shop.pk},
                 {"role": "other", "name": "物业公司"}):
        assert c.post(act(dispute, "party_add"), data).status_code == 302
    parties = {str(p): p for p in dispute.parties.all()}
    assert set(parties) == {"鄭容哲", "楼上租户王某", "金英姬", "兰州拉面馆", "物业公司"}
    assert parties["金英姬"].household == household
    assert parties["兰州拉面馆"].business == shop
    body = c.get(detail(dispute)).content.decode()
    assert reverse("business_detail", args=[shop.pk]) in body
    added = [e.changes["party_added"] for e in AuditEntry.objects.filter(
        object_type="care.dispute", object_id=str(dispute.pk)) if "party_added" in e.changes]
    assert any("物业公司" in str(a) for a in added) and len(added) == 5


def test_it_refuses_a_forged_party_out_of_scope(client, personas, mediator_a, dispute,
                                               household_b, grid_b):
    shop_b = Business.objects.create(grid=grid_b, name="B网格水果店", kind="shop")
    c = client_for(client, mediator_a)
    before = AuditEntry.objects.count()
    for data, message in (({"role": "respondent", "person": household_b.head.pk},
                           "That resident is not in your area."),
                          ({"role": "respondent", "household": household_b.pk},
                           "That household is not in your area."),
                          ({"role": "respondent", "business": shop_b.pk},
                           "That business is not in your area.")):
        response = c.post(act(dispute, "party_add"), data)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert dispute.parties.count() == 2
    assert AuditEntry.objects.count() == before


def test_it_wants_exactly_one_party(client, personas, dispute, household):
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "party_add"), {"role": "other"})
    assert response.status_code == 400 and "Choose a resident" in response.content.decode()
    response = c.post(act(dispute, "party_add"), {"role": "other", "name": "某人",
                                                  "person": household.head.pk})
    assert response.status_code == 400 and "one party at a time" in response.content.decode()
    assert dispute.parties.count() == 2


def test_it_removes_a_party_only_while_open(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    party = dispute.parties.get(name="楼上租户王某")
    assert c.post(reverse("dispute_party_remove", args=[dispute.pk, party.pk])).status_code == 302
    assert not DisputeParty.objects.filter(pk=party.pk).exists()
    close(personas["head"], Dispute.objects.get(pk=dispute.pk))
    other = dispute.parties.get()
    response = c.post(reverse("dispute_party_remove", args=[dispute.pk, other.pk]), follow=True)
    assert "The dispute is closed. Reopen it first." in response.content.decode()
    assert DisputeParty.objects.filter(pk=other.pk).exists()
    response = c.post(act(dispute, "party_add"), {"role": "other", "name": "新当事人"})
    assert response.status_code == 400 and dispute.parties.count() == 1


def test_the_picker_finds_people_households_and_businesses_in_scope(client, mediator_a, personas,
                                                                   dispute, household,
                                                                   household_b, shop):
    care.dispute_update(actor=personas["head"], dispute=dispute,
                        mediators=[personas["mediator"], mediator_a])
    c = client_for(client, mediator_a)
    url = reverse("dispute_party_search", args=[dispute.pk])
    body = c.post(url, {"q": "金英"}).content.decode()
    assert "金英姬" in body and "pick=person:" in body
    assert "3-2-302" in c.post(url, {"q": "3-2-302"}).content.decode()
    assert "兰州拉面馆" in c.post(url, {"q": "拉面"}).content.decode()
    body = c.post(url, {"q": "马忠华"}).content.decode()
    assert "马忠华" not in body.replace("“马忠华”", "")
    chosen = c.get(url, {"pick": f"person:{household.head.pk}"}).content.decode()
    assert f'name="person" value="{household.head.pk}"' in chosen
    assert c.get(url, {"pick": f"person:{household_b.head.pk}"}).status_code == 404
    assert c.get(url, {"pick": f"household:{household_b.pk}"}).status_code == 404
    assert c.get(url, {"pick": "bogus:1"}).status_code == 404
    assert client_for(client, personas["auditor"]).post(url, {"q": "金英"}).status_code == 403


# --- sessions, agreement, escalation ---------------------------------------------

def test_a_session_puts_the_dispute_in_mediation(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "session_add"), {
        "held_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "调解室", "attendees": "鄭容哲、王某、调解员", "notes": "双方陈述，约定下周再谈"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "mediating" and dispute.sessions.count() == 1
    body = c.get(detail(dispute)).content.decode()
    assert "双方陈述，约定下周再谈" in body and "In mediation" in body


def test_a_session_in_the_future_is_refused(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "session_add"), {
        "held_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "attendees": "x", "notes": "y"})
    assert response.status_code == 400 and "The session is in the future" in \
        response.content.decode()
    assert not dispute.sessions.exists()


def test_concurrent_agreement_edits_conflict_and_nothing_is_overwritten(client, personas,
                                                                       dispute):
    version = dispute.version
    first = client_for(client, personas["mediator"])
    assert first.post(act(dispute, "agreement"), {
        "version": version, "agreement_text": "一、王某三日内修好水管。"}).status_code == 302
    from django.test import Client

    second = client_for(Client(), personas["caseworker"])
    response = second.post(act(dispute, "agreement"), {
        "version": version, "agreement_text": "一、王某赔偿五百元。"})
    assert response.status_code == 409
    body = response.content.decode()
    # The one optimistic lock (core.versioning) says who saved first.
    who = personas["mediator"].display_name
    assert f"{who} changed this dispute ({dispute.ref})" in body
    assert "Nothing you entered was saved." in body
    assert "一、王某赔偿五百元。" in body  # the second user's text is kept in the form
    dispute.refresh_from_db()
    assert dispute.agreement_text == "一、王某三日内修好水管。"
    assert dispute.version == version + 1
    assert f'name="version" value="{dispute.version}"' in body


def test_a_signing_date_needs_an_agreement(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "agreement"), {
        "version": dispute.version, "agreement_text": " ",
        "agreement_on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "Write down the agreement that was signed." in response.content.decode()


def test_it_records_an_escalation(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "escalate"), {
        "version": dispute.version, "escalated_on": timezone.localdate().isoformat(),
        "escalation": "一方报警，派出所出警"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.escalated_on == timezone.localdate()
    assert "一方报警，派出所出警" in dispute.escalation
    assert c.post(act(dispute, "escalate"), {
        "version": dispute.version, "escalated_on": timezone.localdate().isoformat(),
        "escalation": ""}).status_code == 400


def test_it_edits_the_facts_and_the_mediators(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "edit"), {
        "version": dispute.version, "kind": "tenancy", "source": "hotline",
        "summary": "漏水赔偿", "details": "",
        "mediators": [personas["mediator"].pk, personas["caseworker"].pk]})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.kind == "tenancy" and dispute.summary == "漏水赔偿"
    assert set(dispute.mediators.all()) == {personas["mediator"], personas["caseworker"]}
    # A role that does not mediate (a grid worker) is no choice.
    response = c.post(act(dispute, "edit"), {
        "version": dispute.version, "kind": "tenancy", "source": "hotline",
        "summary": "漏水赔偿", "mediators": [personas["gridworker"].pk]})
    assert response.status_code == 400
    # Nor is an account without the right to mediate.
    response = c.post(act(dispute, "edit"), {
        "version": dispute.version, "kind": "tenancy", "source": "hotline",
        "summary": "漏水赔偿", "mediators": [personas["coordinator"].pk]})
    assert response.status_code == 400


# --- closing, follow-up, reopening -----------------------------------------------

def test_closing_as_resolved_needs_an_agreement_or_a_note(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    data = {"version": dispute.version, "outcome": "resolved", "note": "",
            "closed_on": timezone.localdate().isoformat()}
    response = c.post(act(dispute, "close"), data)
    assert response.status_code == 400
    assert "Write down what was agreed" in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == "open" and dispute.outcome == ""
    assert c.post(act(dispute, "close"), {**data, "outcome": "withdrawn"}).status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "closed" and dispute.followup_due is None


def test_closing_with_an_agreement_schedules_the_follow_up(client, personas, dispute):
    care.dispute_update(actor=personas["head"], dispute=dispute,
                        agreement_text="王某修好水管", agreement_on=timezone.localdate())
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "close"), {
        "version": dispute.version, "outcome": "resolved",
        "closed_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "closed" and dispute.outcome == "resolved"
    assert dispute.followup_due == timezone.localdate() + timedelta(days=30)


def test_a_follow_up_that_fails_offers_to_reopen(client, personas, dispute):
    close(personas["head"], dispute, days_ago=35)
    c = client_for(client, personas["mediator"])
    page = c.get(detail(dispute)).content.decode()
    assert act(dispute, "followup") in page
    response = c.post(act(dispute, "followup"), {
        "version": dispute.version, "on": timezone.localdate().isoformat(), "holding": "0",
        "note": "漏水又开始了"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.followup_holding is False and dispute.followup_note == "漏水又开始了"
    body = c.get(detail(dispute)).content.decode()
    assert "The agreement is not holding. Reopen the dispute" in body
    assert act(dispute, "reopen") in body
    assert dispute.ref not in c.get(reverse("dispute_list") + "?tab=followups").content.decode()


def test_a_follow_up_before_closing_day_is_refused(client, personas, dispute):
    close(personas["head"], dispute, days_ago=5)
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "followup"), {
        "version": dispute.version,
        "on": (timezone.localdate() - timedelta(days=10)).isoformat(), "holding": "1"})
    assert response.status_code == 400
    assert "between the closing day and today" in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.followup_on is None


def test_it_reopens_a_closed_dispute_with_a_reason(client, personas, dispute):
    close(personas["head"], dispute)
    c = client_for(client, personas["mediator"])
    assert c.post(act(dispute, "reopen"), {"version": dispute.version,
                                            "reason": ""}).status_code == 400
    dispute.refresh_from_db()
    assert dispute.status == "closed"
    response = c.post(act(dispute, "reopen"), {"version": dispute.version,
                                                "reason": "协议未履行"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "open" and dispute.outcome == "" and dispute.closed_on is None
    assert "协议未履行" in dispute.outcome_note
    assert dispute.ref in c.get(reverse("dispute_list")).content.decode()


def test_a_stale_close_does_not_overwrite_a_reopen(client, personas, dispute):
    """Two mediators: one closes from an old page after the other edited."""
    stale = dispute.version
    care.dispute_escalate(actor=personas["head"], dispute=dispute, on=timezone.localdate(),
                          what="争吵升级")
    c = client_for(client, personas["mediator"])
    response = c.post(act(dispute, "close"), {
        "version": stale, "outcome": "withdrawn", "closed_on": timezone.localdate().isoformat()})
    assert response.status_code == 409
    dispute.refresh_from_db()
    assert dispute.status == "open"


def test_an_unknown_dispute_is_not_found(client, personas, dispute):
    c = client_for(client, personas["mediator"])
    assert c.get(reverse("dispute_detail", args=[dispute.pk + 999])).status_code == 404
    assert c.post(reverse("dispute_close", args=[dispute.pk + 999]), {}).status_code == 404


# --- opened from a household file or a business page -------------------------------

def new_dispute_data(**extra: Any) -> dict[str, Any]:
    return {"kind": "neighbours", "source": "walk_in", "summary": "噪音扰民", "details": "",
            "opened_on": timezone.localdate().isoformat(), **extra}


def test_a_dispute_opened_from_a_household_file_has_that_household_as_applicant(
        client, personas, household, grid_a):
    c = client_for(client, personas["mediator"])
    page = c.get(reverse("dispute_new"), {"household": household.pk}).content.decode()
    assert "will be recorded as the applicant" in page
    response = c.post(reverse("dispute_new"), new_dispute_data(household=household.pk,
                                                               grid=grid_a.pk))
    assert response.status_code == 302
    party = DisputeParty.objects.get()
    assert (party.household, party.role) == (household, "applicant")


def test_a_dispute_opened_from_a_business_page_has_the_business_as_applicant(
        client, personas, shop, grid_a):
    c = client_for(client, personas["mediator"])
    assert c.get(reverse("dispute_new"), {"business": shop.pk}).status_code == 200
    assert c.post(reverse("dispute_new"), new_dispute_data(
        business=shop.pk, grid=grid_a.pk)).status_code == 302
    assert DisputeParty.objects.get().business == shop


def test_a_forged_household_outside_scope_opens_nothing(client, personas, household_b,
                                                        household, grid_a, mediator_a):
    c = client_for(client, mediator_a)
    assert c.get(reverse("dispute_new"), {"household": household_b.pk}).status_code == 404
    response = c.post(reverse("dispute_new"), new_dispute_data(household=household_b.pk,
                                                               grid=grid_a.pk))
    assert response.status_code == 400
    assert "not in your grids" in response.content.decode()
    assert not Dispute.objects.exists() and not DisputeParty.objects.exists()


def test_the_daily_digest_tells_a_mediator_which_agreements_to_check(personas, dispute,
                                                                     settings):
    from django.core import mail
    from django.utils import translation

    from jiayuan.desk import digest

    settings.LANGUAGE_CODE = "en"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mediator = personas["mediator"]
    mediator.email = "m@example.org"
    mediator.save()
    closed_on = timezone.localdate() - timedelta(days=40)
    Dispute.objects.filter(pk=dispute.pk).update(opened_on=closed_on - timedelta(days=5))
    dispute.refresh_from_db()
    care.dispute_close(actor=mediator, dispute=dispute, outcome="resolved",
                       note="双方和解", closed_on=closed_on)
    with translation.override("en"):
        assert digest.step_digest(timezone.now()) == 1
    body = mail.outbox[0].body
    assert "1 dispute you mediated is due for the check that its agreement holds." in body
    assert "/care/disputes/?tab=followups" in body
    assert dispute.summary not in body
