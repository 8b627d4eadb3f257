"""The menu's links (jiayuan.core.templatetags.main_nav) are rendered once for
each language and set of permissions, and each account still sees its own."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def menu(user, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    page = client.get(reverse("household_list")).content.decode()
    return page.split('<nav class="main-nav"')[1].split("</nav>")[0]


def test_each_account_sees_its_own_menu_in_its_language(personas):
    audit, reports, admin = reverse("audit_log"), reverse("report"), reverse("admin:index")
    desk = reverse("desk")
    # Alternating roles and languages: a menu kept for one is never shown to another.
    for _round in range(2):
        head = menu(personas["head"], "en")
        assert audit in head and reports in head and desk in head and admin not in head
        assert "Audit log" in head and "Service desk" in head
        worker = menu(personas["gridworker"], "en")
        assert audit not in worker and desk in worker and admin not in worker
        assert "gridworker" in worker  # the account's own name, outside the kept links
        chinese = menu(personas["head"], "zh-hans")
        assert audit in chinese and "Audit log" not in chinese and "审计日志" in chinese
        admin_menu = menu(personas["admin"], "en")
        assert admin in admin_menu and desk not in admin_menu
