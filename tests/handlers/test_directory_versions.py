"""The leader's directory cache and changes made in the dashboard of another process.

On PostgreSQL every process serves the dashboard: a role set there is written by a process
whose cache is not the leader's. Its audit row tells the leader's next message to read the
directory afresh. On SQLite one process holds the file, and its own commits clear the cache.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, update
from sqlmodel import col

from storage.audit import AuditEvent
from storage.db import Database
from storage.models import Member
from tests.support.harness import TestBot

LINE = "[毛塘路1网格] 李网格长: 大家好"


def _roles(bot: TestBot) -> list[str]:
    bot.dispatcher.process_sync(bot.event(LINE))
    return [m["role"] for m in bot.dispatcher._directory._members.get("wx-mt-li", [])]


def _elsewhere(bot: TestBot, role: str, *, audited: bool) -> None:
    """Another process changes the role (Core statements: no session of this process)."""
    with bot.db.engine.begin() as conn:
        conn.execute(update(Member).where(col(Member.contact_id) == "wx-mt-li").values(role=role))
        if audited:
            row = {
                "at": datetime.now(UTC),
                "actor": "wangshuji",
                "actor_name": "王书记",
                "community_code": "maotang",
                "action": "member.edit",
                "target": "李网格长（wx-mt-li）",
                "before": "",
                "after": "",
            }
            conn.execute(insert(AuditEvent).values(**row))


def test_an_audited_change_elsewhere_reaches_the_leader(
    database: Database, tmp_path: Path
) -> None:
    bot = TestBot.from_example(tmp_path, database_url=database.url)
    try:
        assert _roles(bot) == ["grid_leader"]
        _elsewhere(bot, "volunteer", audited=False)
        assert _roles(bot) == ["grid_leader"]  # unannounced: the leader trusts its copy
        _elsewhere(bot, "property", audited=True)
        expected = ["grid_leader"] if database.dialect == "sqlite" else ["property"]
        assert _roles(bot) == expected
    finally:
        bot.close()


def test_a_commit_in_any_session_of_the_process_clears_the_cache(tmp_path: Path) -> None:
    bot = TestBot.from_example(tmp_path)
    try:
        assert _roles(bot) == ["grid_leader"]
        with bot.db.session() as s:  # as the dashboard writes: its own session
            li = s.exec(Member.__table__.select().where(Member.contact_id == "wx-mt-li")).first()
            assert li is not None
            member = s.get(Member, li.id)
            assert member is not None
            member.role = "property"
            s.add(member)
            s.commit()
        assert _roles(bot) == ["property"]
        with bot.db.session() as s:  # a rolled-back change clears nothing and leaves no flag
            member = s.get(Member, li.id)
            assert member is not None
            member.role = "volunteer"
            s.add(member)
            s.flush()
            s.rollback()
        assert _roles(bot) == ["property"]
    finally:
        bot.close()
