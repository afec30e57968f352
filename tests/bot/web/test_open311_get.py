"""Open311 GeoReport v2 GET endpoints over real HTTP: field names, formats, filters, errors."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bot.web import open311, reads
from bot.web.open311_feed import RequestFeed
from storage.db import Database
from tests.support.locks import locked_out
from tests.support.web import DashboardSite

V2 = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
LAMP = "[毛塘路1网格] 刘阿姨: 3栋2单元门口的路灯坏了，有事打我电话13987654321"
NOISE = "[毛塘路2网格] 孙大爷: 5栋楼上装修噪音太大了，晚上十点还在电钻"
GUIHUA = "[桂花巷1网格] 周奶奶: 2栋门口垃圾堆了好几天没人清运，味道很大"


@pytest.fixture
async def live(database: Database, tmp_path: Path) -> AsyncIterator[DashboardSite]:
    """The demo bot with three chat reports, served on every backend."""
    web = await DashboardSite.start(tmp_path, seed=False, database_url=database.url)
    for line in (LAMP, NOISE, GUIHUA):
        await web.bot.say(line)
    yield web
    await web.close()


async def test_services_list_every_category_with_the_spec_fields(live: DashboardSite) -> None:
    async with live.http.get(live.url(f"{V2}/services.json")) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert resp.charset == "utf-8"
        services = await resp.json()
    assert len(services) == 13
    for s in services:
        assert set(s) == {
            "service_code", "service_name", "description", "metadata", "type", "keywords",
            "group",
        }  # fmt: skip
        assert s["metadata"] is False and s["type"] == "realtime"
    by_code = {s["service_code"]: s for s in services}
    assert by_code["facility"]["service_name"] == "公共设施"
    assert "none" not in by_code


async def test_service_definition_and_unknown_service(live: DashboardSite) -> None:
    status, body = await live.get_json(f"{V2}/services/elevator.json")
    assert (status, body) == (200, {"service_code": "elevator", "attributes": []})
    status, body = await live.get_json(f"{V2}/services/potholes.json")
    assert status == 404
    assert body[0]["code"] == 404 and "potholes" in body[0]["description"]


async def test_requests_have_exactly_the_spec_fields_and_no_personal_data(
    live: DashboardSite,
) -> None:
    async with live.http.get(live.url(f"{V2}/requests.json")) as resp:
        raw = await resp.text()
        assert resp.status == 200
    for secret in ("刘阿姨", "孙大爷", "周奶奶", "13987654321", "wx-mt-liu"):
        assert secret not in raw
    _status, requests = await live.get_json(f"{V2}/requests.json")
    assert len(requests) == 3
    assert [r["service_request_id"] for r in requests] == [3, 2, 1]  # newest first
    for r in requests:
        assert set(r) == REQUEST_FIELDS
        assert r["status"] == "open"
        assert W3C.match(r["requested_datetime"]) and W3C.match(r["updated_datetime"])
        assert r["expected_datetime"] is None or W3C.match(r["expected_datetime"])
    lamp = requests[-1]
    assert lamp["service_code"] == "facility" and lamp["service_name"] == "公共设施"
    assert "139****4321" in lamp["description"]
    assert lamp["requested_datetime"] == "2026-11-26T09:00:00+08:00"
    assert lamp["agency_responsible"] == "毛塘路社区物业"
    assert lamp["address"].startswith("毛塘路社区 1网格") and "3栋2单元" in lamp["address"]
    assert lamp["service_notice"] == "小事线上议"
    assert lamp["status_notes"] == "已登记"


async def test_one_request_and_unknown_ids(live: DashboardSite) -> None:
    status, body = await live.get_json(f"{V2}/requests/1.json")
    assert status == 200 and len(body) == 1 and body[0]["service_request_id"] == 1
    for bad in ("999", "abc"):
        status, body = await live.get_json(f"{V2}/requests/{bad}.json")
        assert status == 404 and body[0]["code"] == 404


async def test_status_follows_the_ticket_and_notes_say_what_was_done(live: DashboardSite) -> None:
    await live.bot.say("[毛塘路社区六方议事群] 张经理: 认领 T1")
    await live.bot.say("[毛塘路社区六方议事群] 张经理: 办结 T1 已更换灯泡，刘阿姨请放心")
    _, closed = await live.get_json(f"{V2}/requests.json", status="closed")
    assert [r["service_request_id"] for r in closed] == [1]
    assert closed[0]["status_notes"] == "已办结：已更换灯泡，报事人请放心"
    _, still_open = await live.get_json(f"{V2}/requests.json", status="open")
    assert [r["service_request_id"] for r in still_open] == [3, 2]
    _, both = await live.get_json(f"{V2}/requests.json", status="open,closed")
    assert len(both) == 3


@pytest.mark.parametrize("in_thread", ["", "INLINE_RENDER", "INLINE_STEPS"])
async def test_cached_answers_follow_every_change(
    live: DashboardSite, monkeypatch: pytest.MonkeyPatch, in_thread: str
) -> None:
    if in_thread:  # every rendering, or every read past a step, handed to the thread
        monkeypatch.setattr(open311, in_thread, 0)  # (on SQLite they run on the loop)
    if in_thread == "INLINE_STEPS":
        monkeypatch.setattr(reads, "STEP", 1)  # the budget checked at every step
    _, before = await live.get_json(f"{V2}/requests.json")
    assert {r["status"] for r in before} == {"open"}
    assert (await live.get_json(f"{V2}/requests.json"))[1] == before  # now kept whole
    await live.bot.say("[毛塘路社区六方议事群] 张经理: 认领 T2")
    await live.bot.say("[毛塘路社区六方议事群] 张经理: 驳回 T2 不属于物业，已转城管，电话12319")
    _, after = await live.get_json(f"{V2}/requests.json")
    changed = {r["service_request_id"]: r for r in after}[2]
    assert changed["status"] == "closed"
    assert changed["status_notes"] == "已驳回：不属于物业，已转城管，电话12319"
    assert changed["updated_datetime"] >= before[1]["updated_datetime"]
    assert [r for r in after if r["service_request_id"] != 2] == [
        r for r in before if r["service_request_id"] != 2
    ]


async def test_a_busy_database_is_read_in_the_thread_with_the_same_answer(
    live: DashboardSite, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite busy (another process holds the file): the event loop does not wait for the
    lock, the thread does, and the answers are the same bytes."""
    if database.dialect != "sqlite":
        pytest.skip("SQLite only")
    paths = (f"{V2}/requests.json", f"{V2}/requests/2.xml", f"{V2}/requests.json?status=open")

    async def get(path: str) -> bytes:
        async with live.http.get(live.url(path)) as resp:
            assert resp.status == 200
            return await resp.read()

    async def answers() -> list[bytes]:  # at once: each finds the file locked
        return list(await asyncio.gather(*map(get, paths)))

    before = await answers()
    threads: list[str] = []
    answer = RequestFeed.answer

    def recorded(feed: RequestFeed, *args: object) -> list[bytes]:
        threads.append(threading.current_thread().name)
        return answer(feed, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(RequestFeed, "answer", recorded)
    reader = live.server.app[open311.OPEN311_READER]
    # The dispatcher holds its writing connection between messages: it lets go too.
    engines = (
        database.engine.dispose,
        live.bot.dispatcher.close,
        live.bot.db.engine.dispose,
        reader.dispose,
    )
    with locked_out(str(database.engine.url.database), *engines) as release:
        asyncio.get_running_loop().call_later(0.3, release)  # the loop stays free to do it
        during = await answers()
    assert during == before
    assert len(threads) == len(paths) and "MainThread" not in threads
    threads.clear()
    assert await answers() == before and threads == []  # back on the loop


async def test_filters_by_service_code_jurisdiction_and_ids(live: DashboardSite) -> None:
    _, noise = await live.get_json(f"{V2}/requests.json", service_code="noise")
    assert [r["service_code"] for r in noise] == ["noise"]
    _, two = await live.get_json(f"{V2}/requests.json", service_code="noise,sanitation")
    assert {r["service_code"] for r in two} == {"noise", "sanitation"}
    _, guihua = await live.get_json(f"{V2}/requests.json", jurisdiction_id="guihua")
    assert [r["service_request_id"] for r in guihua] == [3]
    # service_request_id overrides every other argument, as the spec says.
    _, ids = await live.get_json(
        f"{V2}/requests.json", service_request_id="1,T3", service_code="noise"
    )
    assert sorted(r["service_request_id"] for r in ids) == [1, 3]


async def test_date_range(live: DashboardSite) -> None:
    _, inside = await live.get_json(
        f"{V2}/requests.json", start_date="2026-11-26T08:00:00+08:00", end_date="2026-11-27"
    )
    assert len(inside) == 3
    _, utc = await live.get_json(
        f"{V2}/requests.json", start_date="2026-11-20T00:00:00Z", end_date="2026-11-26T00:59:00Z"
    )
    assert utc == []  # 09:00 in Shanghai is 01:00 UTC
    _, before = await live.get_json(f"{V2}/requests.json", end_date="2026-11-25T00:00:00+08:00")
    assert before == []
    # An unescaped "+" in the query arrives as a space; it still means +08:00.
    async with live.http.get(
        live.url(f"{V2}/requests.json?start_date=2026-11-26T08:59:00+08:00")
    ) as resp:
        assert resp.status == 200 and len(await resp.json()) == 3


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"status": "pending"}, "status"),
        ({"service_code": "potholes"}, "service_code"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-11-01"}, "90 days"),
        ({"start_date": "2026-11-02", "end_date": "2026-11-01"}, "before"),
        ({"service_request_id": "1,x"}, "service_request_id"),
        ({"jurisdiction_id": "atlantis"}, "jurisdiction_id"),
    ],
)
async def test_bad_parameters_get_400_with_the_spec_error_body(
    live: DashboardSite, params: dict[str, str], words: str
) -> None:
    status, body = await live.get_json(f"{V2}/requests.json", **params)
    assert status == 400
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == 400 and words in body[0]["description"]


