"""The simulator channel: per-room transcripts with one rising index, Inbounds like WeChat's."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.simulator import PRIVATE, SimulatorChannel
from bot.config import load_settings
from handlers.events import Inbound
from tests.support.harness import EXAMPLE_CONFIG, FakeClock

G1 = "room-maotang-g1"


@pytest.fixture
async def channel() -> SimulatorChannel:
    """A started channel whose bot answers every group message with an @ to the sender."""
    sim = SimulatorChannel(load_settings(EXAMPLE_CONFIG, env={}), FakeClock())
    heard: list[Inbound] = []

    async def bot(event: Inbound) -> None:
        heard.append(event)
        if event.room_id:
            await sim.say(event.room_id, f"收到：{event.text}", [event.sender_id])
        else:
            await sim.say_private(event.sender_id, "您好")

    await sim.start(bot)
    sim.heard = heard  # type: ignore[attr-defined]
    return sim


async def test_a_message_and_the_reply_land_in_the_room_in_order(
    channel: SimulatorChannel,
) -> None:
    await channel.post(G1, "wx-mt-li", "李网格长", "3栋路灯坏了")
    person, reply = channel.transcript(G1)
    assert (person.kind, person.sender_name, person.text) == ("person", "李网格长", "3栋路灯坏了")
    assert (reply.kind, reply.sender_name) == ("bot", "社区小助手")
    assert reply.text == "收到：3栋路灯坏了"
    assert reply.mention_ids == ("wx-mt-li",) and channel.name_of("wx-mt-li") == "李网格长"
    assert person.index < reply.index
    assert channel.transcript(G1, after=person.index) == [reply]
    assert channel.transcript("room-maotang-g2") == []


async def test_the_inbound_is_what_wechat_would_give(channel: SimulatorChannel) -> None:
    await channel.post(G1, "wx-mt-li", "李网格长", "@社区小助手 @张经理 看一下路灯")
    (event,) = channel.heard  # type: ignore[attr-defined]
    assert event.room_id == G1 and event.room_topic == "毛塘路1网格"
    assert event.is_to_bot and event.text == "@张经理 看一下路灯"
    assert event.mentions == ("wx-mt-zhang",)
    await channel.post(G1, "wx-mt-li", "李网格长", "再看一下")
    assert channel.heard[1].msg_id != event.msg_id  # type: ignore[attr-defined]


async def test_private_chat_is_a_room_of_its_own(channel: SimulatorChannel) -> None:
    await channel.post(PRIVATE + "wx-mt-liu", "wx-mt-liu", "刘阿姨", "你好")
    event = channel.heard[0]  # type: ignore[attr-defined]
    assert event.is_private and event.is_to_bot
    assert [m.text for m in channel.transcript(PRIVATE + "wx-mt-liu")] == ["你好", "您好"]


async def test_wait_returns_as_soon_as_something_is_said_and_on_stop(
    channel: SimulatorChannel,
) -> None:
    waiting = asyncio.create_task(channel.wait(G1, 0, timeout=10))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await channel.say(G1, "通知")
    assert [m.text for m in await asyncio.wait_for(waiting, 1)] == ["通知"]
    assert await channel.wait(G1, 99, timeout=0.05) == []  # nothing new: times out empty
    waiting = asyncio.create_task(channel.wait(G1, 99, timeout=10))
    await asyncio.sleep(0.01)
    await channel.stop()
    assert await asyncio.wait_for(waiting, 1) == []
    await asyncio.wait_for(channel.wait_closed(), 1)
    with pytest.raises(RuntimeError):
        await channel.post(G1, "wx-mt-li", "李网格长", "还在吗")


async def test_time_commands_need_time_travel(channel: SimulatorChannel) -> None:
    await channel.post(G1, "wx-mt-li", "李网格长", "/advance 1h")
    assert channel.transcript(G1)[-1].text == "本次运行不能调时间。"
    assert channel.heard == []  # type: ignore[attr-defined]  # never reaches the bot


async def test_transcripts_keep_the_latest_messages(channel: SimulatorChannel) -> None:
    for i in range(600):
        await channel.say(G1, f"消息{i}")
    kept = channel.transcript(G1)
    assert len(kept) == 500 and kept[-1].text == "消息599"
