"""Journey: a walk-in resident with two needs.

郑容哲 comes to the desk: he is looking for work, and his grandson needs a school
place. The caseworker records two requests. The first is resolved at the
station with a counted outcome (one job). The second needs the education
bureau: the referral is refused because no consent is on record, the consent is
recorded from the refusal in one step, the letter PDF is read back, and the
department, in its own logged-out browser with the page's real headers,
acknowledges, answers and corrects its answer. The caseworker sees both
versions on the timeline, resolves the case, records the follow-up call (which
closes it), and finds both requests on the household file and the person page.

Every user step is a click or a keystroke in Chromium; the data before the
visit (household, catalogue, accounts) is set up directly.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any
from urllib.parse import urlparse

import pytest

from jiayuan.core.models import AuditEntry
from jiayuan.desk.models import Case, Referral, ServiceCategory, ServiceItem
from jiayuan.registry.models import Consent
from tests.conftest import ZHENG_ID
from tests.journeys.conftest import (
    DESKTOP,
    PHONE,
    assert_audit_intact,
    login,
    new_context,
    shot,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job_item(db: Any) -> ServiceItem:
    employment = ServiceCategory.objects.create(code="employment", name_zh_hans="就业",
                                                name_en="Employment")
    return ServiceItem.objects.create(
        category=employment, code="job-match", name_zh_hans="就业推荐",
        name_en="Job matching", response_hours=48, resolution_days=15)


def record_request(page: Any, *, search: str, item: str, summary: str) -> str:
    """At the desk: find the resident as-you-type, pick the service, record."""
    page.click("a[href='/desk/']")
    page.click("a.button.primary[href='/desk/new/']")
    page.fill("#requester-q", search)
    page.locator("#requester-picks button", has_text="鄭容哲").first.click()
    page.locator("#requester .chosen").wait_for()  # the pick swapped in
    assert page.locator("#requester input[name=person]").input_value() != ""
    page.select_option("#id_item", label=item)
    page.fill("#id_summary", summary)
    submit(page, page.locator("form button.primary[type=submit]"))
    assert re.search(r"/desk/cases/\d+/$", page.url), page.url
    return page.url


def submit(page: Any, button: Any) -> None:
    """Click a button or link, and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def open_via_person_page(page: Any, case_url: str) -> None:
    """From a case page, as a caseworker goes: the requester's name, then the other
    request in the person page's list of service requests."""
    page.locator("main a[href^='/people/']").first.click()
    page.wait_for_url(re.compile(r".*/people/\d+/$"))
    page.locator(f"main a[href='{urlparse(case_url).path}']").first.click()
    page.wait_for_url(case_url)


def resolve(page: Any, outcome: str, quantity: str) -> None:
    box = page.locator("#actions details", has=page.locator("input[value=resolve]"))
    box.locator(":scope > summary").click()
    box.locator("select[name=outcome]").select_option(outcome)
    box.locator("input[name=outcome_quantity]").fill(quantity)
    submit(page, box.locator("button.primary"))


