"""Logging set-up: stderr always, a rotating file when configured, times in the bot's zone,
phone numbers and the like masked on both (handlers.privacy.MaskingFilter)."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OURS = "_liufang_handler"  # marks the handlers this module added, so a re-setup replaces them


class ZonedFormatter(logging.Formatter):
    """Stamps each record in a fixed time zone (Asia/Shanghai), whatever the host's zone is."""

    def __init__(self, tz: ZoneInfo, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """Local time with milliseconds and offset: 2026-03-02 08:00:01.234+08:00."""
        moment = datetime.fromtimestamp(record.created, self._tz)
        if datefmt:
            return moment.strftime(datefmt)
        return (
            moment.strftime("%Y-%m-%d %H:%M:%S.")
            + f"{moment.microsecond // 1000:03d}"
            + (moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:])
        )


def setup_logging(
    level: int,
    tz: ZoneInfo | str = "Asia/Shanghai",
    *,
    file: Path | None = None,
    file_level: int = logging.INFO,
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
) -> list[logging.Handler]:
    """Send logs to stderr at ``level`` and, when ``file`` is given, to a size-rotated file at
    ``file_level`` (a file is read later, so it keeps more than the terminal); returns them."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    remove_logging()
    root = logging.getLogger()
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    handlers: list[logging.Handler] = [stderr]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        rotating.setLevel(file_level)
        handlers.append(rotating)
    from handlers.privacy import MaskingFilter

    for handler in handlers:
        handler.setFormatter(ZonedFormatter(zone))
        # Personal data never reaches a log, the terminal or the file, whatever a message quotes.
        handler.addFilter(MaskingFilter())
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(min(h.level for h in handlers))
    return handlers


def remove_logging(handlers: list[logging.Handler] | None = None) -> None:
    """Take the handlers ``setup_logging`` added off the root logger and close them (all of
    them when ``handlers`` is None): a process that ran the bot in-process, a test say, must
    not keep writing through them, nor masking every record the next handler sees."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False) and (handlers is None or handler in handlers):
            root.removeHandler(handler)
            handler.close()
