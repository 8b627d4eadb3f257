from django.test import override_settings

from jiayuan.desk.checks import site_url_is_public


def test_site_url_must_be_public_https():
    with override_settings(SITE_URL="http://127.0.0.1:8000"):
        assert [w.id for w in site_url_is_public()] == ["jiayuan.W001"]
    with override_settings(SITE_URL="http://jiayuan.example.org"):
        assert site_url_is_public()
    with override_settings(SITE_URL="https://jiayuan.example.org"):
        assert site_url_is_public() == []
