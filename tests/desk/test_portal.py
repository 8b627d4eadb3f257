"""The public resident portal: catalogue, request form, private status page.

Every test is an anonymous visitor. The form's signed timestamp is crafted with
`issue_stamp(now=...)`: ten seconds old for an ordinary submission, fresh for a
too-fast one, three hours old for a stale one.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from jiayuan.core.models import AuditEntry
from jiayuan.desk import services
from jiayuan.desk.choices import Channel, EventKind
from jiayuan.desk.models import Case, PortalHit, ServiceCategory, ServiceItem
from jiayuan.desk.portal.forms import issue_stamp

PHONE = "139 1234 5678"
CANONICAL = "13912345678"
NAME = "韩美玲"
DETAILS = "我家住在3栋2单元，孩子今年九月上小学"
ADDR = "192.0.2.10"  # TEST-NET-1: documentation addresses, never contacted


def visitor(lang: str = "en", ip: str = ADDR) -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def form_data(item: ServiceItem | None = None, **overrides: Any) -> dict[str, Any]:
    data = {"service": item.code if item else "", "summary": "孩子需要入学",
            "details": DETAILS, "name": NAME, "phone": PHONE, "consent": "on",
            "website": "", "stamp": issue_stamp(now=time.time() - 10)}
    data.update(overrides)
    return data


def submit(client: Client, item: ServiceItem | None = None, **overrides: Any):
    return client.post(reverse("portal_request"), form_data(item, **overrides))


@pytest.fixture
def frozen_clock() -> Any:
    """The clock stopped: a stamp issued now stays "too fast" however long the
    request takes on a loaded machine."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


@pytest.fixture
def retired_item(category: ServiceCategory) -> ServiceItem:
    return ServiceItem.objects.create(category=category, code="old-scheme",
                                      name_zh_hans="已停办的补贴", name_en="Retired subsidy",
                                      active=False)


@pytest.fixture
def consult_item(db: Any) -> ServiceItem:
    policy = ServiceCategory.objects.create(code="policy", name_zh_hans="政策咨询",
                                            name_en="Policy questions", order=9)
    return ServiceItem.objects.create(category=policy, code="policy-consult",
                                      name_zh_hans="政策咨询", name_en="Ask about a policy")


@pytest.fixture
def catalogue(school_item, onsite_item, retired_item, consult_item) -> dict[str, ServiceItem]:
    return {"school": school_item, "onsite": onsite_item, "retired": retired_item,
            "consult": consult_item}


@pytest.fixture
def portal_case(community, catalogue) -> Case:
    client = visitor()
    response = submit(client, catalogue["school"])
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get()


def status_url(case: Case, token: str | None = None) -> str:
    return reverse("portal_status", kwargs={"ref": case.ref,
                                            "token": token or case.public_token})


# --- the landing page and the catalogue ---------------------------------------

def test_it_lists_only_active_services_in_the_visitors_language(community, catalogue):
    page = visitor("en").get(reverse("portal")).content.decode()
    assert "School place for a migrant child" in page
    assert "Ask about a policy" in page and "Policy questions" in page
    assert "随迁子女入学" not in page
    assert "Retired subsidy" not in page and "已停办的补贴" not in page
    assert reverse("portal_service", args=["school-place"]) in page
    assert reverse("portal_service", args=["old-scheme"]) not in page
    assert reverse("portal_request") in page  # "describe your need"
    assert 'name="code"' in page and 'name="ref"' in page  # "check my request"


def test_the_landing_page_speaks_traditional_chinese_when_asked(community, catalogue):
    page = visitor("zh-hant").get(reverse("portal")).content.decode()
    assert "隨遷子女入學" in page and "School place" not in page


def test_the_portal_shows_no_staff_navigation_or_search(community, catalogue):
    page = visitor().get(reverse("portal")).content.decode()
    assert reverse("search") not in page and reverse("household_list") not in page
    assert "public service portal" in page


