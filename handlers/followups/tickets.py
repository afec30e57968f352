"""Ticket follow-ups run by the sweep: remind, overdue, visit, autoclose (the urgent alarm is
in ``alarms.py``).

Each batch handler gets every due row of its kind, loads the tickets, people and rooms it needs
in a few queries, skips rows the ticket no longer needs (its plan changed since), and returns
short replies — one per room and kind, each ticket a line — marked ``followup=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TypeVar

from handlers.commands.parser import ticket_ref
from handlers.events import Reply
from handlers.followups.deadlines import response_deadline
from handlers.followups.engine import SweepContext
from handlers.followups.notify import Notices, People, brief, reporter_rooms
from handlers.followups.planner import by_time, load_tickets
from handlers.followups.plans import plans
from handlers.policy import when
from handlers.routing import party_label
from storage.checks import saved_id, zone_of
from storage.followups import DueRow, note_touched
from storage.models import Ticket
from storage.ticket_rows import TicketRow, TicketView, ticket_rows
from storage.tickets import add_events

BOT_ACTOR = "liufang"
AnyTicket = TypeVar("AnyTicket", bound=TicketView)  # an object to change, or a row to read


def still_planned(
    ctx: SweepContext, rows: Sequence[DueRow], tickets: Mapping[int, AnyTicket]
) -> Iterator[tuple[DueRow, AnyTicket]]:
    """The rows whose ticket still plans them now, one per ticket."""
    tz = zone_of(ctx.now)
    seen: set[int] = set()
    for row in rows:
        ticket = tickets.get(row.ticket_id or 0)
        if ticket is None or ticket.id in seen:
            continue
        if plans(ticket, row.kind, row.due_at, ctx.services.policy, tz):
            seen.add(ticket.id or 0)
            yield row, ticket


def planned_by_ticket(
    ctx: SweepContext, rows: Sequence[DueRow], tickets: Mapping[int, AnyTicket]
) -> dict[int, tuple[AnyTicket, list[DueRow]]]:
    """Every row its ticket still plans, grouped by ticket, earliest first."""
    tz = zone_of(ctx.now)
    found: dict[int, tuple[AnyTicket, list[DueRow]]] = {}
    for row in sorted(rows, key=by_time):
        ticket = tickets.get(row.ticket_id or 0)
        if ticket is None or ticket.id is None:
            continue
        if plans(ticket, row.kind, row.due_at, ctx.services.policy, tz):
            found.setdefault(ticket.id, (ticket, []))[1].append(row)
    return found


def ticket_ids(rows: Sequence[DueRow]) -> set[int]:
    """The tickets these follow-ups are about."""
    return {r.ticket_id for r in rows if r.ticket_id is not None}


def _tickets(ctx: SweepContext, rows: Sequence[DueRow]) -> dict[int, Ticket]:
    # Objects, for the handlers that change the ticket (the unit of work writes it).
    return load_tickets(ctx.session, ticket_ids(rows))


def _load(ctx: SweepContext, rows: Sequence[DueRow]) -> tuple[dict[int, TicketRow], People]:
    # Plain rows, for the handlers that only read the ticket to tell people about it.
    tickets = ticket_rows(ctx.session, ticket_ids(rows))
    return tickets, ctx.people({t.community_code for t in tickets.values()})


def remind(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """催办 the responsible party before the response or resolution deadline.

    After downtime a ticket's two reminders may be due at once: the one whose deadline is
    still ahead is sent (the sooner one when both are), never a stale one in its place.
    """
    tickets, people = _load(ctx, rows)
    tz, deadlines = zone_of(ctx.now), ctx.services.policy.deadlines
    before = timedelta(hours=ctx.services.policy.followups.remind_before_hours)
    notices = Notices()
    for t, due_rows in planned_by_ticket(ctx, rows, tickets).values():
        respond_by = response_deadline(t, deadlines, tz) if t.assignee_id is None else None
        texts = []
        for row in due_rows:
            if respond_by is not None and row.due_at == respond_by - before:
                if respond_by > ctx.now_utc:  # past it, the reminder is moot
                    by = when(respond_by, tz)
                    texts.append(
                        f"【催办】{brief(t)} 还没有人认领，请在 {by}"
                        f" 前回复「认领 {ticket_ref(t.id)}」。"
                    )
            elif t.due_at is not None and t.due_at > ctx.now_utc:
                by = when(t.due_at, tz)
                texts.append(
                    f"【催办】{brief(t)} 将于 {by}"
                    f" 到期，办好后回复「办结 {ticket_ref(t.id)} 结果」。"
                )
        if texts:  # none: the overdue notice, due too, takes over
            notices.add(people.six_party(t.community_code), texts[0], people.responsible(t))
    return notices.replies()


def overdue(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """Tell the six-party group a ticket is past its deadline, @ the party and the secretary."""
    tickets, people = _load(ctx, rows)
    notices = Notices()
    for _row, t in still_planned(ctx, rows, tickets):
        if t.due_at is None:  # planned only with a deadline: removed since
            continue
        boss, boss_ids = people.secretaries(t.community_code)
        text = (
            f"【超期】{brief(t)} 已过办理期限 {when(t.due_at, ctx.now.tzinfo)}，"
            f"负责：{party_label(t)}。请{boss}督办。"
        )
        mentions = [*people.responsible(t), *boss_ids]
        notices.add(people.six_party(t.community_code), text, mentions, urgent=t.klass == "urgent")
    return notices.replies()


def visit(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """回访: ask everyone who reported a resolved ticket to rate it."""
    tickets = _tickets(ctx, rows)
    asked = {t.id: t for _row, t in still_planned(ctx, rows, tickets) if t.id is not None}
    rooms = reporter_rooms(ctx.session, asked)
    days = ctx.services.policy.followups.autoclose_working_days
    notices = Notices()
    for t in asked.values():
        t.visit_asked_at = ctx.now
    _bot_events(ctx, asked.values(), "visit", None, "回访，请反映人评价")
    for ticket_id, t in asked.items():
        text = (
            f"【回访】{brief(t)} 已办结，您满意吗？请回复「评价 {ticket_ref(ticket_id)} 满意」"
            f"「基本满意」或「不满意 原因」。{days} 个工作日内未评价将自动结案。"
        )
        for room, ids in rooms[ticket_id].items():
            notices.add(room, text, ids)
    return notices.replies()


def autoclose(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """Close a visited ticket nobody rated, and tell its reporters."""
    tickets = _tickets(ctx, rows)
    closing = {t.id: t for _row, t in still_planned(ctx, rows, tickets) if t.id is not None}
    rooms = reporter_rooms(ctx.session, closing)
    days = ctx.services.policy.followups.autoclose_working_days
    notices = Notices()
    _bot_events(
        ctx, closing.values(), "autoclose", "closed", f"回访后 {days} 个工作日未评价，自动结案"
    )
    for ticket_id, t in closing.items():
        text = (
            f"{brief(t)} 回访后 {days} 个工作日未收到评价，已自动结案。问题如仍存在，请重新报事。"
        )
        for room, ids in rooms[ticket_id].items():
            notices.add(room, text, ids)
    return notices.replies()


def _bot_events(
    ctx: SweepContext, tickets: Iterable[Ticket], kind: str, to_state: str | None, note: str
) -> None:
    """``storage.tickets.add_event`` for many tickets at once, acted by the bot.

    One executemany instead of an INSERT per ticket (SQLite cannot batch INSERT … RETURNING).
    """
    rows = []
    for t in tickets:
        t_id = saved_id(t)
        rows.append(
            {
                "ticket_id": t_id,
                "at": ctx.now,
                "actor_id": BOT_ACTOR,
                "actor_name": ctx.services.bot_name,
                "kind": kind,
                "from_state": t.state,
                "to_state": to_state or t.state,
                "note": note,
            }
        )
        t.state = to_state or t.state
        t.updated_at = ctx.now
        ctx.session.add(t)
        note_touched(ctx.session, t)
    if rows:
        add_events(ctx.session, rows)
