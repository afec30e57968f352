"""CSV export of a filtered ticket list: UTF-8 with a BOM (so Excel reads the Chinese), streamed
in batches, without the reporter and with phone numbers masked.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.web.dashboard_query import ListQuery, batches
from bot.web.reads import Reader
from bot.web.server import WEB
from handlers.commands.parser import ticket_ref
from handlers.followups.overdue import is_overdue
from handlers.followups.rates import RESPONSE_EVENTS
from handlers.policy import Policy
from handlers.privacy import mask
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CLASS_LABELS,
    RATING_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
)
from storage.checks import saved_id, zone_of
from storage.models import Ticket, TicketEvent

BOM = "\ufeff"
HEADER = (
    "工单号",
    "社区",
    "网格",
    "类型",
    "类别",
    "状态",
    "内容",
    "位置",
    "负责方",
    "处理人",
    "反映人数",
    "报事时间",
    "期限",
    "是否超期",
    "响应用时",
    "办结时间",
    "办结说明",
    "评价",
    "更新时间",
)
NO_RESPONSE = "未响应"
# A cell starting with one of these is a formula to Excel: a report saying "=HYPERLINK(…)"
# must stay text (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A text cell that a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass(slots=True)
class History:
    """What the CSV needs from the tickets' histories: the first response, the 办结 note."""

    responded: dict[int, datetime] = field(default_factory=dict)
    resolved_note: dict[int, str] = field(default_factory=dict)


def history(session: Session, tickets: Sequence[Ticket]) -> History:
    """The first response and the latest 办结 note of each of ``tickets`` (two queries)."""
    ids = [t.id for t in tickets if t.id is not None]
    found = History()
    if not ids:
        return found
    first = (
        select(TicketEvent.ticket_id, func.min(TicketEvent.at))
        .where(col(TicketEvent.ticket_id).in_(ids), col(TicketEvent.kind).in_(RESPONSE_EVENTS))
        .group_by(col(TicketEvent.ticket_id))
    )
    found.responded = {tid: at for tid, at in session.exec(first)}
    notes = (
        select(TicketEvent.ticket_id, TicketEvent.note)
        .where(col(TicketEvent.ticket_id).in_(ids), TicketEvent.kind == "resolve")
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    )
    found.resolved_note = {tid: note for tid, note in session.exec(notes)}  # the last wins
    return found


def took(start: datetime, end: datetime) -> str:
    """A span in words: ``3天2小时``, ``2小时15分``, ``8分``."""
    minutes = max(0, int((end - start) / timedelta(minutes=1)))
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    return f"{hours}小时{mins}分" if hours else f"{mins}分"


def row(
    ticket: Ticket,
    names: dict[str, str],
    now: datetime,
    policy: Policy,
    past: History | None = None,
) -> list[str]:
    """One CSV line of a ticket; times in the configured zone of ``now``."""

    def local(dt: datetime | None) -> str:
        return dt.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M") if dt else ""

    overdue = is_overdue(ticket, now, policy, zone_of(now))
    past = past or History()
    responded = past.responded.get(saved_id(ticket))
    # Only a ticket still counted as 办结 has a 办结 note: a reopened one's old note is history.
    note = past.resolved_note.get(saved_id(ticket), "") if ticket.resolved_at else ""
    return [
        ticket_ref(ticket.id),
        names.get(ticket.community_code, ticket.community_code),
        cell(ticket.grid or ""),
        CLASS_LABELS.get(ticket.klass, ticket.klass),
        CATEGORY_LABELS.get(ticket.category, ticket.category),
        STATE_LABELS.get(ticket.state, ticket.state),
        cell(mask(ticket.text, reporter=(ticket.reporter_name,))),
        cell(mask(ticket.location)),
        ROLE_LABELS.get(ticket.responsible or "", ""),
        cell(ticket.assignee_name or ""),
        str(ticket.plus_ones + 1),
        local(ticket.created_at),
        local(ticket.due_at),
        "是" if overdue else "否",
        took(ticket.created_at, responded) if responded else NO_RESPONSE,
        local(ticket.resolved_at),
        cell(mask(note)),
        RATING_LABELS.get(ticket.rating or "", ""),
        local(ticket.updated_at),
    ]


def encode(lines: Sequence[Sequence[str]]) -> bytes:
    """CSV lines as UTF-8 bytes (CRLF line ends, as Excel expects)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue().encode("utf-8")


async def stream(
    request: web.Request,
    reader: Reader,
    query: ListQuery | None,
    names: dict[str, str],
    now: datetime,
) -> web.StreamResponse:
    """Write the CSV of the tickets of ``query`` as the response, batch by batch."""
    stamp = request.app[WEB].clock().strftime("%Y%m%d-%H%M")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="tickets-{stamp}.csv"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    await response.write(BOM.encode("utf-8") + encode([HEADER]))
    policy = request.app[WEB].services.policy

    def with_history(load: Callable[[], list[Ticket]]) -> tuple[list[Ticket], History]:
        tickets = load()
        with reader.session() as session:
            return tickets, history(session, tickets)

    for load in batches(reader, query):
        tickets, past = await asyncio.to_thread(with_history, load)
        if tickets:
            await response.write(encode([row(t, names, now, policy, past) for t in tickets]))
    await response.write_eof()
    return response
