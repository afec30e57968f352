"""The chat simulator over real HTTP, in the app as ``make run`` composes it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.support.web import API_KEY, DashboardSite, SimulatorSite, web_user

G1, SIX = "room-maotang-g1", "room-maotang-6p"
GH1 = "room-guihua-g1"


@pytest.fixture
async def site(database: Database, tmp_path: Path) -> AsyncIterator[SimulatorSite]:
    """The app on the simulator channel, with wangshuji (毛塘路社区) logged in."""
    s = await SimulatorSite.start(tmp_path, database_url=database.url)
    await s.login("wangshuji")
    yield s
    await s.close()


async def test_a_report_gets_its_receipt_and_its_card(site: SimulatorSite) -> None:
    status, body = await site.send(G1, "wx-mt-li", "3栋2单元门口的路灯坏了好几天了")
    assert status == 200 and body["room"] == G1
    person, receipt = await site.messages(G1)
    assert (person["kind"], person["name"]) == ("person", "李网格长")
    assert receipt["kind"] == "bot" and receipt["name"] == "社区小助手"
    assert receipt["text"].startswith("已登记 T1（小事·线上议）")
    assert receipt["mentions"] == [{"id": "wx-mt-li", "name": "李网格长"}]
    assert receipt["index"] > person["index"]
    (card,) = await site.messages(SIX)
    assert "【T1 小事·线上议】公共设施" in card["text"]
    assert {"id": "wx-mt-zhang", "name": "张经理"} in card["mentions"]
    # The property manager claims it in the six-party group; the reporter's group is told.
    await site.send(SIX, "wx-mt-zhang", "认领 T1")
    after = await site.messages(G1, after=receipt["index"])
    assert any("T1" in m["text"] and "张经理" in m["text"] for m in after)


async def test_long_poll_returns_when_the_bot_speaks(site: SimulatorSite) -> None:
    waiting = asyncio.create_task(site.messages(SIX, wait=True))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await site.send(G1, "wx-mt-li", "5栋楼下垃圾桶满了没人清")
    (card,) = await asyncio.wait_for(waiting, 5)
    assert "【T1" in card["text"]


async def test_private_chat_and_a_resident_not_in_the_config(site: SimulatorSite) -> None:
    status, body = await site.send("private:", "wx-mt-liu", "你好")
    assert status == 200 and body["room"] == "private:wx-mt-liu"
    hello, answer = await site.messages("private:wx-mt-liu")
    assert hello["text"] == "你好" and "社区小助手" in answer["text"]
    status, body = await site.send(
        G1, "custom", "3栋楼道里堆满了纸箱", name="3栋王阿姨", community="maotang"
    )
    assert status == 200
    person, receipt = await site.messages(G1)
    assert person["name"] == "3栋王阿姨" and person["sender"] == "sim-user:maotang:3栋王阿姨"
    assert receipt["mentions"][0]["name"] == "3栋王阿姨"


async def test_time_travel_in_the_simulator(tmp_path: Path) -> None:
    district = web_user("jiedao", "jiedaojiedao", "*", role="secretary")
    site = await SimulatorSite.start(tmp_path, extra_users=[district])
    try:
        await site.login("jiedao")
        await site.send(G1, "wx-mt-li", "3栋2单元门口的路灯坏了")
        await site.send(SIX, "wx-mt-wang", "/advance 1d")
        notes = [m for m in await site.messages(SIX) if m["kind"] == "system"]
        assert notes[-1]["text"] == "[时间] 现在是 2026-11-27 09:00（周五）"
        # What fell due that day went out, after the card: the meeting notice of the 26th
        # (an hour before the meeting) and the morning brief of the 27th.
        said = [m["text"] for m in await site.messages(SIX) if m["kind"] == "bot"]
        card, *fell_due = said
        assert card.startswith("【T1 小事·线上议】")
        assert [text.splitlines()[0] for text in fell_due] == [
            "【议事厅会议通知】",
            "【每日简报】11月27日（周五）",
        ]
        assert "时间：11月26日（周四）15:00（1小时后）" in fell_due[0]
        assert "昨日新报事 1 件（急事 0、小事 1、难事 0）" in fell_due[1]
    finally:
        await site.close()


async def test_an_open311_request_shows_up_in_the_simulated_six_party_group(
    site: SimulatorSite,
) -> None:
    form = {
        "api_key": API_KEY,
        "service_code": "elevator",
        "description": "电梯按钮失灵",
        "address_string": "6栋",
    }
    async with site.http.post(site.url("/open311/v2/requests.json"), data=form) as resp:
        assert resp.status == 200
    for _ in range(50):  # the card is sent in the background of the POST
        cards = await site.messages(SIX)
        if cards:
            break
        await asyncio.sleep(0.02)
    assert "【网上报事】" in cards[0]["text"] and "【T1" in cards[0]["text"]


async def test_the_page_shows_only_the_users_community(site: SimulatorSite) -> None:
    async with site.http.get(site.url("/simulator")) as resp:
        page = await resp.text()
        csp = resp.headers["Content-Security-Policy"]
    assert "毛塘路1网格" in page and "李网格长" in page and 'href="/simulator"' in page
    assert "桂花巷" not in page and "唐网格长" not in page
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert '<script src="/static/simulator.js"' in page
    async with site.http.get(site.url("/static/simulator.js")) as resp:
        assert resp.status == 200 and "textContent" in await resp.text()


@pytest.mark.parametrize(
    ("room", "member", "status"),
    [
        (GH1, "wx-gh-tang", 403),  # another community's group and member
        (G1, "wx-gh-tang", 403),  # another community's member
        (GH1, "wx-mt-li", 403),  # another community's group
        ("room-nowhere", "wx-mt-li", 403),
        ("private:wx-gh-zhou", "wx-mt-li", 403),  # someone else's private chat
        (G1, "custom", 400),  # a resident needs a name
    ],
)
async def test_refusals(site: SimulatorSite, room: str, member: str, status: int) -> None:
    got, _ = await site.send(room, member, "3栋路灯坏了")
    assert got == status
    async with site.http.get(site.url("/simulator/api/messages"), params={"room": GH1}) as resp:
        assert resp.status == 403
    assert site.channel.transcript(GH1) == [] and site.channel.transcript(G1) == []


async def test_login_and_csrf_are_required(site: SimulatorSite) -> None:
    token, site.csrf = site.csrf, ""
    status, _ = await site.send(G1, "wx-mt-li", "没有令牌")
    assert status == 403
    site.csrf = "forged"
    assert (await site.send(G1, "wx-mt-li", "假令牌"))[0] == 403
    site.csrf = token
    site.http.cookie_jar.clear()
    async with site.http.get(site.url("/simulator"), allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"].startswith("/login")
    async with site.http.get(
        site.url("/simulator/api/messages"), params={"room": G1}, allow_redirects=False
    ) as resp:
        assert resp.status == 302
    assert (await site.send(G1, "wx-mt-li", "未登录"))[0] == 403
    assert site.channel.transcript(G1) == []


async def test_a_district_user_sees_every_community(tmp_path: Path) -> None:
    district = web_user("jiedao", "jiedaojiedao", "*", role="secretary")
    s = await SimulatorSite.start(tmp_path, extra_users=[district])
    try:
        await s.login("jiedao")
        assert (await s.send(GH1, "wx-gh-tang", "2栋门口垃圾没人清"))[0] == 200
        assert (await s.send(G1, "wx-mt-li", "3栋路灯坏了"))[0] == 200
    finally:
        await s.close()


async def test_without_the_simulator_channel_the_page_says_so(tmp_path: Path) -> None:
    site = await DashboardSite.start(tmp_path, seed=False)  # the bot's channel is no simulator
    try:
        await site.login("wangshuji")
        status, page = await site.get("/simulator")
        assert status == 200 and "聊天模拟器没有运行" in page
        assert 'href="/simulator"' not in page
        status, _ = await site.post("/simulator/api/send", {"text": "x"})
        assert status == 404
    finally:
        await site.close()


async def test_someone_added_on_the_people_page_can_be_chatted_as_at_once(
    site: SimulatorSite,
) -> None:
    """The simulator offers the database's members, not the config's: the directory is the
    database's after the first start."""
    from storage.directory_edit import set_member

    status, _ = await site.send(G1, "wx-new-guard", "认领 T1")
    assert status == 403  # nobody of that id yet
    with site.app.db.session() as s:
        set_member(s, "maotang", "wx-new-guard", "新保安", "property")
        s.commit()
    assert "新保安" in {m.name for m in site.channel.members}
    await site.send(G1, "wx-mt-li", "3栋2单元门口的路灯坏了好几天了")
    status, _ = await site.send(SIX, "wx-new-guard", "认领 T1")
    assert status == 200
    *_, said, reply = await site.messages(SIX)
    assert said["name"] == "新保安" and "T1 由您负责" in reply["text"]  # accepted as 物业
