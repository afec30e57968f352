"""The ``backup`` and ``restore`` commands: settings, messages and exit codes around bot.backup."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from bot.backup import BackupError, backup, default_backup_path, restore
from bot.cli_settings import settings_or_report
from storage.db import redact_url


def run_backup(config: Path, out: str | None) -> int:
    """Back the configured database up to ``out`` (or a dated file under backups/)."""
    settings = settings_or_report(config)
    if settings is None:
        return 1
    url = settings.database_url
    target = Path(out) if out else default_backup_path(url, datetime.now(settings.tz))
    try:
        backup(url, target)
    except BackupError as exc:
        print(f"备份失败 / backup failed: {exc}", file=sys.stderr)
        return 1
    size = target.stat().st_size
    print(f"已备份 / backed up {redact_url(url)} -> {target} ({size / 1024:.0f} KB)")
    return 0


def run_restore(config: Path, source: Path, *, confirmed: bool) -> int:
    """Replace the configured database with ``source``; needs ``--yes``, and the bot stopped."""
    settings = settings_or_report(config)
    if settings is None:
        return 1
    url = settings.database_url
    if not confirmed:
        print(
            f"这会用 {source} 覆盖数据库 {redact_url(url)} 里的全部内容。"
            "请先停止机器人，确认后加 --yes 再运行。\n"
            f"This replaces everything in {redact_url(url)} with {source}. "
            "Stop the bot first, then run again with --yes.",
            file=sys.stderr,
        )
        return 1
    from storage.leader import LeaderBusy, ensure_no_runner

    try:
        ensure_no_runner(url)
        restore(url, source)
    except (BackupError, LeaderBusy) as exc:
        print(f"恢复失败 / restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"已恢复 / restored {source} -> {redact_url(url)}；下次启动时会自动升级表结构。")
    return 0
