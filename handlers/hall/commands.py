"""Hall commands: 议程 (the next meeting), 召开议事 <time> (an extra meeting), 休会 (adjourn)."""

from __future__ import annotations

from datetime import tzinfo

from handlers.commands.base import Refusal, community_of
from handlers.commands.parser import Command, ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.hall.dates import parse_moment
from handlers.hall.meetings import (
    agenda,
    agenda_note,
    current,
    ensure_meeting,
    is_live,
    move_items,
    upcoming,
)
from handlers.hall.notices import agenda_lines, item_line, meeting_head
from handlers.policy import when
from handlers.replies import answer
from handlers.routing import party_label
from handlers.workdays import is_public_holiday
from storage import followups
from storage import meetings as stored
from storage.checks import saved_id
from storage.models import Ticket
from storage.people import six_party_room

CHAIRS = frozenset({"secretary", "committee"})  # who calls, minutes and closes meetings
CONVENE_FORMS = (
    "召开议事 12月3日 15:00（也可以写 2026-12-03 15:00、下周四 15:00、明天 下午3点），"
    "时间后面可以加地点"
)
_PLACE_LEAD = " \t,，。:：在地点"
DECIDED_TEXT_CHARS = 40


def _with_six(ctx: Context, code: str, text: str) -> list[Reply]:
    """The answer here, and the same text in the six-party group when said elsewhere."""
    replies = [answer(ctx, text)]
    six = six_party_room(ctx.session, code)
    if six is not None and six != ctx.event.room_id:
        replies.append(Reply(text=text, room_id=six))
    return replies


def show_agenda(ctx: Context, cmd: Command) -> list[Reply]:
    """议程: the meeting under way, or else the next one: time, place and agenda."""
    code, now = community_of(ctx), ctx.now
    meeting = current(ctx.session, code, now)
    title = "正在召开的议事厅会议"
    if meeting is None or meeting.starts_at > now or not is_live(meeting, now):
        meeting = upcoming(ctx.session, code, now, ctx.services.policy)
        title = "下次议事厅会议"
    meeting_id = saved_id(meeting)
    items = agenda(ctx.session, [meeting_id])[meeting_id]
    lines = [f"{title}：", *meeting_head(meeting, now, now.tzinfo), *agenda_lines(items)]
    return [answer(ctx, "\n".join(lines))]


def convene(ctx: Context, cmd: Command) -> list[Reply]:
    """召开议事 12月3日 15:00 [地点]: an extra meeting; open items move to the earliest one."""
    code, now, session = community_of(ctx), ctx.now, ctx.session
    hall = ctx.services.policy.hall(code)
    # The raw text, not cmd.rest: a day such as 3号 would have been taken for a ticket number.
    text = ctx.text.strip()[len(cmd.word) :].strip(" \t,，:：")
    if not text:
        raise Refusal(f"请写会议时间，例如：{CONVENE_FORMS}")
    parsed = parse_moment(text, now, hall.at)
    if parsed is None:
        raise Refusal(f"看不懂会议时间“{text[:20]}”。请这样写：{CONVENE_FORMS}")
    at, place = parsed
    tz = now.tzinfo
    if at <= now:
        raise Refusal(f"{when(at, tz)} 已经过去了，请写以后的时间，例如：召开议事 下周四 15:00")
    place = place.lstrip(_PLACE_LEAD)[:200] or hall.place
    meeting, created = ensure_meeting(session, code, at, place, now, kind="extra")
    if not created:
        raise Refusal(f"{when(at, tz)} 已经有议事厅会议了，发「议程」看议程。")
    first = upcoming(session, code, now, ctx.services.policy)
    later = stored.other_scheduled_after(session, code, now, but=first.id)
    waiting = [t for items in agenda(session, later).values() for t in items]
    moved = move_items(session, waiting, first, now, agenda_note(first, now))
    session.flush()
    meeting_id = saved_id(meeting)
    lines = ["已安排议事厅临时会议。", *meeting_head(meeting, now, tz)]
    if is_public_holiday(at.date()):  # allowed (an emergency may need it), but say so
        lines.append("注意：这天是法定节假日，请确认各方能到。")
    lines += agenda_lines(agenda(session, [meeting_id])[meeting_id])
    if moved and first.id == meeting_id:
        lines.append("以上议题已从原定会议移到本次会议。")
    elif first.id != meeting_id:
        lines.append(f"待议的难事仍在更早的 {when(first.starts_at, tz)} 会议上议。")
    lines.append("会前会在六方群发通知和提醒。")
    return _with_six(ctx, code, "\n".join(lines))


def adjourn(ctx: Context, cmd: Command) -> list[Reply]:
    """休会: close the meeting under way; unfinished items roll over to the next meeting."""
    code, now, session = community_of(ctx), ctx.now, ctx.session
    tz = now.tzinfo
    meeting = current(session, code, now)
    if meeting is None:
        nxt = upcoming(session, code, now, ctx.services.policy)
        raise Refusal(
            f"现在没有在开的议事厅会议。下次会议 {when(nxt.starts_at, tz)}，发「议程」看议程。"
        )
    meeting_id = saved_id(meeting)
    meeting.state = "adjourned"
    session.add(meeting)
    pending = followups.pending_for_meetings(session, [meeting_id])
    followups.finish(session, [p.id for p in pending if p.id is not None], now, "cancelled")
    todo = agenda(session, [meeting_id])[meeting_id]
    decided = stored.decided_items(session, meeting_id)
    nxt = upcoming(session, code, now, ctx.services.policy)
    move_items(session, todo, nxt, now, "休会未议完，" + agenda_note(nxt, now))
    session.flush()
    lines = [f"{when(meeting.starts_at, tz)} 的议事厅会议已休会。"]
    if decided:
        lines.append(f"已决议（{len(decided)}项）：")
        lines += [_decided_line(t, tz) for t in decided]
    if todo:
        lines.append(
            f"未议完（{len(todo)}项），转入下次会议 {when(nxt.starts_at, tz)}（{nxt.place}）："
        )
        lines += [item_line(i, t) for i, t in enumerate(todo, 1)]
    else:
        lines.append("议程都已议完。")
    return _with_six(ctx, code, "\n".join(lines))


def _decided_line(ticket: Ticket, tz: tzinfo | None) -> str:
    text = ticket.resolution
    if len(text) > DECIDED_TEXT_CHARS:
        text = text[: DECIDED_TEXT_CHARS - 1] + "…"
    due = f"，期限 {when(ticket.due_at, tz)}" if ticket.due_at else ""
    return f"{ticket_ref(ticket.id)} {text}——责任方：{party_label(ticket)}{due}"