async def test_xml_format_and_unknown_formats_and_paths(live: DashboardSite) -> None:
    async with live.http.get(live.url(f"{V2}/services.xml")) as resp:
        assert resp.status == 200 and resp.content_type == "text/xml"
        root = ElementTree.fromstring(await resp.read())
    assert root.tag == "services" and len(root.findall("service")) == 13
    assert root.find("service/metadata").text == "false"  # type: ignore[union-attr]
    async with live.http.get(live.url(f"{V2}/requests.xml")) as resp:
        root = ElementTree.fromstring(await resp.read())
    assert root.tag == "service_requests" and len(root.findall("request")) == 3
    async with live.http.get(live.url(f"{V2}/requests.xml?status=x")) as resp:
        assert resp.status == 400
        root = ElementTree.fromstring(await resp.read())
    assert root.tag == "errors" and root.find("error/code").text == "400"  # type: ignore[union-attr]
    status, body = await live.get_json(f"{V2}/services.csv")
    assert status == 400 and "format" in body[0]["description"]
    status, body = await live.get_json(f"{V2}/tokens/abc.json")
    assert status == 404 and body[0]["code"] == 404


async def test_discovery_names_the_endpoint(live: DashboardSite) -> None:
    status, body = await live.get_json("/open311/discovery.json")
    assert status == 200
    (endpoint,) = body["endpoints"]
    assert endpoint["url"] == live.url(V2)
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in endpoint["formats"]