def test_a_service_page_shows_documents_targets_and_the_responsible_office(catalogue):
    page = visitor().get(reverse("portal_service", args=["school-place"])).content.decode()
    assert "Household register" in page and "Residence permit" in page
    assert "within 48 hours" in page and "within 20 days" in page
    assert "District Education Bureau" in page
    assert f'{reverse("portal_request")}?service=school-place' in page


def test_a_retired_or_unknown_service_is_not_found(catalogue):
    client = visitor()
    assert client.get(reverse("portal_service", args=["old-scheme"])).status_code == 404
    assert client.get(reverse("portal_service", args=["no-such"])).status_code == 404


# --- making a request -----------------------------------------------------------

def test_a_valid_request_creates_exactly_one_portal_case(community, catalogue):
    client = visitor()
    response = submit(client, catalogue["school"])
    assert response.status_code == 302 and response["Location"] == reverse("portal_thanks")
    case = Case.objects.get()
    assert case.channel == Channel.PORTAL and case.item == catalogue["school"]
    assert case.person is None and case.household is None and case.grid_id is None
    assert case.community == community and case.owner is None
    assert case.caller_name == NAME and case.caller_phone_mask == "139****5678"
    assert case.caller_phone_enc and CANONICAL not in case.caller_phone_enc
    assert case.portal_source == services.portal_source_hash(ADDR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_phone_enc, caller_phone_hash, caller_phone_mask, "
                       "portal_source FROM desk_case")
        assert not any(CANONICAL in str(v) or ADDR in str(v) for v in cursor.fetchone())
    entry = AuditEntry.objects.get(object_type="desk.case", object_id=str(case.pk))
    assert entry.action == "create" and entry.actor_username == "portal"
    assert CANONICAL not in str(entry.changes) and NAME not in str(entry.changes)


def test_the_thank_you_page_shows_the_reference_and_code_once(portal_case_client):
    client, case = portal_case_client
    page = client.get(reverse("portal_thanks"))
    text = page.content.decode()
    assert case.ref in text and case.public_token in text and status_url(case) in text
    assert "no-store" in page["Cache-Control"] and "noindex" in page["X-Robots-Tag"]
    again = client.get(reverse("portal_thanks")).content.decode()
    assert case.ref not in again and case.public_token not in again
    stranger = visitor(ip="192.0.2.99").get(reverse("portal_thanks")).content.decode()
    assert case.ref not in stranger and case.public_token not in stranger


@pytest.fixture
def portal_case_client(community, catalogue) -> tuple[Client, Case]:
    client = visitor()
    assert submit(client, catalogue["school"]).status_code == 302
    return client, Case.objects.get()


def test_the_service_in_the_address_is_preselected(community, catalogue):
    page = visitor().get(reverse("portal_request") + "?service=school-place").content.decode()
    assert re.search(r'<option value="school-place"[^>]*selected', page)
    assert "Household register" in page  # the documents to bring
    page = visitor().get(reverse("portal_request") + "?service=old-scheme").content.decode()
    assert not re.search(r'<option value="old-scheme"', page)


def test_not_sure_files_the_request_under_the_general_consultation(community, catalogue):
    assert submit(visitor(), None).status_code == 302
    assert Case.objects.get().item == catalogue["consult"]


def test_not_sure_falls_back_to_the_first_active_item(community, school_item, onsite_item):
    assert submit(visitor(), None).status_code == 302
    assert Case.objects.get().item == ServiceItem.objects.filter(active=True).first()


def test_a_retired_service_cannot_be_requested(community, catalogue):
    response = submit(visitor(), catalogue["retired"])
    assert response.status_code == 200 and 'id="id_service_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_an_invalid_phone_is_named_and_nothing_is_created(community, catalogue):
    response = submit(visitor(), catalogue["school"], phone="1391234567")
    page = response.content.decode()
    assert response.status_code == 200 and 'id="id_phone_error"' in page
    assert "A mobile number has 11 digits" in page
    assert not Case.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("field", ["summary", "name", "phone", "consent"])
