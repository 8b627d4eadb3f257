import pytest
from django.test import override_settings

from jiayuan.desk.checks import site_url_is_public


def test_site_url_must_be_public_https():
    with override_settings(SITE_URL="http://127.0.0.1:8000"):
        assert [w.id for w in site_url_is_public()] == ["jiayuan.W001"]
    with override_settings(SITE_URL="http://jiayuan.example.org"):
        assert site_url_is_public()
    with override_settings(SITE_URL="https://jiayuan.example.org"):
        assert site_url_is_public() == []


def _errors(**overrides) -> list[str]:
    from jiayuan.desk.checks import private_media_is_private

    with override_settings(**overrides):
        return [e.id for e in private_media_is_private()]


@pytest.mark.parametrize("inside", ["STATIC_ROOT", "MEDIA_ROOT", "STATICFILES_DIRS"])
def test_it_refuses_private_documents_inside_a_served_directory(tmp_path, inside):
    public = tmp_path / "public"
    roots = {"STATIC_ROOT": tmp_path / "static", "MEDIA_ROOT": "", "STATICFILES_DIRS": []}
    roots[inside] = [public] if inside == "STATICFILES_DIRS" else public
    for private in (public, public / "private", public / "a" / ".." / "private"):
        assert _errors(PRIVATE_MEDIA_ROOT=private, **roots) == ["jiayuan.E001"], private
    assert _errors(PRIVATE_MEDIA_ROOT=tmp_path / "private", **roots) == []
    # A sibling that only shares the name's beginning is not inside.
    assert _errors(PRIVATE_MEDIA_ROOT=tmp_path / "public-private", **roots) == []


def test_it_follows_symbolic_links_to_a_served_directory(tmp_path):
    static = tmp_path / "static"
    (static / "uploads").mkdir(parents=True)
    (tmp_path / "private").symlink_to(static / "uploads")
    assert _errors(
        PRIVATE_MEDIA_ROOT=tmp_path / "private",
        STATIC_ROOT=static,
        STATICFILES_DIRS=[],
        MEDIA_ROOT="",
    ) == ["jiayuan.E001"]


def test_it_reads_prefixed_static_directories(tmp_path):
    assert _errors(
        PRIVATE_MEDIA_ROOT=tmp_path / "assets" / "docs",
        STATIC_ROOT=tmp_path / "static",
        MEDIA_ROOT="",
        STATICFILES_DIRS=[("vendor", str(tmp_path / "assets"))],
    ) == ["jiayuan.E001"]


def test_it_runs_with_every_manage_py_check_and_the_settings_pass(settings):
    from django.core import checks

    from jiayuan.desk.checks import private_media_is_private

    assert private_media_is_private in checks.registry.registry.get_checks()
    assert [m.id for m in checks.run_checks() if m.id == "jiayuan.E001"] == []
    settings.PRIVATE_MEDIA_ROOT = settings.STATIC_ROOT
    assert "jiayuan.E001" in [m.id for m in checks.run_checks()]
