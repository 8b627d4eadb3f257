"""Open311 GeoReport v2 formats: JSON as is, and XML with the spec's element
names (<services><service>…, <service_requests><request>…,
<errors><error><code/><description/></error></errors>).

The XML is built with xml.etree, which escapes every text but writes control
characters as they are: `_text` drops the characters XML 1.0 does not allow.
The view names the root and item elements (`xml_root`, `xml_item`); an error
answer is always <errors>."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 (we only write XML, never parse it)

from rest_framework.renderers import BaseRenderer

# A list inside an element: its items' element name.
SINGULAR = {"services": "service", "attributes": "attribute", "values": "value",
            "endpoints": "endpoint", "formats": "format", "notes": "note",
            "service_requests": "request", "errors": "error"}


# What XML 1.0 cannot hold, even escaped: C0 controls but tab, LF and CR;
# surrogates; U+FFFE and U+FFFF.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ILLEGAL.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, str(key)), child)
    elif isinstance(value, list | tuple):
        name = SINGULAR.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, name), child)
    else:
        element.text = _text(value)


def to_xml(data: Any, root: str, item: str) -> bytes:
    top = ET.Element(root)
    if isinstance(data, list | tuple):
        for entry in data:
            _fill(ET.SubElement(top, item), entry)
    else:
        _fill(top, data)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


class XMLRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        context = renderer_context or {}
        view, response = context.get("view"), context.get("response")
        if response is not None and response.status_code >= 400:
            return to_xml(data, "errors", "error")
        root = getattr(view, "xml_root", "response")
        return to_xml(data, root, getattr(view, "xml_item", "item"))
