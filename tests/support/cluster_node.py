"""One cluster node: ``python -m tests.support.cluster_node CONFIG SENT_FILE``.

The bot as ``liufang run`` composes it (the real App, web server, leadership, sender,
scheduler), on a channel that appends what it sends to SENT_FILE instead of talking to WeChat.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.app import App, LeadershipLost
from bot.assembly import system_clock
from bot.channels.base import InboundCallback
from bot.config import load_settings
from bot.logs import setup_logging
from bot.run_cli import run_until_signalled
from storage.leader import LeaderBusy


class FileChannel:
    """A chat gateway stand-in: each message is one appended JSON line (one write call)."""

    name = "file"
    rate_limited = False

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._closed = asyncio.Event()

    async def start(self, on_inbound: InboundCallback) -> None:
        """Nothing to connect: reports arrive through the Open311 API."""

    async def wait_closed(self) -> None:
        """Until stopped."""
        await self._closed.wait()

    async def stop(self) -> None:
        """Stop."""
        self._closed.set()

    def _write(self, room: str | None, to: str | None, text: str) -> None:
        line = {"pid": os.getpid(), "t": time.time(), "room": room, "to": to, "text": text}
        os.write(self._fd, (json.dumps(line, ensure_ascii=False) + "\n").encode())

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Post in a room."""
        self._write(room_id, None, text)

    async def say_private(self, contact_id: str, text: str) -> None:
        """Send privately."""
        self._write(None, contact_id, text)


def main(argv: list[str]) -> int:
    """Run one node until SIGTERM; 75 when it lost the leadership."""
    import logging

    config, sent = Path(argv[0]), Path(argv[1])
    settings = load_settings(config)
    setup_logging(logging.WARNING, settings.tz)
    try:
        app = App(settings, FileChannel(sent), clock=system_clock(settings), serve_web=True)
    except LeaderBusy as exc:  # as the CLI does: say why, exit 1
        print(exc, file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as bot.run_cli._serve
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_until_signalled(app))  # SIGTERM handled as `liufang run` does
    except LeadershipLost:
        return 75
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