def test_a_missing_required_answer_is_named_and_nothing_is_created(community, catalogue,
                                                                      field):
    response = submit(visitor(), catalogue["school"], **{field: ""})
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_a_filled_honeypot_looks_accepted_but_creates_nothing(community, catalogue):
    client = visitor()
    response = submit(client, catalogue["school"], website="http://spam.example")
    assert response.status_code == 302 and response["Location"] == reverse("portal_thanks")
    page = client.get(reverse("portal_thanks")).content.decode()
    assert "your request has been sent" in page and "Reference number" not in page
    assert not Case.objects.exists() and not AuditEntry.objects.exists()


def test_the_honeypot_is_hidden_and_labelled_for_screen_readers(community, catalogue):
    page = visitor().get(reverse("portal_request")).content.decode()
    assert re.search(r'<div class="hp">\s*<label for="id_website">Leave this field empty', page)
    assert 'tabindex="-1"' in page


@pytest.mark.parametrize("stamp", [
    pytest.param(lambda: issue_stamp(), id="too-fast"),
    pytest.param(lambda: issue_stamp(now=time.time() - 3 * 3600), id="too-old"),
    pytest.param(lambda: issue_stamp(now=time.time() - 10) + "x", id="forged"),
    pytest.param(lambda: "", id="missing"),
])
def test_a_submission_with_a_bad_timestamp_is_refused(community, catalogue, frozen_clock,
                                                      stamp):
    response = submit(visitor(), catalogue["school"], stamp=stamp())
    page = response.content.decode()
    assert response.status_code == 200 and "Please check your answers and send it again" in page
    assert not Case.objects.exists()
    # A fresh stamp comes with the form, so sending again (after 3 s) works.
    fresh = re.search(r'name="stamp" value="([^"]+)"', page).group(1)
    assert fresh != ""


def test_a_submission_just_after_three_seconds_is_accepted(community, catalogue):
    response = submit(visitor(), catalogue["school"], stamp=issue_stamp(now=time.time() - 4))
    assert response.status_code == 302 and Case.objects.count() == 1


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2, PORTAL_MAX_PER_HOUR=100)
def test_one_address_is_limited_per_hour(community, catalogue):
    client = visitor()
    for _ in range(2):
        assert submit(client, catalogue["school"]).status_code == 302
    # A client-written X-Forwarded-For does not make a new source.
    response = client.post(reverse("portal_request"), form_data(catalogue["school"]),
                           HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429
    assert "Too many requests have been sent from here" in response.content.decode()
    assert Case.objects.count() == 2
    assert submit(visitor(ip="192.0.2.11"), catalogue["school"]).status_code == 302
    assert Case.objects.count() == 3


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=5, PORTAL_MAX_PER_HOUR=3)
def test_the_whole_portal_is_limited_against_a_flood(community, catalogue):
    for n in range(3):
        assert submit(visitor(ip=f"192.0.2.{20 + n}"), catalogue["school"]).status_code == 302
    response = submit(visitor(ip="192.0.2.40"), catalogue["school"])
    assert response.status_code == 429 and Case.objects.count() == 3


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2, PORTAL_MAX_PER_HOUR=100)
def test_a_script_filling_the_honeypot_is_limited_like_anyone(community, catalogue):
    client = visitor()
    for _ in range(2):
        response = submit(client, catalogue["school"], website="http://spam.example")
        assert response.status_code == 302
    again = submit(client, catalogue["school"], website="http://spam.example")
    assert again.status_code == 429
    # The address's real-looking submissions are refused too.
    real = submit(client, catalogue["school"])
    assert real.status_code == 429
    assert "Too many requests have been sent from here" in real.content.decode()
    assert not Case.objects.exists()
    # Only the hits below the limit were written, under the address's keyed hash.
    assert list(PortalHit.objects.values_list("source", "kind")) == [
        (services.portal_source_hash(ADDR), "honeypot")] * 2
    assert submit(visitor(ip="192.0.2.11"), catalogue["school"]).status_code == 302


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2, PORTAL_MAX_PER_HOUR=100)
def test_bad_timestamps_count_towards_the_limit(community, catalogue, frozen_clock):
    client = visitor()
    for stamp in (issue_stamp(), issue_stamp(now=time.time() - 3 * 3600)):
        response = submit(client, catalogue["school"], stamp=stamp)
        assert response.status_code == 200
        assert "Please check your answers and send it again" in response.content.decode()
    response = submit(client, catalogue["school"])
    assert response.status_code == 429 and not Case.objects.exists()


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2, PORTAL_MAX_PER_HOUR=100)
def test_a_mistyped_answer_does_not_count_towards_the_limit(community, catalogue):
    client = visitor()
    for _ in range(3):
        assert submit(client, catalogue["school"], phone="12").status_code == 200
    assert submit(client, catalogue["school"]).status_code == 302
    assert Case.objects.count() == 1 and not PortalHit.objects.exists()


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2, PORTAL_MAX_PER_HOUR=100)
def test_hits_older_than_an_hour_no_longer_count_and_a_day_old_are_pruned(community,
                                                                           catalogue):
    client = visitor()
    for _ in range(2):
        submit(client, catalogue["school"], website="http://spam.example")
    assert submit(client, catalogue["school"]).status_code == 429
    PortalHit.objects.update(at=timezone.now() - timedelta(minutes=61))
    assert submit(client, catalogue["school"]).status_code == 302
    PortalHit.objects.update(at=timezone.now() - timedelta(days=2))
    submit(visitor(ip="192.0.2.12"), catalogue["school"], website="http://spam.example")
    assert PortalHit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="SQLite serialises writers itself; the race needs PostgreSQL")
