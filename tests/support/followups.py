"""A test bot with the app's follow-up scheduler: move the clock, run what fell due."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.assembly import build_engine, build_scheduler, build_services
from bot.config import Settings, load_settings
from bot.scheduler import Scheduler
from handlers.context import Classifier
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, TestBot, shared_nlp


class FollowUpBot(TestBot):
    """:class:`TestBot` plus the scheduler the app builds (sweep, digests, then flush).

    ``digests=False`` leaves the digests out, for tests about ticket follow-ups alone (the
    sender merges follow-ups per room, so a digest would share their messages).
    """

    __test__ = False

    def __init__(
        self,
        settings: Settings,
        clock: FakeClock | None = None,
        nlp: Classifier | None = None,
        *,
        digests: bool = True,
        shipped_sender: bool = False,
    ) -> None:
        """Wire the scheduler as ``App`` does, with the sender flushing after each run."""
        super().__init__(settings, clock, nlp, shipped_sender=shipped_sender)
        services = build_services(settings, self.clock, nlp or shared_nlp())
        if digests:
            self.scheduler = build_scheduler(settings, self.db, services, self.sender.flush)
        else:
            engine = build_engine(self.db, services)
            self.scheduler = Scheduler(
                [engine.sweep], timezone=settings.tz, after_run=self.sender.flush
            )

    @classmethod
    def demo(
        cls,
        tmp_path: Path,
        *,
        digests: bool = True,
        database_url: str | None = None,
        shipped_sender: bool = False,
    ) -> FollowUpBot:
        """A bot on the demo config with its own database (SQLite unless a URL is given)."""
        url = database_url or f"sqlite:///{tmp_path / 'bot.db'}"
        settings = load_settings(EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": url})
        return cls(settings, digests=digests, shipped_sender=shipped_sender)

    async def run_due(self) -> list[str]:
        """Run whatever is due now and return what the bot sent."""
        start = len(self.channel.sent)
        await self.scheduler.run_due()
        return self.channel.sent[start:]

    async def advance(self, **delta: float) -> list[str]:
        """Move the clock by ``delta`` (e.g. ``minutes=15``) and run what fell due."""
        self.clock.advance(**delta)
        return await self.run_due()

    async def travel(self, to: datetime) -> list[str]:
        """Jump the clock to ``to`` and run what fell due."""
        self.clock.now = to
        return await self.run_due()
