"""``liufang backup`` and ``liufang restore`` on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from bot.backup import BackupError, backup, restore
from bot.cli import main
from storage.db import Database
from storage.leader import SqliteLock
from storage.models import Community
from tests.support.db import community, postgres_db, postgres_url
from tests.support.harness import EXAMPLE_CONFIG


def _names(db: Database) -> list[str]:
    with db.session() as session:
        return sorted(c.name for c in session.exec(select(Community)).all())


def _add(db: Database, code: str, name: str) -> None:
    with db.session() as session:
        session.add(community(code, name))
        session.commit()


def _config(tmp_path: Path, url: str) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///data/liufang.db"', f'url = "{url}"', 1)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sqlite_backup_while_open_then_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'data' / 'liufang.db'}")
    db.upgrade()
    _add(db, "c1", "幸福里社区")
    config = _config(tmp_path, db.url)
    target = tmp_path / "backups" / "one.db"
    # The bot's own connection stays open (WAL mode): the online backup still copies it all.
    assert main(["backup", "--config", str(config), "--out", str(target)]) == 0
    assert "已备份" in capsys.readouterr().out
    _add(db, "c2", "后来的社区")
    assert _names(db) == ["后来的社区", "幸福里社区"]
    db.dispose()

    assert main(["restore", str(target), "--config", str(config)]) == 1
    assert "--yes" in capsys.readouterr().err  # nothing replaced without saying so
    assert main(["restore", str(target), "--config", str(config), "--yes"]) == 0
    db = Database(db.url)
    assert _names(db) == ["幸福里社区"]
    db.dispose()


def test_restore_refuses_while_the_bot_runs_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'liufang.db'}")
    db.upgrade()
    target = backup(db.url, tmp_path / "b.db")
    config = _config(tmp_path, db.url)
    running = SqliteLock(db)
    running.acquire()
    try:
        assert main(["restore", str(target), "--config", str(config), "--yes"]) == 1
    finally:
        running.release()
        db.dispose()


def test_backup_never_overwrites_and_restore_checks_the_file(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'liufang.db'}")
    db.upgrade()
    target = backup(db.url, tmp_path / "b.db")
    with pytest.raises(BackupError, match="已存在"):
        backup(db.url, target)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="SQLite"):
        restore(db.url, junk)
    with pytest.raises(BackupError, match="不存在"):
        restore(db.url, tmp_path / "missing.db")
    db.dispose()


@pytest.mark.postgres
def test_postgres_backup_and_restore_with_pg_dump(tmp_path: Path) -> None:
    url = postgres_url()
    if url is None:
        pytest.skip("set LIUFANG_TEST_POSTGRES_URL to run PostgreSQL storage tests")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed (postgresql-client)")
    with postgres_db(url) as db:
        _add(db, "c1", "幸福里社区")
        target = backup(db.url, tmp_path / "pg.dump")
        assert target.stat().st_size > 0
        _add(db, "c2", "后来的社区")
        db.dispose()
        restore(db.url, target)
        assert _names(db) == ["幸福里社区"]
        # Migrations still see the schema at head after a restore.
        assert db.revision() == Database.head_revision()
