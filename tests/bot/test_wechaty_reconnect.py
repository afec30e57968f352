"""Staying connected: the watchdog replaces a dead, silent or failing gateway connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.channels.base import SelfReporting
from bot.channels.console import ConsoleChannel
from storage.models import Ticket
from tests.support.manual_time import ManualTime
from tests.support.wechat import FAST, WeChatBot, running_bot, until

G1 = "毛塘路1网格"


@pytest.fixture
async def wechat(tmp_path: Path) -> AsyncIterator[WeChatBot]:
    async with running_bot(tmp_path, times=FAST) as bot:
        yield bot


def ticket_count(bot: WeChatBot) -> int:
    with bot.app.db.session() as s:
        return len(list(s.exec(select(Ticket))))


async def reconnected(bot: WeChatBot, starts: int) -> None:
    await until(lambda: bot.puppet.starts >= starts and bot.channel.events.online)


@pytest.fixture
async def manual_wechat(tmp_path: Path) -> AsyncIterator[tuple[WeChatBot, ManualTime]]:
    """A bot whose connection clock only moves when the test moves it (no real waiting)."""
    manual = ManualTime()
    async with running_bot(tmp_path, times=FAST, manual=manual) as bot:
        yield bot, manual


def counting_dings(bot: WeChatBot, *, answered: bool) -> list[str | None]:
    """Record the watchdog's dings; a ding ``answered`` gets its dong, as the gateway does."""
    dings: list[str | None] = []
    answer = bot.puppet.ding

    async def ding(data: str | None = "") -> None:
        dings.append(data)
        if answered:
            await answer(data)

    bot.puppet.ding = ding  # type: ignore[method-assign]
    return dings


def still_first_connection(bot: WeChatBot) -> bool:
    """Never dropped: one start, no stop, no loss, still online."""
    puppet, channel = bot.puppet, bot.channel
    return (puppet.starts, puppet.stops, channel.stats["lost"]) == (1, 0, 0) and (
        channel.events.online
    )


async def test_heartbeats_keep_a_quiet_connection(
    manual_wechat: tuple[WeChatBot, ManualTime],
) -> None:
    wechat, manual = manual_wechat
    dings = counting_dings(wechat, answered=False)  # only the heartbeats show it lives
    for _ in range(10):  # 10 × 0.25 s is more than twice the allowed quiet time of 1 s
        wechat.puppet.heartbeat()
        await manual.advance(0.25)
    assert still_first_connection(wechat) and dings == []  # never quiet enough to be probed
    await manual.advance(FAST.quiet)  # the heartbeats stop: probed, unanswered, dropped
    assert dings and wechat.channel.stats["lost"] == 1


async def test_a_quiet_connection_is_probed_and_kept_when_it_answers(
    manual_wechat: tuple[WeChatBot, ManualTime],
) -> None:
    wechat, manual = manual_wechat
    dings = counting_dings(wechat, answered=True)
    await manual.advance(2.5)  # no traffic at all, 2.5 times the allowed quiet time
    # Probed at half the quiet time after each dong: about five dings, each answered.
    assert len(dings) >= 4 and still_first_connection(wechat)


async def test_silent_after_gateway_restart_is_caught(
    manual_wechat: tuple[WeChatBot, ManualTime],
) -> None:
    wechat, manual = manual_wechat
    wechat.puppet.go_silent()  # no error, no heartbeat, dings unanswered
    lost = wechat.puppet.say(wechat.rooms[G1], wechat.person("刘阿姨"), "3栋路灯坏了")
    await manual.advance(FAST.quiet / 2)
    assert wechat.puppet.starts == 1  # probed, not yet given up on
    await manual.advance(FAST.quiet / 2 + FAST.backoff_max)  # dropped, then the retry is due
    await reconnected(wechat, starts=2)
    assert wechat.channel.stats["lost"] == 1 and lost not in _handled_ids(wechat)
    replies = await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")
    assert any("已登记 T1" in r for r in replies)


async def test_a_stream_that_ends_with_an_error_is_replaced(wechat: WeChatBot) -> None:
    wechat.puppet.crash(ConnectionResetError("stream reset by gateway"))
    await reconnected(wechat, starts=2)
    replies = await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")
    assert any("已登记 T1" in r for r in replies)


