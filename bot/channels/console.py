"""Console channel: chat as any member in any group by typing ``[group] name: text``.

Reads a terminal or a piped transcript and prints each reply as ``[group] bot: text``, so a
whole conversation can be scripted and its output checked.
"""

from __future__ import annotations

import asyncio
import difflib
import itertools
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO

from bot.channels.base import InboundCallback
from bot.clock import TimeTravel, TravelClock, time_command
from bot.config import Settings
from handlers.events import Inbound

PRIVATE = "私聊"
_DIGITS = str.maketrans("一二两三四五六七八九", "1223456789")
_NEW = "console-room:"  # room ids of groups typed in the console but not configured
_LINE = re.compile(
    r"^\s*[\[【](?P<topic>[^\]】]+)[\]】]\s*(?P<name>[^:：]+?)\s*[:：]\s?(?P<text>.*)$"
)
USAGE = (
    "格式：[群名] 发言人: 内容   例如  [毛塘路1网格] 李网格长: 3栋2单元门口的路灯坏了\n"
    "调时间：/time 2026-12-03 09:00 或 /advance 2h（到期的提醒会立即发出）"
)


class ConsoleDirectory:
    """Maps the console's group topics and display names to room and contact ids."""

    def __init__(self, settings: Settings) -> None:
        self.room_by_topic: dict[str, str] = {}
        self.topic_by_room: dict[str, str] = {}
        self.id_by_name: dict[str, str] = {}
        self.name_by_id: dict[str, str] = {}
        for community in settings.communities:
            for g in community.groups:
                self.room_by_topic[g.topic] = g.room_id
                self.topic_by_room[g.room_id] = g.topic
            for m in community.members:
                self.id_by_name.setdefault(m.name, m.id)
                self.name_by_id[m.id] = m.name
        ladder = settings.ladder
        if ladder.street_contact_id:  # the alarm ladder's last rung writes to them privately
            self.name_by_id.setdefault(ladder.street_contact_id, ladder.street_contact_name)
            self.id_by_name.setdefault(ladder.street_contact_name, ladder.street_contact_id)

    def unknown_topic(self, topic: str) -> str | None:
        """A line about a group name the config does not know (a typo, or a new group)."""
        if topic in self.room_by_topic or topic == PRIVATE:
            return None
        known = [t for t in self.room_by_topic if not self.room_by_topic[t].startswith(_NEW)]
        by_digits = {t.translate(_DIGITS): t for t in known}  # 一网格 is meant as 1网格
        close = [
            by_digits[c]
            for c in difflib.get_close_matches(topic.translate(_DIGITS), by_digits, 1, 0.6)
        ]
        guess = f"您是不是要找“{close[0]}”？" if close else f"已有的群：{'、'.join(known[:6])}。"
        return f"（配置里没有叫“{topic}”的群，按未绑定的新群处理。{guess}）"

    def room(self, topic: str) -> str:
        """Room id for a topic; a topic not in the config is an unbound group of its own."""
        if topic not in self.room_by_topic:
            room_id = f"{_NEW}{topic}"
            self.room_by_topic[topic] = room_id
            self.topic_by_room[room_id] = topic
        return self.room_by_topic[topic]

    def contact(self, name: str) -> str:
        """Contact id for a display name; unknown names are residents with an id of their own."""
        if name not in self.id_by_name:
            contact_id = f"console-user:{name}"
            self.id_by_name[name] = contact_id
            self.name_by_id[contact_id] = name
        return self.id_by_name[name]


class ConsoleChannel:
    """A local chat channel over text streams; no WeChat account needed."""

    name = "console"
    # A terminal cannot be flooded, and a scripted transcript must print in full before the
    # end of input: the sending limits are for the WeChat account.
    rate_limited = False

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.directory = ConsoleDirectory(settings)
        self._bot = settings.bot_name
        self._clock = clock
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self._ids = itertools.count(1)
        self._run_id = clock().strftime("%Y%m%d%H%M%S%f")
        self._reader: asyncio.Task[None] | None = None
        self._travel: tuple[TravelClock, TimeTravel] | None = None

    def parse(self, line: str) -> Inbound | str | None:
        """An Inbound for a chat line, a usage hint for a malformed one, None for a blank one."""
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            return None
        m = _LINE.match(line)
        if not m:
            return USAGE
        topic, name, text = m["topic"].strip(), m["name"].strip(), m["text"]
        text, to_bot, mentions = self._mentions(text)
        private = topic == PRIVATE
        return Inbound(
            msg_id=f"console-{self._run_id}-{next(self._ids)}",
            room_id=None if private else self.directory.room(topic),
            room_topic="" if private else topic,
            sender_id=self.directory.contact(name),
            sender_name=name,
            text=text,
            at=self._clock(),
            mentions=mentions,
            is_to_bot=to_bot or private,
        )

    def _mentions(self, text: str) -> tuple[str, bool, tuple[str, ...]]:
        """Strip an @bot mention; every other @name becomes a mention id, as in WeChat."""
        to_bot = False
        at_bot = f"@{self._bot}"
        if at_bot in text:
            to_bot = True
            text = text.replace(at_bot, " ").strip()
        ids = tuple(self.directory.contact(n) for n in re.findall(r"@(\S+)", text))
        return text, to_bot, ids

    async def start(self, on_inbound: InboundCallback) -> None:
        """Begin reading lines and feeding them to ``on_inbound`` one at a time."""
        self._reader = asyncio.create_task(self._read(on_inbound))

    def enable_time_travel(self, clock: TravelClock, travel: TimeTravel) -> None:
        """Let ``/time`` and ``/advance`` lines move ``clock``; ``travel`` runs what fell due."""
        self._travel = (clock, travel)

    async def _time_command(self, line: str) -> str:
        """Carry out ``/time 2026-12-03 09:00`` or ``/advance 2h``; returns what to show."""
        if self._travel is None:
            return "本通道不能调时间。"
        return await time_command(line, *self._travel)

    async def _read(self, on_inbound: InboundCallback) -> None:
        while True:
            line = await asyncio.to_thread(self._in.readline)
            if not line:
                return
            if line.lstrip().startswith(("/time", "/advance")):
                self._print(await self._time_command(line))
                continue
            note = self._unknown_topic_note(line)
            parsed = self.parse(line)
            if note and isinstance(parsed, Inbound):
                self._print(note)
            if isinstance(parsed, str):
                self._print(parsed)
            elif parsed is not None:
                await on_inbound(parsed)

    def _unknown_topic_note(self, line: str) -> str | None:
        """The note for the first line said in a group the config does not know."""
        m = _LINE.match(line.rstrip("\r\n"))
        return self.directory.unknown_topic(m["topic"].strip()) if m else None

    async def wait_closed(self) -> None:
        """Return at the end of input."""
        if self._reader is not None:
            await self._reader

    async def stop(self) -> None:
        """Stop reading (a blocked terminal read ends with the process)."""
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Print a group reply as ``[topic] bot: @name text``."""
        topic = self.directory.topic_by_room.get(room_id, room_id)
        at = "".join(f"@{self.directory.name_by_id.get(i, i)} " for i in mention_ids)
        self._print(f"[{topic}] {self._bot}: {at}{text}")

    async def say_private(self, contact_id: str, text: str) -> None:
        """Print a private reply as ``[私聊→name] bot: text``."""
        name = self.directory.name_by_id.get(contact_id, contact_id)
        self._print(f"[{PRIVATE}→{name}] {self._bot}: {text}")

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)