def test_simultaneous_requests_do_not_overshoot_the_limit(community, school_item, settings):
    """The count is taken under the audit lock (services.portal_create): eight
    requests from one address at the same moment make exactly three cases."""
    settings.PORTAL_MAX_PER_SOURCE_HOUR, settings.PORTAL_MAX_PER_HOUR = 3, 100
    source = services.portal_source_hash(ADDR)
    barrier = threading.Barrier(8)
    made: list[Case] = []
    refused: list[ValidationError] = []
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            barrier.wait()
            made.append(services.portal_create(
                item=school_item, summary=f"同时提交 {n}", details="", caller_name=NAME,
                caller_phone=CANONICAL, community=community, source=source,
                contact_consent=True))
        except ValidationError as exc:
            refused.append(exc)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert (len(made), len(refused)) == (3, 5)
    assert all(e.code == "throttled" for e in refused)
    assert Case.objects.filter(portal_source=source).count() == 3


def test_without_a_station_the_form_says_so_instead_of_failing(catalogue):
    response = visitor().get(reverse("portal_request"))
    assert response.status_code == 503 and "not open yet" in response.content.decode()
    response = submit(visitor(), catalogue["school"])
    assert response.status_code == 503 and not Case.objects.exists()


# --- the status page ------------------------------------------------------------

def test_the_status_page_shows_public_progress_and_no_personal_data(portal_case, personas):
    worker = personas["caseworker"]
    services.add_note(actor=worker, case=portal_case, kind=EventKind.NOTE,
                      text="HIDDEN: 家里情况复杂", public=False)
    services.add_note(actor=worker, case=portal_case, kind=EventKind.CALL,
                      text="已安排下周二到学校报名", public=True)
    services.transition(actor=worker, case=portal_case, action="acknowledge", version=1)
    response = visitor("en", ip="192.0.2.50").get(status_url(portal_case))
    page = response.content.decode()
    assert response.status_code == 200
    assert portal_case.ref in page and "School place for a migrant child" in page
    assert "已安排下周二到学校报名" in page and "Seen by the station" in page
    assert "Request received" in page
    for secret in (NAME, CANONICAL, "139****5678", "5678", DETAILS, "HIDDEN",
                   portal_case.summary, worker.username):
        assert secret not in page, secret
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_wrong_code_or_reference_is_not_found_alike(portal_case):
    client = visitor()
    wrong_code = client.get(status_url(portal_case, token="x" * 22))
    other = Case(ref=portal_case.ref.replace("00001", "00999"))
    wrong_ref = client.get(status_url(other, token=portal_case.public_token))
    assert wrong_code.status_code == wrong_ref.status_code == 404
    assert _without_csrf(wrong_code) == _without_csrf(wrong_ref)
    assert "No request matches" in wrong_code.content.decode()
    assert "noindex" in wrong_code["X-Robots-Tag"]


