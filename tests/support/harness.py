"""A test bot: say a line as a user in a group, get back what the bot posted (like testbot)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.assembly import build_dispatcher, open_database
from bot.channels.console import ConsoleChannel
from bot.config import ConfigError, Settings, load_settings
from bot.delivery import OutboxSender
from handlers.context import Classifier
from handlers.events import Inbound
from handlers.understanding import Understanding
from storage.models import Ticket

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = REPO / "config.example.toml"
SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)

    def __call__(self) -> datetime:
        """The current fake time."""
        return self.now

    def advance(self, **kwargs: float) -> None:
        """Move time forward, e.g. ``advance(minutes=15)``."""
        self.now += timedelta(**kwargs)


@dataclass
class CapturingChannel:
    """A channel that records what the bot sends, in console form, and can be made to fail."""

    console: ConsoleChannel
    sent: list[str] = field(default_factory=list)
    fail: bool = False
    name: str = "capture"

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Record a group message as ``[topic] bot: @name text``."""
        if self.fail:
            raise ConnectionError("channel down")
        d = self.console.directory
        at = "".join(f"@{d.name_by_id.get(i, i)} " for i in mention_ids)
        self.sent.append(f"[{d.topic_by_room.get(room_id, room_id)}] {at}{text}")

    async def say_private(self, contact_id: str, text: str) -> None:
        """Record a private message as ``[私聊→name] text``."""
        if self.fail:
            raise ConnectionError("channel down")
        self.sent.append(f"[私聊→{self.console.directory.name_by_id.get(contact_id)}] {text}")


_NLP: Understanding | None = None


def shared_nlp() -> Understanding:
    """One loaded Understanding for the whole test run (jieba loads once)."""
    global _NLP
    if _NLP is None:
        _NLP = Understanding.load()
    return _NLP


class TestBot:
    """The real dispatcher, database and sender wired to a capturing channel."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        settings: Settings,
        clock: FakeClock | None = None,
        nlp: Classifier | None = None,
        *,
        shipped_sender: bool = False,
    ) -> None:
        """``shipped_sender``: send as the app does (rate limits, quiet hours); by default
        everything due goes out at once, so tests see whole conversations."""
        self.settings = settings
        self.clock = clock or FakeClock()
        self.db = open_database(settings)
        self.console = ConsoleChannel(settings, self.clock)
        self.channel = CapturingChannel(self.console)
        self.dispatcher = build_dispatcher(settings, self.db, self.clock, nlp or shared_nlp())
        self.sender = (
            OutboxSender(
                self.db,
                self.channel,
                self.clock,
                delivery=settings.delivery,
                quiet=settings.followups,
            )
            if shipped_sender
            else OutboxSender(self.db, self.channel, self.clock)
        )

    @classmethod
    def from_example(
        cls,
        tmp_path: Path,
        database_url: str | None = None,
        nlp: Classifier | None = None,
        *,
        shipped_sender: bool = False,
    ) -> TestBot:
        """A bot on the demo config with its own database."""
        settings = load_settings(
            EXAMPLE_CONFIG,
            env={"LIUFANG_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'bot.db'}"},
        )
        return cls(settings, nlp=nlp, shipped_sender=shipped_sender)

    def event(self, line: str) -> Inbound:
        """Parse a console line into an Inbound (fails the test on a malformed line)."""
        parsed = self.console.parse(line)
        assert isinstance(parsed, Inbound), parsed
        return parsed

    async def send(self, event: Inbound) -> list[str]:
        """Process one event and return what the bot sent for it."""
        start = len(self.channel.sent)
        await self.dispatcher.process(event)
        await self.sender.flush()
        return self.channel.sent[start:]

    async def say(self, line: str) -> list[str]:
        """Say ``[group] name: text`` and return the bot's messages."""
        return await self.send(self.event(line))

    def ticket(self, number: int) -> Ticket:
        """Ticket ``number`` as stored (fails the test when there is none)."""
        with self.db.session() as s:
            t = s.get(Ticket, number)
            assert t is not None, f"no ticket T{number}"
            return t

    def close(self) -> None:
        """Release the database."""
        self.db.dispose()


def edited_config(tmp_path: Path, old: str, new: str) -> Path:
    """The example config with its first ``old`` replaced by ``new``, written under tmp_path."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "config.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def config_problems(path: Path) -> list[str]:
    """The problem lines of a config that must not load (the test fails if it loads)."""
    try:
        load_settings(path, env={})
    except ConfigError as e:
        return e.problems
    raise AssertionError(f"{path} loaded: a problem was expected")
