"""Open311 POST requests.json over real HTTP: the request becomes a ticket and a card."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from tests.support.fakes import Worried
from tests.support.harness import shared_nlp
from tests.support.web import API_KEY, DashboardSite

REQUESTS = "/open311/v2/requests.json"
SIX = "[毛塘路社区六方议事群]"
LAMP = {
    "api_key": API_KEY,
    "service_code": "facility",
    "description": "3栋2单元门口的路灯坏了，晚上很黑",
    "address_string": "毛塘路3栋2单元门口",
    "lat": "30.274085",
    "long": "120.155070",
    # Personal data a client may send: accepted, never stored, published or echoed.
    "first_name": "建国",
    "last_name": "欧阳",
    "phone": "13987654321",
    "email": "ouyang@example.com",
    "device_id": "device-42",
    "account_id": "acct-7",
}
LEANING = "5栋外墙有一块好像歪了"  # made 可能是急事 by ``Worried``
PERSONAL = ("欧阳", "建国", "13987654321", "ouyang@example.com", "device-42", "acct-7")


@pytest.fixture
async def live(database: Database, tmp_path: Path) -> AsyncIterator[DashboardSite]:
    """The demo bot served with an Open311 API key, on every backend."""
    web = await DashboardSite.start(tmp_path, seed=False, database_url=database.url)
    yield web
    await web.close()


async def sent_after(live: DashboardSite, start: int) -> list[str]:
    """What the bot posted in the chat since ``start`` (the POST sends in the background)."""
    await live.bot.sender.flush()
    return live.bot.channel.sent[start:]


async def test_a_request_becomes_a_ticket_with_its_card_in_the_six_party_group(
    live: DashboardSite,
) -> None:
    async with live.http.post(live.url(REQUESTS), data=LAMP) as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        raw = await resp.text()
        body = await resp.json()
    assert set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    assert body[0]["service_request_id"] == 1 and body[0]["account_id"] is None
    assert body[0]["service_notice"].startswith("小事线上议，预计 2026-12-01 18:00")
    (card,) = await sent_after(live, 0)
    assert card.startswith(f"{SIX} @张经理 【网上报事】")
    assert "【T1 小事·线上议】公共设施" in card and "位置：毛塘路3栋2单元门口" in card
    assert "请物业回复「认领 T1」接单" in card
    _, (request,) = await live.get_json("/open311/v2/requests/1.json")
    assert request["lat"] == 30.274085 and request["long"] == 120.15507
    assert request["address"] == "毛塘路社区 毛塘路3栋2单元门口"
    assert request["status"] == "open" and request["service_code"] == "facility"
    assert request["expected_datetime"] == "2026-12-01T18:00:00+08:00"
    async with live.http.get(live.url("/open311/v2/requests.json")) as resp:
        published = await resp.text()
    for secret in PERSONAL:
        assert secret not in raw and secret not in published and secret not in card
    assert_not_stored(live, PERSONAL)


def assert_not_stored(live: DashboardSite, secrets: tuple[str, ...]) -> None:
    """No text column of any table holds any of ``secrets``."""
    with live.bot.db.engine.connect() as conn:
        for table, columns in {
            "tickets": ("reporter_id", "reporter_name", "text", "location", "cues"),
            "ticket_events": ("actor_id", "actor_name", "note"),
            "outbox": ("text", "mention_ids"),
        }.items():
            for column in columns:
                values = conn.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
                for secret in secrets:
                    assert not any(secret in (v or "") for v in values), (table, column, secret)


async def test_the_ticket_then_flows_through_the_chat_like_any_report(live: DashboardSite) -> None:
    status, _body = await live.post_form(REQUESTS, LAMP)
    assert status == 200
    await live.bot.say(f"{SIX} 张经理: 认领 T1")
    await live.bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    _, (request,) = await live.get_json("/open311/v2/requests/1.json")
    assert request["status"] == "closed"
    assert request["status_notes"] == "已办结：已更换灯泡"


async def test_an_urgent_request_alerts_the_responders(live: DashboardSite) -> None:
    form = {
        "api_key": API_KEY,
        "service_code": "utilities",
        "description": "5栋一楼楼道里很大的煤气味，好像漏气了",
        "address_string": "5栋一楼楼道",
    }
    status, body = await live.post_form(REQUESTS, form)
    assert status == 200 and body[0]["service_notice"].startswith("急事现场议")
    (card,) = await sent_after(live, 0)
    assert "【T1 急事·现场议】" in card and "到场 T1" in card
    assert "@张经理" in card and "@王书记" in card


async def test_jurisdiction_and_address_choose_the_community(live: DashboardSite) -> None:
    form = {**LAMP, "jurisdiction_id": "guihua", "address_string": "2栋门口"}
    assert (await live.post_form(REQUESTS, form))[0] == 200
    form = {**LAMP, "address_string": "桂花巷5栋北门"}
    assert (await live.post_form(REQUESTS, form))[0] == 200
    sent = await sent_after(live, 0)
    # Cards from the web are notices: two queued together may go as one message.
    assert {line.split("]")[0] + "]" for line in sent} == {"[桂花巷社区六方议事群]"}
    assert sum(line.count("【T") for line in sent) == 2
    _, found = await live.get_json("/open311/v2/requests.json", jurisdiction_id="guihua")
    assert len(found) == 2


async def test_coordinates_alone_are_a_location(live: DashboardSite) -> None:
    form = {k: v for k, v in LAMP.items() if k not in ("address_string", "description")}
    status, _body = await live.post_form(REQUESTS, {**form, "description": "路灯不亮"})
    assert status == 200
    (card,) = await sent_after(live, 0)
    assert "位置：坐标 30.274085,120.155070" in card


async def test_the_same_problem_again_joins_the_open_request(live: DashboardSite) -> None:
    _, first = await live.post_form(REQUESTS, LAMP)
    _, again = await live.post_form(REQUESTS, {**LAMP, "description": "3栋2单元门口路灯坏了"})
    assert again[0]["service_request_id"] == first[0]["service_request_id"]
    assert "已合并" in again[0]["service_notice"]
    assert len(await sent_after(live, 0)) == 1  # one card, not two


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code is required"),
        ({"service_code": "potholes"}, 400, "potholes"),
        ({"address_string": "", "lat": "", "long": ""}, 400, "location"),
        ({"address_string": "", "lat": "", "long": "", "address_id": "7"}, 400, "address_id"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "91"}, 400, "lat"),
        ({"description": "长" * 4001}, 400, "4000"),
        ({"jurisdiction_id": "atlantis"}, 400, "jurisdiction_id"),
    ],
)
async def test_refused_requests_get_the_spec_error_body_and_change_nothing(
    live: DashboardSite, change: dict[str, str], status: int, words: str
) -> None:
    got, body = await live.post_form(REQUESTS, {**LAMP, **change})
    assert got == status
    assert body[0]["code"] == status and words in body[0]["description"]
    assert await sent_after(live, 0) == []
    assert (await live.get_json("/open311/v2/requests.json"))[1] == []


async def test_no_api_key_configured_means_no_submissions(tmp_path: Path) -> None:
    live = await DashboardSite.start(tmp_path, seed=False, api_key="")
    try:
        status, body = await live.post_form(REQUESTS, {**LAMP, "api_key": ""})
        assert status == 403 and "not enabled" in body[0]["description"]
    finally:
        await live.close()


async def test_xml_post_response(live: DashboardSite) -> None:
    async with live.http.post(live.url("/open311/v2/requests.xml"), data=LAMP) as resp:
        assert resp.status == 200
        body = await resp.text()
    assert "<service_requests><request><service_request_id>1</service_request_id>" in body


async def test_a_request_that_may_be_an_emergency_asks_the_on_duty_people(
    database: Database, tmp_path: Path
) -> None:
    """Nobody in a chat can answer 「急」 for a web request: the on-duty people are asked."""
    nlp = Worried(shared_nlp(), [LEANING])
    live = await DashboardSite.start(tmp_path, seed=False, database_url=database.url, nlp=nlp)
    leaning = {**LAMP, "service_code": "safety", "description": LEANING}
    async with live.http.post(live.url(REQUESTS), data=leaning) as resp:
        assert resp.status == 200
    card, check = await sent_after(live, 0)
    await live.close()
    assert "【T1 小事·线上议】" in card
    assert check.startswith(f"{SIX} @") and "【可能是急事 T1】" in check
    assert "改为 急事 T1" in check