def test_the_lookup_form_opens_the_status_page(portal_case):
    response = visitor().get(reverse("portal_status_lookup"),
                             {"ref": f" {portal_case.ref} ", "code": portal_case.public_token})
    assert response.status_code == 302 and response["Location"] == status_url(portal_case)


def test_the_lookup_form_gives_one_message_for_any_wrong_combination(portal_case):
    client = visitor()
    url = reverse("portal_status_lookup")
    responses = [client.get(url, {"ref": portal_case.ref, "code": "wrong-code"}),
                 client.get(url, {"ref": "TST-1999-99999", "code": portal_case.public_token}),
                 client.get(url, {"ref": "TST-1999-99999", "code": "wrong-code"})]
    messages = [re.search(r'<div class="msg msg-error" role="alert">(.*?)</div>',
                          r.content.decode(), re.S) for r in responses]
    assert all(r.status_code == 200 for r in responses)
    assert all(m is not None for m in messages)
    assert len({m.group(1) for m in messages}) == 1
    assert "No request matches" in messages[0].group(1)


@pytest.fixture
def few_lookups(monkeypatch):
    monkeypatch.setattr(services.portal, "PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR", 3)


def test_guessing_through_the_lookup_form_is_limited_per_address(portal_case, few_lookups):
    client = visitor()
    url = reverse("portal_status_lookup")
    for n in range(3):
        response = client.get(url, {"ref": portal_case.ref.replace("00001", f"0000{n + 2}"),
                                    "code": portal_case.public_token})
        assert response.status_code == 200 and "No request matches" in response.content.decode()
    # Now even the right reference and code are refused from this address...
    right = {"ref": portal_case.ref, "code": portal_case.public_token}
    response = client.get(url, right)
    assert response.status_code == 429
    assert "Too many wrong reference numbers or codes" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    response = client.get(status_url(portal_case))
    assert response.status_code == 429 and portal_case.ref not in response.content.decode()
    assert PortalHit.objects.count() == 3  # refused lookups are not written
    # ...but not from another one, and not after the hour.
    assert visitor(ip="192.0.2.60").get(url, right).status_code == 302
    PortalHit.objects.update(at=timezone.now() - timedelta(minutes=61))
    assert client.get(url, right).status_code == 302


def test_guessing_status_addresses_is_limited_per_address(portal_case, few_lookups):
    client = visitor()
    for n in range(3):
        assert client.get(status_url(portal_case, token=f"guess-{n}")).status_code == 404
    assert client.get(status_url(portal_case)).status_code == 429
    assert set(PortalHit.objects.values_list("kind", flat=True)) == {"lookup"}


def test_looking_at_ones_own_status_page_is_not_limited(portal_case, few_lookups):
    client = visitor()
    for _ in range(10):
        assert client.get(status_url(portal_case)).status_code == 200
    response = client.get(reverse("portal_status_lookup"),
                          {"ref": portal_case.ref.lower(), "code": portal_case.public_token})
    assert response.status_code == 302 and not PortalHit.objects.exists()


