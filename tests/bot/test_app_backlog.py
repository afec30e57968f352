"""While received WeChat messages wait, the app handles them before sending the replies of the
ones before (one flush for the lot), and sends what it held back once none waits; a channel
without a backlog (the console) gets each message's replies before the next."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.app import App
from bot.app_backlog import HOLD_BACK_MAX
from bot.channels.base import Backlogged
from bot.channels.console import ConsoleChannel
from bot.config import load_settings
from handlers.events import Inbound, Reply
from tests.support.fakes import RecordingChannel
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, shared_nlp

REPORT = "[毛塘路1网格] {name}: {text}"
# Different problems: a report like one just filed is answered as a duplicate, not registered.
PROBLEMS = (
    "3栋门口的路灯坏了，晚上很黑",
    "小区东门的垃圾桶满了好几天没人清",
    "5栋楼道里堆满了杂物",
    "地下车库的排水沟堵了",
    "儿童乐园的滑梯松了",
    "2栋电梯按钮失灵",
    "健身器材的螺丝掉了",
    "北门道闸抬不起来",
    "7栋外墙的空调架生锈了",
    "篮球场的篮筐歪了",
    "小区西侧的井盖松动",
    "9栋门禁刷卡没反应",
    "中心花园的喷头漏水",
    "快递柜旁边的灯不亮",
    "4栋屋顶有积水",
    "自行车棚的顶棚破了",
    "南门人行道的地砖翘起来了",
    "6栋信报箱的门掉了",
    "凉亭的座椅坏了一块",
    "8栋单元门关不上",
    "东侧围墙上的铁丝网断了",
    "停车场的减速带裂了",
)


class Queueing(RecordingChannel):
    """A channel with received messages waiting (``waiting`` of them), like WeChat."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0
        self.on_idle: Callable[[], Awaitable[None]] | None = None

    def backlog(self) -> int:
        return self.waiting


def _app(tmp_path: Path, channel: RecordingChannel) -> App:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    settings = load_settings(EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": url})
    return App(settings, channel, clock=FakeClock(), nlp=shared_nlp())


def _report(app: App, n: int) -> Inbound:
    line = REPORT.format(name=f"居民{n}", text=PROBLEMS[n])
    event = ConsoleChannel(app.settings, app.clock).parse(line)
    assert event is not None
    return dataclasses.replace(event, msg_id=f"msg-{n}")  # the clock stands still


def _receipts(channel: RecordingChannel) -> int:
    return sum("已登记" in s for s in channel.said)


async def test_replies_wait_while_messages_wait_and_go_once_none_does(tmp_path: Path) -> None:
    channel = Queueing()
    assert isinstance(channel, Backlogged)
    app = _app(tmp_path, channel)
    await app.start()
    app.sender.close()  # no periodic flush: only what on_inbound and on_idle send
    try:
        channel.said.clear()
        channel.waiting = 2
        await app.on_inbound(_report(app, 1))
        await app.on_inbound(_report(app, 2))
        assert _receipts(channel) == 0  # held back: more messages wait
        channel.waiting = 0
        await app.on_inbound(_report(app, 3))  # the last of the backlog sends for all three
        assert _receipts(channel) == 3
        channel.waiting = 1
        await app.on_inbound(_report(app, 4))
        assert _receipts(channel) == 3
        assert channel.on_idle is not None
        await channel.on_idle()  # what waited was not a message (the bot's own echo, say)
        assert _receipts(channel) == 4
        await channel.on_idle()  # nothing held back: nothing to do
        assert _receipts(channel) == 4
    finally:
        await app.stop()


async def test_a_long_backlog_still_sends_every_so_many_messages(tmp_path: Path) -> None:
    channel = Queueing()
    app = _app(tmp_path, channel)
    await app.start()
    app.sender.close()  # no periodic flush: only what on_inbound and on_idle send
    try:
        channel.said.clear()
        channel.waiting = 1000
        for n in range(HOLD_BACK_MAX + 1):
            await app.on_inbound(_report(app, n))
        assert _receipts(channel) == HOLD_BACK_MAX + 1
    finally:
        await app.stop()


async def test_the_console_gets_its_replies_before_the_next_line(tmp_path: Path) -> None:
    channel = RecordingChannel()
    assert not isinstance(channel, Backlogged)
    app = _app(tmp_path, channel)
    await app.start()
    app.sender.close()  # no periodic flush: only what on_inbound and on_idle send
    try:
        channel.said.clear()
        await app.on_inbound(_report(app, 1))
        assert _receipts(channel) == 1
    finally:
        await app.stop()


async def test_a_reply_read_with_its_message_goes_out_though_another_arrived(
    tmp_path: Path,
) -> None:
    """Nothing waited when the message came up, so its reply was read with its handling: it
    is sent at once, not after the handling of a message that arrived meanwhile."""
    channel = Queueing()
    app = _app(tmp_path, channel)
    await app.start()
    app.sender.close()  # no periodic flush: only what on_inbound and on_idle send
    process_sync = app.dispatcher.process_sync

    def arrives_meanwhile(event: Inbound) -> list[Reply]:
        replies = process_sync(event)
        channel.waiting = 1  # the next message came in while this one was handled
        return replies

    app.dispatcher.process_sync = arrives_meanwhile  # type: ignore[method-assign]
    try:
        channel.said.clear()
        channel.waiting = 0
        await app.on_inbound(_report(app, 1))
        assert _receipts(channel) == 1
        await app.on_inbound(_report(app, 2))  # it came up with one waiting: held back
        assert _receipts(channel) == 1
        channel.waiting = 0
        assert channel.on_idle is not None
        await channel.on_idle()
        assert _receipts(channel) == 2
    finally:
        await app.stop()