async def test_an_error_event_reconnects(wechat: WeChatBot) -> None:
    wechat.puppet.error("puppet service is down")
    await reconnected(wechat, starts=2)
    assert wechat.puppet.stops >= 1
    replies = await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")  # on the new link
    assert any("已登记 T1" in r for r in replies)
    assert ticket_count(wechat) == 1


async def test_a_gateway_that_is_down_is_retried_with_backoff(wechat: WeChatBot) -> None:
    wechat.puppet.start_errors = [ConnectionRefusedError("down")] * 3
    wechat.puppet.crash()
    await reconnected(wechat, starts=5)  # the first one, three refusals, then success
    replies = await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")
    assert any("已登记 T1" in r for r in replies)
    assert wechat.channel.watchdog.delay(3) > wechat.channel.watchdog.delay(0)


async def test_messages_received_before_a_crash_are_all_handled(wechat: WeChatBot) -> None:
    room = wechat.rooms[G1]
    lines = ["3栋2单元门口的路灯坏了", "9栋门口垃圾桶满了没人清", "6栋楼道里堆满了杂物"]
    start = wechat.channel.stats["received"]
    for i, text in enumerate(lines):
        wechat.puppet.say(room, wechat.person(f"居民{i}", G1), text)
    await until(lambda: wechat.channel.stats["received"] == start + 3)
    wechat.puppet.crash(ConnectionResetError("gone"))
    await reconnected(wechat, starts=2)
    await wechat.settle()
    assert ticket_count(wechat) == 3


async def test_stop_finishes_what_was_received(tmp_path: Path) -> None:
    bot = WeChatBot(tmp_path, times=FAST)
    await bot.start()
    room = bot.rooms[G1]
    start = bot.channel.stats["received"]
    bot.puppet.say(room, bot.person("李网格长"), "3栋2单元门口的路灯坏了")
    bot.puppet.say(room, bot.person("刘阿姨"), "9栋门口垃圾桶满了没人清")
    await until(lambda: bot.channel.stats["received"] == start + 2)
    await bot.stop()
    assert bot.channel.stats["handled"] == start + 2
    assert ticket_count(bot) == 2  # the app closed its pool; the file is still there


async def test_the_secretaries_hear_of_a_long_disconnection(tmp_path: Path) -> None:
    manual = ManualTime()
    bot = WeChatBot(tmp_path, times=FAST, offline_notice_seconds=0.5, manual=manual)
    await bot.start()
    try:
        bot.puppet.go_silent()
        await manual.advance(FAST.quiet + FAST.backoff_max)  # offline for more than 0.5 s
        await reconnected(bot, starts=2)
        await until(lambda: len(bot.puppet.sent) >= 2)
        told = {s.conversation_id: s.text for s in bot.puppet.sent}
        assert set(told) == {"wx-mt-wang", "wx-gh-lin"}
        assert all("掉线约" in t and "再发一次" in t for t in told.values())
    finally:
        await bot.stop()


def _handled_ids(bot: WeChatBot) -> set[str]:
    with bot.app.db.session() as s:
        return {t.source_msg_id.split(":", 1)[1] for t in s.exec(select(Ticket))}


async def test_logout_then_a_new_scan_in_the_same_connection(wechat: WeChatBot) -> None:
    from wechaty_puppet import EventLoginPayload, EventLogoutPayload

    bot_id = wechat.puppet.bot_id
    wechat.puppet.emit("logout", EventLogoutPayload(contact_id=bot_id, data="kicked out"))
    await until(lambda: not wechat.channel.events.online)
    assert "微信已退出登录" in wechat.out.getvalue()
    with pytest.raises(ConnectionError):
        await wechat.channel.say(wechat.rooms[G1], "测试")
    # wechaty itself ignores a second login in one connection; the channel does not.
    wechat.puppet.emit("login", EventLoginPayload(contact_id=bot_id))
    await until(lambda: wechat.channel.events.online)
    assert wechat.puppet.starts == 1
    replies = await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")
    assert any("已登记 T1" in r for r in replies)


async def test_the_app_wires_the_channels_notices_and_losses(wechat: WeChatBot) -> None:
    # WeChat speaks by itself and drops links: the app queues its notices and hears of losses.
    assert isinstance(wechat.channel, SelfReporting)
    assert wechat.channel.notify == wechat.app.queue_replies
    assert wechat.channel.lost_listeners == [wechat.app._channel_lost]
    assert not isinstance(ConsoleChannel(wechat.settings, wechat.clock), SelfReporting)
