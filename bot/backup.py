"""``liufang backup`` / ``liufang restore``: a consistent copy of the database and its return.

SQLite is copied with its online backup API (safe while the bot runs; WAL included).
PostgreSQL goes through ``pg_dump --format=custom`` and ``pg_restore --clean``, which must be
installed (the postgresql-client package); the password, if any, is passed in the environment.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""


def default_backup_path(url: str, now: datetime, folder: Path = Path("backups")) -> Path:
    """``backups/liufang-20260302-0800.db`` (SQLite) or ``….dump`` (PostgreSQL)."""
    suffix = ".db" if make_url(url).get_backend_name() == "sqlite" else ".dump"
    return folder / f"liufang-{now:%Y%m%d-%H%M%S}{suffix}"


def _sqlite_file(url: URL) -> Path:
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        raise BackupError("内存数据库无法备份 / an in-memory database cannot be backed up")
    return Path(database).expanduser()


def _pg_command(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise BackupError(
            f"找不到 {tool}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）"
            f" / {tool} not found: install the PostgreSQL client tools"
        )
    return found


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for the pg_ tools, and the environment carrying the password.

    A ``search_path`` in the URL's ``options`` (one schema per deployment) limits the dump to
    that schema, so a shared server's other schemas are neither dumped nor touched.
    """
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    args = ["--no-password", f"--dbname={conninfo}"]
    m = re.search(r"search_path=([\w$]+)", str(url.query.get("options", "")))
    if m:
        args.append(f"--schema={m[1]}")
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} 失败 / failed: {result.stderr.strip()[-800:]}")


def backup(url: str, target: Path) -> Path:
    """Write a consistent copy of the database at ``url`` to ``target``; returns it."""
    parsed = make_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} 已存在，不覆盖 / already exists; choose another name")
    if parsed.get_backend_name() == "sqlite":
        source_file = _sqlite_file(parsed)
        if not source_file.is_file():
            raise BackupError(f"数据库文件 {source_file} 不存在 / database file not found")
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    args, env = _pg_args(parsed)
    _run([_pg_command("pg_dump"), *args, "--format=custom", "--file", str(target)], env)
    return target


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source`` (the bot must be stopped)."""
    if not source.is_file():
        raise BackupError(f"备份文件 {source} 不存在 / backup file not found")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target_file = _sqlite_file(parsed)
        try:
            check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            check.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} 不是 SQLite 备份 / not a SQLite backup: {exc}") from None
        if ok != "ok":
            raise BackupError(f"{source} 已损坏 / is damaged: {ok}")
        target_file.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target_file)
        try:
            with dst:
                src.backup(dst)  # page by page into the live file, WAL and all
        finally:
            dst.close()
            src.close()
        return
    args, env = _pg_args(parsed)
    cmd = [_pg_command("pg_restore"), *args, "--clean", "--if-exists", "--no-owner"]
    _run([*cmd, "--single-transaction", str(source)], env)
