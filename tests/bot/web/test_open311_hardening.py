"""Open311 and HTTP edge cases per GeoReport v2, and a published client reading the feed.

The client is ``georeport`` (PyPI), a GeoReport v2 wrapper on ``requests`` and ``xmltodict``:
it reads services, a definition, the request list and one request in JSON and in XML from the
live server on 127.0.0.1, after requests carrying control characters and personal data were
posted. Nothing here leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from georeport import GeoReport
from sqlalchemy import text

from tests.support.web import API_KEY, DashboardSite

V2 = "/open311/v2"
REQUESTS = f"{V2}/requests.json"
# What a message may carry that the public must never see.
NASTY = [
    (
        "facility",
        "12栋1单元302门口路灯坏了\x02，业主王小明电话+86 138 0013 8000",
        "毛塘路12栋\x02",
    ),
    ("sanitation", "9-2-601楼下垃圾\ufffe没人清，微信liu_ayi_88，身份证110101199003071234", "9栋"),
    ("parking", "车堵消防通道\x1b[31m，联系+8613800138000或0571-8888 6666\uffff", "3楼302"),
    ("greening", "住户张三家门口树枝\x00断了，QQ 12345678，12-1-302", "毛塘路5栋"),
]
# The forms that must not appear in any published field.
FORBIDDEN = [
    re.compile(r"1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"),  # a whole mobile number, in any spacing
    re.compile(r"\d{4}[\s-]?\d{4}(?!\d)(?<=6666)"),  # the landline's local number
    re.compile(r"\d{17}[\dXx]"),  # an ID number
    re.compile(r"302|601"),  # the flats
    re.compile(r"liu_ayi_88|12345678"),  # WeChat and QQ ids
    re.compile(r"王小明|张三"),  # names after role words
]


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[DashboardSite]:
    """The demo bot; four requests with control characters and personal data posted."""
    web = await DashboardSite.start(tmp_path, seed=False)
    for code, description, address in NASTY:
        form = {
            "api_key": API_KEY,
            "service_code": code,
            "description": description,
            "address_string": address,
        }
        status, body = await web.post_form(REQUESTS, form)
        assert status == 200, body
    # A progress note that quotes the reporter's details becomes status_notes.
    six = "[毛塘路社区六方议事群] 张经理"
    await web.bot.say(f"{six}: 认领 T1")
    await web.bot.say(f"{six}: 进展 T1 已联系业主王小明（13800138000），12栋1单元302明天上门")
    # Text that reached the database by another road (an old row, a direct import) with
    # characters XML 1.0 forbids: the serializers must still produce well-formed output.
    with web.bot.db.session() as session:
        session.execute(
            text("UPDATE tickets SET text = text || :bad, location = :bad WHERE id = 2"),
            {"bad": "\x02\x1f\ufffe\uffff"},
        )
        session.commit()
    yield web
    await web.close()


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


def _assert_public(data: Any) -> None:
    for shown in _strings(data):
        for pattern in FORBIDDEN:
            assert not pattern.search(shown), (pattern.pattern, shown)


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_published_client_reads_everything_and_sees_no_personal_data(
    live: DashboardSite, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # requests must never use a proxy here
    client = GeoReport(live.url(V2), output_format=fmt)

    def read() -> tuple[Any, Any, Any, Any]:
        services = client.get_service_list()
        definition = client.get_service_definition("elevator")
        found = client.get_service_requests()
        one = client.get_service_request(
            (found[0] if isinstance(found, list) else found)["service_request_id"]
        )
        return services, definition, found, one

    services, definition, found, one = await asyncio.to_thread(read)
    assert len(services) == 13
    assert definition["service_code"] == "elevator"
    assert len(found) == 4
    assert {r["service_code"] for r in found} == {"facility", "sanitation", "parking", "greening"}
    assert one["service_request_id"] == found[0]["service_request_id"]
    _assert_public(found)
    _assert_public(one)
    shown = "".join(_strings(found))
    assert "路灯坏了" in shown and "12栋1单元**" in shown  # the report and building stay
    notes = [r["status_notes"] for r in found if r["service_request_id"] in (1, "1")]
    assert notes and "已联系业主王某" in notes[0] and "138****8000" in notes[0]
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", shown)


@pytest.mark.parametrize("path", ["/open311/discovery", f"{V2}/services", f"{V2}/requests"])
async def test_xml_is_well_formed_and_json_parses_strictly(live: DashboardSite, path: str) -> None:
    async with live.http.get(live.url(path + ".xml")) as resp:
        ElementTree.fromstring(await resp.read())
    async with live.http.get(live.url(path + ".json")) as resp:
        json.loads(await resp.read(), parse_constant=_no_constant)


def _no_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


@pytest.mark.parametrize(
    "value",
    ["9999-12-31", "0001-01-01T00:00:00", "0001-01-01", "9999-12-31T23:59:59+14:00", "1969-12-31"],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_extreme_dates_are_the_spec_400(live: DashboardSite, value: str, fmt: str) -> None:
    for name in ("start_date", "end_date"):
        async with live.http.get(live.url(f"{V2}/requests.{fmt}"), params={name: value}) as resp:
            assert resp.status == 400
            body = await resp.read()
        assert _error(body, fmt) == (400, name)


def _error(body: bytes, fmt: str) -> tuple[int, str]:
    if fmt == "json":
        (error,) = json.loads(body)
        return error["code"], error["description"].split()[0]
    root = ElementTree.fromstring(body)
    assert root.tag == "errors"
    (error,) = root.findall("error")
    return int(error.findtext("code") or 0), (error.findtext("description") or "").split()[0]


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_body_over_256_kb_is_the_spec_413(live: DashboardSite, fmt: str) -> None:
    form = {"api_key": API_KEY, "service_code": "facility", "description": "长" * 100_000}
    async with live.http.post(live.url(f"{V2}/requests.{fmt}"), data=form) as resp:
        assert resp.status == 413
        code, _ = _error(await resp.read(), fmt)
    assert code == 413


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/services"),
        ("DELETE", "/services"),
        ("POST", "/services/elevator"),
        ("PUT", "/requests"),
        ("POST", "/requests/1"),
    ],
)
async def test_a_wrong_method_is_the_spec_405(
    live: DashboardSite, fmt: str, method: str, path: str
) -> None:
    async with live.http.request(method, live.url(f"{V2}{path}.{fmt}")) as resp:
        assert resp.status == 405
        assert "GET" in resp.headers["Allow"]
        code, _ = _error(await resp.read(), fmt)
    assert code == 405


async def test_unknown_paths_stay_404_in_the_format_asked(live: DashboardSite) -> None:
    async with live.http.get(live.url(f"{V2}/nothing.xml")) as resp:
        assert resp.status == 404
        ElementTree.fromstring(await resp.read())


async def test_discovery_never_echoes_the_host_header(live: DashboardSite) -> None:
    async with live.http.get(
        live.url("/open311/discovery.json"), headers={"Host": "evil.example"}
    ) as resp:
        body = await resp.json()
    url = body["endpoints"][0]["url"]
    assert "evil.example" not in url and url == live.url(V2)


async def test_discovery_names_the_configured_public_url(tmp_path: Path) -> None:
    live = await DashboardSite.start(tmp_path, seed=False, public_url="https://bot.example.org/")
    try:
        async with live.http.get(
            live.url("/open311/discovery.json"), headers={"Host": "evil.example"}
        ) as resp:
            body = await resp.json()
        assert body["endpoints"][0]["url"] == "https://bot.example.org/open311/v2"
    finally:
        await live.close()


HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 302),  # a redirect to the log-in
        ("GET", "/tickets.csv", 302),
        ("GET", "/no/such/page", 302),
        ("GET", "/login", 200),
        ("POST", "/logout", 403),  # an error
        ("GET", "/static/style.css", 200),
        ("GET", f"{V2}/services.json", 200),
        ("GET", f"{V2}/requests/999.xml", 404),
        ("POST", f"{V2}/services.json", 405),
        ("GET", "/public/stats", 200),
    ],
)
async def test_security_headers_on_every_response(
    live: DashboardSite, method: str, path: str, status: int
) -> None:
    async with live.http.request(method, live.url(path), allow_redirects=False) as resp:
        assert resp.status == status
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]


async def test_a_request_with_coordinates_only_swallows_no_chat_report(tmp_path: Path) -> None:
    live = await DashboardSite.start(tmp_path, seed=False)
    try:
        form = {
            "api_key": API_KEY,
            "service_code": "elevator",
            "description": "电梯坏了",
            "lat": "30.274085",
            "long": "120.155070",
        }
        status, body = await live.post_form(REQUESTS, form)
        assert status == 200
        first = body[0]["service_request_id"]
        await live.bot.say("[毛塘路1网格] 李网格长: 50栋电梯坏了")
        await live.bot.say("[毛塘路2网格] 黄网格长: 60栋电梯坏了")
        assert live.bot.ticket(first).plus_ones == 0
        _, found = await live.get_json(f"{V2}/requests.json")
        assert len(found) == 3
        # A second request a few metres away about the same thing is the same request.
        near = {**form, "lat": "30.274300", "long": "120.155200", "description": "电梯又坏了"}
        _, again = await live.post_form(REQUESTS, near)
        assert again[0]["service_request_id"] == first
        far = {**form, "lat": "30.290000", "long": "120.170000"}
        _, other = await live.post_form(REQUESTS, far)
        assert other[0]["service_request_id"] != first
    finally:
        await live.close()
