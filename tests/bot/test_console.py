"""Console channel: parsing chat lines and printing replies."""

from __future__ import annotations

import io

from bot.channels.console import USAGE, ConsoleChannel
from bot.config import load_settings
from handlers.events import Inbound
from tests.support.harness import EXAMPLE_CONFIG, FakeClock


def _console(out: io.StringIO | None = None) -> ConsoleChannel:
    return ConsoleChannel(load_settings(EXAMPLE_CONFIG, env={}), FakeClock(), stdout=out)


def test_line_with_half_or_full_width_colon() -> None:
    c = _console()
    for line in ("[毛塘路1网格] 李网格长: 路灯坏了", "【毛塘路1网格】李网格长：路灯坏了"):
        ev = c.parse(line)
        assert isinstance(ev, Inbound)
        assert ev.room_id == "room-maotang-g1" and ev.room_topic == "毛塘路1网格"
        assert ev.sender_id == "wx-mt-li" and ev.sender_name == "李网格长"
        assert ev.text == "路灯坏了" and not ev.is_to_bot


def test_unknown_names_are_residents_and_unknown_groups_unbound() -> None:
    c = _console()
    ev = c.parse("[楼下麻将群] 路人甲: 你好")
    assert isinstance(ev, Inbound)
    assert ev.sender_id == "console-user:路人甲"
    assert ev.room_id == "console-room:楼下麻将群"


def test_private_line_and_mentions() -> None:
    c = _console()
    ev = c.parse("[私聊] 刘阿姨: 你好")
    assert isinstance(ev, Inbound) and ev.is_private and ev.is_to_bot
    ev = c.parse("[毛塘路社区六方议事群] 王书记: @社区小助手 @张经理 看一下")
    assert isinstance(ev, Inbound) and ev.is_to_bot
    assert ev.mentions == ("wx-mt-zhang",) and "社区小助手" not in ev.text


def test_malformed_and_blank_lines() -> None:
    c = _console()
    assert c.parse("no colon here") == USAGE
    assert c.parse("[毛塘路1网格] 没有冒号") == USAGE
    assert c.parse("   ") is None
    assert c.parse("# a comment in a transcript") is None


def test_every_message_gets_a_fresh_id() -> None:
    c = _console()
    a, b = c.parse("[毛塘路1网格] 李网格长: a"), c.parse("[毛塘路1网格] 李网格长: a")
    assert isinstance(a, Inbound) and isinstance(b, Inbound) and a.msg_id != b.msg_id


async def test_replies_are_printed_in_console_form() -> None:
    out = io.StringIO()
    c = _console(out)
    await c.say("room-maotang-g1", "已登记 T1", ["wx-mt-li"])
    await c.say_private("wx-mt-liu", "您好")
    assert out.getvalue().splitlines() == [
        "[毛塘路1网格] 社区小助手: @李网格长 已登记 T1",
        "[私聊→刘阿姨] 社区小助手: 您好",
    ]


async def test_a_mistyped_group_name_gets_a_clear_line_once() -> None:
    out = io.StringIO()
    lines = "[毛塘路一网格] 李网格长: 3栋路灯坏了\n[毛塘路一网格] 李网格长: 还是不亮\n"
    c = ConsoleChannel(
        load_settings(EXAMPLE_CONFIG, env={}), FakeClock(), stdin=io.StringIO(lines), stdout=out
    )
    heard: list[Inbound] = []

    async def on_inbound(ev: Inbound) -> None:
        heard.append(ev)

    await c.start(on_inbound)
    await c.wait_closed()
    assert out.getvalue().splitlines() == [
        "（配置里没有叫“毛塘路一网格”的群，按未绑定的新群处理。您是不是要找“毛塘路1网格”？）"
    ]
    assert len(heard) == 2  # still said, in a group of its own (it can be bound there)


def test_an_unknown_group_name_lists_the_groups_and_known_ones_say_nothing() -> None:
    c = _console()
    note = c.directory.unknown_topic("楼下麻将群")
    assert note is not None and "已有的群：毛塘路社区六方议事群、毛塘路1网格" in note
    assert c.directory.unknown_topic("毛塘路1网格") is None
    assert c.directory.unknown_topic("私聊") is None