def pdf_text(data: bytes, tmp_path: Any) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_a_walk_in_with_two_needs_is_served_to_the_end(
        live_server, browser, household, personas, school_item, job_item, education,
        settings, tmp_path):
    settings.SITE_URL = live_server.url  # the link the letter prints opens this server
    base = live_server.url
    person = household.head
    page = login(browser, live_server, "caseworker", viewport=DESKTOP, locale="en-US")

    # --- two requests at the desk -------------------------------------------------
    job_url = record_request(page, search="zrz", item="Job matching",
                             summary="想找一份厨房的工作")
    assert "recorded" in page.locator(".msg").first.inner_text()
    school_url = record_request(page, search="zrz",
                                item="School place for a migrant child",
                                summary="孙子郑民浩需要入学")
    job, school = (Case.objects.get(pk=int(u.rstrip("/").rsplit("/", 1)[1]))
                   for u in (job_url, school_url))
    assert job.person_id == school.person_id == person.pk and job.channel == "walk_in"

    # --- the first is resolved at the station, with a counted outcome -----------
    open_via_person_page(page, job_url)
    resolve(page, "job", "1")
    assert "Resolved" in page.locator(".status-line").inner_text()
    job.refresh_from_db()
    assert (job.status, job.outcome, job.outcome_quantity) == ("resolved", "job", 1)

    # --- the second is referred: refused without consent ---------------------------
    open_via_person_page(page, school_url)
    submit(page, page.locator("#referrals a[href$='/referrals/new/']"))
    page.select_option("#id_department", str(education.pk))
    submit(page, page.locator("form.card.form button.primary"))
    assert "has not consented to sharing with District Education Bureau" in page.content()
    assert not Referral.objects.exists()
    shot(page, "walk-in-referral-refused")

    # --- consent recorded from the refusal in one step ----------------------------
    offer = page.locator("#consent-offer")
    offer.locator("input[name='consent-evidence']").fill("窗口口头同意，见证人：李")
    submit(page, offer.locator("button.primary"))
    assert page.url == school_url
    assert "Consent to share with District Education Bureau recorded." in page.content()
    consent = Consent.objects.get(purpose="referral")
    assert consent.department == education and consent.person == person
    referral = Referral.objects.get()
    assert referral.consent == consent

    # --- the letter PDF, downloaded and read back ---------------------------------
    letter = page.locator("#referrals a[href$='letter.pdf']").get_attribute("href")
    response = page.context.request.get(base + letter)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body(), tmp_path)
    assert "区教育局" in text and school.ref in text and "鄭容哲" in text
    assert ZHENG_ID not in "".join(text.split())  # never the ID number whole
    assert "结束日期" not in text  # "To" is the addressee, not a date
    # The department gets the link the letter prints (one line, whole). The
    # case page shows the same link, signed afresh (the signature carries the
    # second it was made), so the two agree up to the signature's timestamp.
    links = re.findall(re.escape(base) + r"/reply/\S+/", text)
    assert len(links) == 1, text
    link = links[0]
    shown = page.locator("#referrals input[readonly]").input_value()
    assert shown.rsplit(":", 2)[0] == link.rsplit(":", 2)[0]

    # --- the department, in its own logged-out browser ----------------------------
    dept = new_context(browser, viewport=PHONE, locale="zh-CN")
    reply = dept.new_page()
    posts: list[dict[str, str]] = []
    reply.on("request", lambda r: posts.append(r.all_headers()) if r.method == "POST" else None)
    opened = reply.goto(link)
    assert opened.status == 200
    assert opened.headers["referrer-policy"] == "same-origin"
    assert reply.locator("meta[name=referrer]").get_attribute("content") == "same-origin"
    assert "<dt>致</dt>" in reply.content() and "结束日期" not in reply.content()
    shot(reply, "walk-in-department-reply-360")

    ack = reply.locator("form", has=reply.locator("input[value=acknowledge]"))
    ack.locator("input[name='ack-name']").fill("李老师")
    with reply.expect_navigation() as nav:
        ack.locator("button[type=submit]").click()
    assert nav.value.status == 200, "acknowledging failed (403: CSRF?)"
    assert posts and posts[-1].get("origin") == base  # a real Origin, not "null"

    answer = reply.locator("form", has=reply.locator("input[value=answer]"))
    answer.locator("input[name='answer-name']").fill("李老师")
    answer.locator("textarea[name='answer-answer']").fill("已安排到实验小学，九月一日报到")
    with reply.expect_navigation() as nav:
        answer.locator("button[type=submit]").click()
    assert nav.value.status == 200
    assert school.ref in reply.content()

    # ... and corrects its answer once.
    submit(reply, reply.locator("a[href^='/reply/']"))
    answer = reply.locator("form", has=reply.locator("input[value=answer]"))
    assert "已安排到实验小学，九月一日报到" in reply.content()
    shot(reply, "walk-in-department-correcting-360")
    answer.locator("textarea[name='answer-answer']").fill("已安排到实验小学，八月三十日报到")
    with reply.expect_navigation() as nav:
        answer.locator("button[type=submit]").click()
    assert nav.value.status == 200
    shot(reply, "walk-in-department-corrected-360")
    assert all(h.get("origin") == base for h in posts) and len(posts) == 3

    # --- the answer on the caseworker's timeline (the page still open: reloaded) ---
    assert page.url == school_url
    page.reload()
    timeline = page.locator("#timeline").inner_text()
    assert "已安排到实验小学，九月一日报到" in timeline
    assert "已安排到实验小学，八月三十日报到" in timeline
    assert "八月三十日" in page.locator("#referrals blockquote").inner_text()
    shot(page, "walk-in-answer-on-timeline")

    # --- resolved, follow-up call, closed -----------------------------------------
    resolve(page, "school_place", "1")
    school.refresh_from_db()
    assert school.status == "resolved"
    follow = page.locator("#follow-up")
    follow.locator("input[name=reached][value='1']").check()
    follow.locator("select[name=satisfaction]").select_option("5")
    follow.locator("input[name=comment]").fill("孩子已经上学了")
    submit(page, follow.locator("button.primary"))
    school.refresh_from_db()
    assert school.status == "closed"
    assert "Closed" in page.locator(".status-line").inner_text()

    # The link is spent now, and a tampered one never worked.
    assert reply.goto(link).status == 410
    assert reply.goto(link[:-6] + "AAAAA/").status == 404
    dept.close()

    # --- the household file and the person page list both requests ---------------
    submit(page, page.locator(f"a[href='/people/{person.pk}/']").first)
    cases = page.locator("#cases").inner_text()
    assert job.ref in cases and school.ref in cases
    submit(page, page.locator(f"a[href='/households/{household.pk}/']").first)
    cases = page.locator("#cases").inner_text()
    assert job.ref in cases and school.ref in cases
    shot(page, "walk-in-household-file")

    # --- the audit log shows the steps, and its chain is intact -------------------
    assert_audit_intact()
    steps = list(AuditEntry.objects.order_by("seq").values_list(
        "action", "object_type", "actor_username"))
    dept_user = f"dept:{education.code}"
    for expected in [("create", "desk.case", "caseworker"),
                     ("create", "registry.consent", "caseworker"),
                     ("create", "desk.referral", "caseworker"),
                     ("print", "desk.referral", "caseworker"),
                     ("view_sensitive", "desk.referral", dept_user),
                     ("update", "desk.referral", dept_user)]:
        assert expected in steps, expected
    assert sum(1 for s in steps if s == ("create", "desk.case", "caseworker")) == 2
    assert sum(1 for s in steps if s == ("update", "desk.referral", dept_user)) == 3
    assert AuditEntry.objects.filter(object_type="desk.case", object_id=str(school.pk),
                                     changes__follow_up="reached").exists()
