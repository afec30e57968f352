"""XML 1.0-safe output for every code point class, and JSON bodies too deep to parse."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bot.web.open311_render import to_xml
from bot.web.simulator import json_depth
from bot.web.textsafe import xml_safe, xml_safe_data
from tests.support.web import SimulatorSite

# (class, sample code points, kept in XML 1.0?)
CLASSES: list[tuple[str, list[int], bool]] = [
    ("C0 controls", [0x00, 0x01, 0x02, 0x08, 0x0B, 0x0C, 0x0E, 0x1B, 0x1F], False),
    ("tab, line feed, carriage return", [0x09, 0x0A, 0x0D], True),
    ("ASCII", [0x20, 0x41, 0x7E], True),
    ("DEL and C1 controls", [0x7F, 0x80, 0x85, 0x9F], True),
    ("BMP letters, CJK", [0xA0, 0x4E00, 0x9FFF, 0xD7FF], True),
    ("lone surrogates", [0xD800, 0xDBFF, 0xDC00, 0xDFFF], False),
    ("private use", [0xE000, 0xF8FF], True),
    ("specials before the non-characters", [0xFFF9, 0xFFFD], True),
    ("the non-characters U+FFFE and U+FFFF", [0xFFFE, 0xFFFF], False),
    ("astral: emoji, CJK extension B, plane 16", [0x1F600, 0x20000, 0x10FFFF], True),
]


@pytest.mark.parametrize(("name", "points", "kept"), CLASSES, ids=[c[0] for c in CLASSES])
def test_every_code_point_class(name: str, points: list[int], kept: bool) -> None:
    text = "前" + "".join(chr(p) for p in points) + "后"
    shown = xml_safe(text)
    assert shown == (text if kept else "前后")
    # Whatever the text, the document parses and says what was kept.
    body = to_xml("service_requests", [{"description": text, "address": text}])
    root = ElementTree.fromstring(body)
    found = root.findtext("request/description")
    # XML parsers normalise a lone CR to LF: compare after the same normalisation.
    assert found == shown.replace("\r", "\n")
    # JSON of the same data encodes as UTF-8 (a lone surrogate would not).
    json.dumps(xml_safe_data({"d": text}), ensure_ascii=False).encode()


def test_nested_data_and_keys_are_cleaned() -> None:
    data = {"a\x02": ["x\ufffe", {"b": "y\x00"}], "n": 3, "t": True, "z": None}
    assert xml_safe_data(data) == {"a": ["x", {"b": "y"}], "n": 3, "t": True, "z": None}


@pytest.mark.parametrize(
    ("raw", "depth"),
    [
        ("{}", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"text": "[[[[[[[[[[[[["}', 1),  # brackets inside a string do not count
        ('{"text": "\\"[[[["}', 1),  # nor after an escaped quote
        ("[" * 100_000 + "]" * 100_000, 100_000),
    ],
)
def test_json_depth(raw: str, depth: int) -> None:
    assert json_depth(raw) == depth


async def test_deeply_nested_json_to_the_simulator_is_a_400(tmp_path: Path) -> None:
    site = await SimulatorSite.start(tmp_path)
    try:
        await site.login("wangshuji")
        for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 40_000 + "1" + "}" * 40_000):
            async with site.http.post(
                site.url("/simulator/api/send"),
                data=body,
                headers={"X-CSRF-Token": site.csrf, "Content-Type": "application/json"},
            ) as resp:
                assert resp.status == 400
                assert "嵌套太深" in await resp.text()
        status, _ = await site.send("room-maotang-g1", "wx-mt-li", "3栋路灯坏了")
        assert status == 200  # the server is fine afterwards
    finally:
        await site.close()
