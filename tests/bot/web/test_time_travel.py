"""Time travel is bounded: who may move the clock, how far, where, and how long it takes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import MAX_TRAVEL, TravelClock, parse_duration, time_command
from tests.support.web import START, SimulatorSite, web_user

G1, SIX = "room-maotang-g1", "room-maotang-6p"
GH1, GH_SIX = "room-guihua-g1", "room-guihua-6p"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[SimulatorSite]:
    """The simulator with a district account (``*``) besides the community ones."""
    district = web_user("jiedao", "jiedaojiedao", "*", role="secretary")
    s = await SimulatorSite.start(tmp_path, extra_users=[district])
    yield s
    await s.close()


def _system(site: SimulatorSite, room: str) -> list[str]:
    return [m.text for m in site.channel.transcript(room) if m.kind == "system"]


def _bot(site: SimulatorSite, room: str) -> list[str]:
    return [m.text for m in site.channel.transcript(room) if m.kind == "bot"]


async def test_a_community_account_cannot_move_every_communitys_clock(
    site: SimulatorSite,
) -> None:
    await site.login("wangshuji")  # 毛塘路's secretary has an urgent ticket left unanswered
    await site.send(G1, "wx-mt-li", "5栋电梯困人了，里面有老人")
    site.http.cookie_jar.clear()
    await site.login("linshuji")  # 桂花巷's secretary tries to jump a day
    before = site.app.clock()
    status, _ = await site.send(GH1, "wx-gh-tang", "/advance 1d")
    assert status == 200
    assert "只有街道账号" in _system(site, GH1)[-1]
    assert site.app.clock() - before < timedelta(minutes=1)  # the clock did not move
    assert sum("T1" in t for t in _bot(site, SIX)) == 1  # only the first alert, no escalation
    async with site.http.get(site.url("/simulator")) as resp:
        assert "/advance" not in await resp.text()  # the page does not offer it either


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("/advance 31d", "一次最多调 30 天"),
        ("/advance 9999999999d", "格式：/advance"),
        ("/time 9999-12-31 00:00", "一次最多调 30 天"),
        ("/time 0001-01-01", "一次最多调 30 天"),
        ("/time 2026-13-45", "格式：/time"),
    ],
)
async def test_out_of_bounds_travel_is_refused_with_a_reason(
    site: SimulatorSite, line: str, answer: str
) -> None:
    await site.login("jiedao")
    before = site.app.clock()
    status, _ = await site.send(SIX, "wx-mt-wang", line)
    assert status == 200
    assert answer in _system(site, SIX)[-1]
    assert abs(site.app.clock() - before) < timedelta(minutes=1)


def _count_stops(site: SimulatorSite) -> list[datetime]:
    stops: list[datetime] = []
    run_due = site.app.scheduler.run_due

    async def counted() -> int:
        stops.append(site.app.clock())
        return await run_due()

    site.app.scheduler.run_due = counted  # type: ignore[method-assign]
    return stops


async def test_a_week_runs_in_bounded_time_stopping_only_when_something_may_be_due(
    site: SimulatorSite,
) -> None:
    await site.login("jiedao")
    await site.send(G1, "wx-mt-li", "3栋2单元门口的路灯坏了")
    await site.send(GH1, "wx-gh-tang", "2栋门口垃圾没人清")
    stops = _count_stops(site)
    started = time.perf_counter()
    await site.send(SIX, "wx-mt-wang", "/advance 7d")
    elapsed = time.perf_counter() - started
    assert _system(site, SIX)[-1] == "[时间] 现在是 2026-12-03 09:00（周四）"
    # Every 5 minutes would be 2,016 stops; the follow-ups' due times, the midnights and the
    # rules' times of day are a few a day.
    assert len(stops) <= 7 * 8, len(stops)
    assert elapsed < 30, elapsed
    # What fell due went out at its time: the digests and the reminders of both tickets.
    said = _bot(site, SIX)
    # One each working day (27 November, 30 November to 3 December), none twice, none at the
    # weekend: the stops fall on the digest's hour of every day.
    briefs = [t.split("\n")[0] for t in said if t.startswith("【每日简报】")]
    assert len(briefs) == len(set(briefs)) == 5, briefs
    assert not any("周六" in b or "周日" in b for b in briefs)
    assert any(t.startswith("【催办】T1") for t in said)
    assert any(t.startswith("【超期】T1") for t in said)
    assert any(s.hour == 8 and s.minute == 0 for s in stops)  # the daily digest's hour


async def test_an_urgent_ticket_is_re_alerted_at_each_step_of_its_ladder(
    site: SimulatorSite,
) -> None:
    await site.login("jiedao")
    await site.send(G1, "wx-mt-li", "5栋电梯困人了，里面有老人")
    stops = _count_stops(site)
    await site.send(SIX, "wx-mt-wang", "/advance 1h")
    start = START.replace(tzinfo=TZ)
    minutes = [round((s - start).total_seconds() / 60) for s in stops]
    assert minutes[:2] == [15, 30]  # the jump stops at each re-alert, not once at the end
    assert minutes[-1] == 60


async def test_no_time_travel_while_a_real_chat_channel_is_connected(
    site: SimulatorSite,
) -> None:
    site.app.channel.real = True  # type: ignore[attr-defined]
    await site.login("jiedao")
    before = site.app.clock()
    await site.send(SIX, "wx-mt-wang", "/advance 1h")
    assert _system(site, SIX)[-1] == "已连接真实微信，不能调时间。"
    assert site.app.clock() - before < timedelta(minutes=1)
    with pytest.raises(PermissionError):
        await site.app.travel_to(before + timedelta(hours=1))


def test_durations_beyond_any_clock_are_not_understood() -> None:
    assert parse_duration("9999999999d") is None
    assert parse_duration("30d") == MAX_TRAVEL


async def test_time_command_answers_without_moving_for_a_refused_jump() -> None:
    clock = TravelClock(TZ)
    clock.set(datetime(2026, 11, 26, 9, 0))
    moved: list[datetime] = []

    async def travel(target: datetime) -> None:
        moved.append(target)

    assert "30 天" in await time_command("/advance 40d", clock, travel)
    assert moved == []
    assert "2026-11-26 11:00" in await time_command("/advance 2h", clock, travel) or moved
