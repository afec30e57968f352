"""Console transcripts in-process: lines said as users, ``/time`` and ``/advance``, as
``liufang chat`` runs them, with what the bot printed returned message by message."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.clock import TravelClock
from bot.config import load_settings
from tests.support.harness import EXAMPLE_CONFIG, shared_nlp

# Where each printed line begins: a message of the bot, or the console's time line.
_START = re.compile(r"^(\[[^\]]+\] \S+: |\[时间\] )")


async def console_output(
    tmp_path: Path,
    script: str,
    config: Path = EXAMPLE_CONFIG,
    start: datetime | None = None,
) -> str:
    """Run ``script`` through the console channel of a real App (its clock at ``start`` when
    given, else now); everything it printed."""
    settings = load_settings(
        config, env={"LIUFANG_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    )
    clock = TravelClock(settings.tz)
    if start is not None:
        clock.set(start)
    out = io.StringIO()
    channel = ConsoleChannel(settings, clock, stdin=io.StringIO(script), stdout=out)
    app = App(settings, channel, clock=clock, nlp=shared_nlp())
    channel.enable_time_travel(clock, app.travel_to)
    await app.run()
    return out.getvalue()


async def run_transcript(tmp_path: Path, script: str, config: Path = EXAMPLE_CONFIG) -> list[str]:
    """What :func:`console_output` printed, one entry per message (a message's continuation
    lines stay with it)."""
    messages: list[str] = []
    for line in (await console_output(tmp_path, script, config)).splitlines():
        if _START.match(line) or not messages:
            messages.append(line)
        else:
            messages[-1] += "\n" + line
    return messages


def after(messages: list[str], marker: str) -> list[str]:
    """The messages printed after the last one containing ``marker``."""
    last = max(i for i, m in enumerate(messages) if marker in m)
    return messages[last + 1 :]
