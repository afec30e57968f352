"""CSV export of a filtered ticket list: UTF-8 with a BOM (so Excel reads the Chinese), streamed
in batches, without the reporter and with phone numbers masked.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import datetime

from aiohttp import web

from bot.web.dashboard_query import ListQuery, Reader, batches
from bot.web.server import WEB
from handlers.commands.parser import ticket_ref
from handlers.followups.overdue import is_overdue
from handlers.policy import Policy
from handlers.privacy import mask
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CLASS_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
)
from storage.checks import zone_of
from storage.models import Ticket

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
    "更新时间",
)
# A cell starting with one of these is a formula to Excel: a report saying "=HYPERLINK(…)"
# must stay text (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A text cell that a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def row(ticket: Ticket, names: dict[str, str], now: datetime, policy: Policy) -> list[str]:
    """One CSV line of a ticket; times in the configured zone of ``now``."""

    def local(dt: datetime | None) -> str:
        return dt.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M") if dt else ""

    overdue = is_overdue(ticket, now, policy, zone_of(now))
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
        "是" if overdue else "",
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
    for load in batches(reader, query):
        tickets = await asyncio.to_thread(load)
        if tickets:
            policy = request.app[WEB].services.policy
            await response.write(encode([row(t, names, now, policy) for t in tickets]))
    await response.write_eof()
    return response
