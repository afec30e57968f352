"""Helpers of the people-page tests: what the database holds, and chat lines as anyone."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func
from sqlmodel import select

from storage.audit import AuditEvent
from storage.models import DashboardUser, Group, Member
from tests.support.harness import TestBot


def counts(bot: TestBot) -> tuple[int, int, int, int]:
    """Rows of members, groups, accounts and audit events: nothing half-written shows here."""
    with bot.db.session() as s:
        return tuple(  # type: ignore[return-value]
            s.exec(select(func.count()).select_from(table)).one()
            for table in (Member, Group, DashboardUser, AuditEvent)
        )


def member(bot: TestBot, contact_id: str, community: str = "maotang") -> Member | None:
    """The member row of ``contact_id`` in ``community``, if any."""
    with bot.db.session() as s:
        return s.exec(
            select(Member).where(
                Member.contact_id == contact_id, Member.community_code == community
            )
        ).first()


def audit_rows(bot: TestBot) -> list[AuditEvent]:
    """Every audit row, oldest first."""
    with bot.db.session() as s:
        return list(s.exec(select(AuditEvent).order_by(AuditEvent.id)).all())  # type: ignore[arg-type]


async def say_as(bot: TestBot, line: str, contact_id: str | None = None, **more: str) -> list[str]:
    """Say a console line with the sender's WeChat id set to ``contact_id`` (and any other
    Inbound field in ``more``, e.g. ``room_id`` for a room the console does not know)."""
    event = bot.event(line)
    return await bot.send(
        dataclasses.replace(event, sender_id=contact_id or event.sender_id, **more)
    )
