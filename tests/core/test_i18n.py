"""The three catalogues are complete and their compiled .mo files match the .po."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "jiayuan" / "locale"
LANGS = ["zh_Hans", "zh_Hant", "en"]


def parse_po(path: Path) -> list[dict]:
    """Minimal .po reader: enough for msgctxt, msgid, msgid_plural, msgstr[n]."""
    entries, current, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,"):
            current.setdefault("flags", line)
        elif not line.strip():
            if "msgid" in current:
                entries.append(current)
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return [e for e in entries if e["msgid"]]  # skip the header


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_is_translated(lang):
    entries = parse_po(LOCALE / lang / "LC_MESSAGES" / "django.po")
    assert len(entries) > 300
    missing = [e["msgid"] for e in entries
               if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", "")]
    assert missing == [] and fuzzy == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogue_matches_the_source(lang):
    folder = LOCALE / lang / "LC_MESSAGES"
    compiled = gettext.GNUTranslations((folder / "django.mo").open("rb"))
    for entry in parse_po(folder / "django.po"):
        if "msgid_plural" in entry:
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            got = compiled.pgettext(entry["msgctxt"], msgid)
        else:
            got = compiled.gettext(msgid)
        assert got == entry["msgstr"], f"{lang}: run `make messages` ({msgid!r})"


def test_simplified_chinese_is_the_default(client):
    body = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in body and "登录" in body