def test_the_token_is_never_logged(community, catalogue, caplog):
    caplog.set_level(logging.DEBUG)
    client = visitor()
    submit(client, catalogue["school"])
    case = Case.objects.get()
    client.get(reverse("portal_thanks"))
    client.get(status_url(case))
    client.get(reverse("portal_status_lookup"), {"ref": case.ref, "code": case.public_token})
    mistyped = Case(ref=case.ref.replace("00001", "00002"))
    assert client.get(status_url(mistyped, token=case.public_token)).status_code == 404
    assert case.public_token not in caplog.text


# --- every page, every language; and the staff pages stay closed ---------------

@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant", "en"])
def test_every_portal_page_renders_in_each_language(portal_case, lang):
    client = visitor(lang)
    pages = [reverse("portal"), reverse("portal_service", args=["school-place"]),
             reverse("portal_request"), reverse("portal_request") + "?service=school-place",
             reverse("portal_thanks"), reverse("portal_status_lookup"),
             reverse("portal_status_lookup") + "?ref=X&code=Y", status_url(portal_case)]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}">' in response.content.decode(), url
    assert client.get(status_url(portal_case, token="nope")).status_code == 404
    bad = client.post(reverse("portal_request"), form_data(phone="12"))
    assert bad.status_code == 200 and 'id="id_phone_error"' in bad.content.decode()


def _desk_routes() -> list[str]:
    """Every URL under /desk/, with sample values for its parameters."""
    samples = {"int": "1", "slug": "x", "str": "x", "path": "x",
               "uuid": "00000000-0000-0000-0000-000000000000"}

    def fill(route: str) -> str:
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples.get(m.group(1) or "str", "x"),
                      route)

    def walk(patterns: list, prefix: str) -> list[str]:
        out: list[str] = []
        for p in patterns:
            route = fill(str(p.pattern))
            if isinstance(p, URLResolver):
                out += walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                out.append("/" + prefix + route)
        return out

    return [u for u in walk(get_resolver().url_patterns, "") if u.startswith("/desk/")]


def test_an_anonymous_visitor_cannot_reach_any_desk_page(community, catalogue):
    routes = _desk_routes()
    if not routes:
        pytest.skip("no /desk/ pages are routed yet")
    client = visitor()
    for url in routes:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith(reverse("login")), url


def test_the_portal_audit_entry_keeps_no_address(community, catalogue):
    from jiayuan.core.models import AuditEntry

    client = Client(REMOTE_ADDR="203.0.113.77")
    submit(client, catalogue["school"])
    case = Case.objects.get()
    entry = AuditEntry.objects.get(object_type="desk.case", object_id=str(case.pk))
    assert entry.ip is None and entry.actor_username == "portal"
    assert entry.changes["contact_consent"] is True


def test_the_lookup_code_is_redacted_from_request_logs():
    import logging

    from jiayuan.core.logfilters import RedactSecretPaths

    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                               "Not Found: %s", ("/portal/status/?ref=ZJJ-2026-00001&code=s3cr3t",),
                               None)
    RedactSecretPaths().filter(record)
    assert "s3cr3t" not in record.getMessage() and "ZJJ-2026-00001" in record.getMessage()


def test_every_private_link_is_redacted_from_request_logs():
    import logging

    from jiayuan.core.logfilters import RedactSecretPaths

    for path, public in [("/portal/civic/ideas/status/ZJJ-J-2026-00003/s3cr3t/",
                          "ZJJ-J-2026-00003"),
                         ("/portal/status/ZJJ-2026-00001/s3cr3t/", "ZJJ-2026-00001"),
                         ("/reply/s3cr3t/", "/reply/"),
                         ("/portal/engage/volunteers/h/s3cr3t/", "/volunteers/h/"),
                         ("/portal/engage/activities/signup/s3cr3t/", "/signup/"),
                         ("/portal/engage/volunteers/certificates/s3cr3t/", "/certificates/")]:
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                                   "Not Found: %s", (path,), None)
        RedactSecretPaths().filter(record)
        assert "s3cr3t" not in record.getMessage() and public in record.getMessage(), path
