"""Open311 responses in the two formats of the spec: JSON (a list) and XML (a root element).

JSON is the format clients mostly use; XML is produced from the same data with the element
names of the spec (``services/service``, ``service_requests/request``, ``errors/error``).
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from aiohttp import web

from bot.web.textsafe import xml_safe, xml_safe_data

FORMATS = {"json": "application/json", "xml": "text/xml"}
# Child element names of lists, by the name of the list.
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
_HEADERS = {"Access-Control-Allow-Origin": "*"}  # browser-based Open311 clients


def _dumps(data: Any) -> str:
    return json.dumps(xml_safe_data(data), ensure_ascii=False, separators=(",", ":"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def _fill(parent: Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        node = SubElement(parent, name)
        for item in value:
            _fill(node, _ITEM.get(name, "item"), item)
    elif isinstance(value, dict):
        node = SubElement(parent, name)
        for key, inner in value.items():
            _fill(node, key, inner)
    else:
        SubElement(parent, name).text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    """``data`` under a root element; a list's items take the singular name of the root."""
    top = Element(root)
    if isinstance(data, list):
        for item in data:
            _fill(top, _ITEM.get(root, "item"), item)
    else:
        for key, value in data.items():
            _fill(top, key, value)
    return tostring(top, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, data: Any, status: int = 200) -> web.Response:
    """The response in ``fmt`` (json or xml), UTF-8, open to other origins."""
    if fmt == "xml":
        return web.Response(
            body=to_xml(root, data),
            status=status,
            content_type="text/xml",
            charset="utf-8",
            headers=_HEADERS,
        )
    return web.Response(
        text=_dumps(data),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=_HEADERS,
    )


def json_list(items: list[bytes]) -> bytes:
    """The JSON array of already encoded JSON values ``items``.

    A 1,000-request answer is half a megabyte: the brackets go onto the first and last item
    before the one join, so it is copied once (``b"[" + … + b"]"`` copied it twice more).
    """
    if not items:
        return b"[]"
    parts = items[:]  # the caller's list (the feed's answer) stays as it was
    parts[0] = b"[" + parts[0]
    parts[-1] += b"]"
    return b",".join(parts)


def respond_json_bytes(body: bytes, status: int = 200) -> web.Response:
    """A JSON response from an already encoded UTF-8 body."""
    return web.Response(
        body=body,
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=_HEADERS,
    )
