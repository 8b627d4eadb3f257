from __future__ import annotations

from django.test import RequestFactory

from jiayuan.core.middleware import client_ip


def test_it_uses_remote_addr_when_exposed_directly(settings):
    settings.BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_REAL_IP="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"


def test_it_uses_the_proxys_x_real_ip_behind_nginx(settings):
    settings.BEHIND_PROXY = True
    request = RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_REAL_IP="198.51.100.7",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "198.51.100.7"


def test_it_ignores_a_malformed_address(settings):
    settings.BEHIND_PROXY = True
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="<script>")
    assert client_ip(request) == "127.0.0.1"
