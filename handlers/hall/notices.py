"""Meeting notices in the six-party group: the agenda 3 days before, reminders 1 day and 1 hour
before. ``HALL_KINDS`` maps each notice kind to its batch handler for the follow-up engine."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, tzinfo

from handlers.commands.parser import ticket_ref
from handlers.events import Reply
from handlers.followups.engine import BatchHandler, SweepContext
from handlers.hall.meetings import NOTICE_KINDS, agenda
from handlers.policy import when
from handlers.privacy import mask
from handlers.routing import members_with_roles
from handlers.vocabulary import SIX_PARTIES
from storage import followups
from storage import meetings as stored
from storage.followups import DueRow
from storage.models import Meeting, Ticket
from storage.people import six_party_room

log = logging.getLogger(__name__)

AGENDA_TEXT_CHARS = 40
EMPTY = "本次议事厅暂无议题。有需要多方商议的难事，可以在群里报事，或发「改为 难事 T12」上会。"


def item_line(number: int, ticket: Ticket) -> str:
    """One agenda line: ``1. T12 short text（+2人反映）``, personal data masked."""
    text = mask(ticket.text)
    if len(text) > AGENDA_TEXT_CHARS:
        text = text[: AGENDA_TEXT_CHARS - 1] + "…"
    more = f"（+{ticket.plus_ones}人反映）" if ticket.plus_ones else ""
    return f"{number}. {ticket_ref(ticket.id)} {text}{more}"


def agenda_lines(items: Sequence[Ticket]) -> list[str]:
    """The numbered agenda, or the line that says there is none."""
    if not items:
        return [EMPTY]
    return [f"议程（{len(items)}项）：", *(item_line(i, t) for i, t in enumerate(items, 1))]


def relative(starts: datetime, now: datetime) -> str:
    """How far off a meeting is, in words: 45分钟后, 1小时后, 今天, 明天, 后天, 3天后."""
    minutes = round((starts - now).total_seconds() / 60)
    if minutes < 120:
        whole_hours = minutes >= 60 and minutes % 60 == 0
        return f"{minutes // 60}小时后" if whole_hours else f"{minutes}分钟后"
    days = (starts.astimezone(now.tzinfo).date() - now.date()).days
    return {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{days}天后")


def meeting_head(meeting: Meeting, now: datetime, tz: tzinfo | None) -> list[str]:
    """The time (with how far off it is) and the place of a meeting."""
    extra = "·临时会议" if meeting.kind == "extra" else ""
    return [
        f"时间：{when(meeting.starts_at, tz)}（{relative(meeting.starts_at, now)}{extra}）",
        f"地点：{meeting.place}",
    ]


def notice_text(meeting: Meeting, items: Sequence[Ticket], now: datetime, *, first: bool) -> str:
    """The notice (the first one sent for a meeting) or a reminder, with the agenda."""
    title = "【议事厅会议通知】" if first else "【议事厅会议提醒】"
    lines = [title, *meeting_head(meeting, now, now.tzinfo), *agenda_lines(items)]
    if items:
        lines.append(
            f"请各方准时参加。会上议定后发：决议 {ticket_ref(items[0].id)}"
            f" 决议内容 责任方 物业 期限 12月20日"
        )
    return "\n".join(lines)


def send_notices(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """Post the due notices; skip those overtaken by a later one, or of a past/closed meeting."""
    session, now = ctx.session, ctx.now
    ids = sorted({r.meeting_id for r in rows if r.meeting_id is not None})
    meetings = stored.meetings_by_id(session, ids)
    siblings = stored.notices_of(session, ids, NOTICE_KINDS)
    sent = {s.meeting_id for s in siblings if s.outcome == "sent"}
    items = agenda(session, ids)
    replies: list[Reply] = []
    skipped: list[int] = []
    for row in rows:
        meeting = meetings.get(row.meeting_id)
        rank = NOTICE_KINDS.index(row.kind)
        overtaken = any(
            s.meeting_id == row.meeting_id
            and s.done_at is None
            and s.due_at <= now
            and NOTICE_KINDS.index(s.kind) > rank
            for s in siblings
        )
        if meeting is None or meeting.state != "scheduled" or meeting.starts_at <= now:
            skipped.append(row.id)
            continue
        todo = items.get(meeting.id or 0, [])
        # After downtime only the latest due notice goes out; an empty meeting is announced
        # once, not reminded of.
        six = six_party_room(session, meeting.community_code)
        if six is None:
            log.warning("no six-party group in %s for the hall notice", meeting.community_code)
        if overtaken or (not todo and meeting.id in sent) or six is None:
            skipped.append(row.id)
            continue
        first = meeting.id not in sent
        parties = members_with_roles(session, meeting.community_code, SIX_PARTIES)
        mentions = tuple(m.contact_id for m in parties) if todo else ()
        text = notice_text(meeting, todo, now, first=first)
        replies.append(Reply(text=text, room_id=six, mention_ids=mentions, followup=True))
        sent.add(meeting.id)
    # Marked now, so the engine's "sent" (which only touches rows still pending) leaves them be.
    followups.finish(session, skipped, now, "skipped")
    return replies


HALL_KINDS: dict[str, BatchHandler] = dict.fromkeys(NOTICE_KINDS, send_notices)
