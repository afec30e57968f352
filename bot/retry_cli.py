"""``liufang retry-failed``: handle again the messages whose handling failed.

The error hook (handlers/errors.py) keeps every such message; this runs each through the
dispatcher once more, oldest first. A message handled now is settled in the same transaction
as its effects, and its replies wait in the outbox: the running bot sends them within
seconds, a stopped one at its next start. Safe to repeat: a settled message is never handled
twice, and one whose ticket was filed meanwhile is only settled.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.cli_settings import settings_or_report


def run_retry_failed(config: Path, limit: int, out: TextIO | None = None) -> int:
    """Retry up to ``limit`` kept messages; 0 when none is left failing, else 1."""
    out = out or sys.stdout
    from bot.assembly import build_dispatcher, open_database, system_clock
    from bot.understanding import load_understanding

    settings = settings_or_report(config)
    if settings is None:
        return 1
    db = open_database(settings)
    try:
        dispatcher = build_dispatcher(
            settings, db, system_clock(settings), load_understanding(settings)
        )
        outcome = dispatcher.retry(limit)
    finally:
        db.dispose()
    print(
        f"重新处理：成功 {outcome.handled} 条，仍失败 {outcome.failing} 条"
        f" / retried: {outcome.handled} handled, {outcome.failing} still failing",
        file=out,
    )
    if outcome.failing:
        print("仍失败的消息见日志和网页「处理失败的消息」。", file=out)
    return 1 if outcome.failing else 0
