"""Routing: 小事线上议、急事现场议、难事会场议 — who is told what when a ticket moves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from sqlmodel import Session

from handlers.commands.parser import ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.followups.notify import People
from handlers.hall.meetings import place_on_agenda
from handlers.policy import when
from handlers.privacy import mask
from handlers.understanding.frames import Emergency
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, ROLE_LABELS, ROUTE_LABELS
from storage import ticket_queries
from storage.models import Member, Ticket
from storage.outbox import mention_chunks
from storage.people import six_party_room
from storage.ticket_rows import TicketView

CARD_TEXT_CHARS = 80


def members_with_roles(
    session: Session, community_code: str, roles: Iterable[str], grid: str | None = None
) -> list[Member]:
    """Members of a community holding any of ``roles`` (grid leaders of ``grid`` only)."""
    people = People(session, {community_code})
    return [m for role in roles for m in people.with_role(community_code, role, grid)]


def responsible_members(session: Session, ticket: Ticket) -> list[Member]:
    """Who must act on a ticket: whoever claimed it, else everyone in the responsible role."""
    return People(session, {ticket.community_code}).responsible_members(ticket)


def responders(session: Session, ticket: Ticket) -> list[Member]:
    """On-duty responders for an urgent ticket: grid leader, property, department, secretary."""
    return People(session, {ticket.community_code}).responder_members(ticket)


def party_label(ticket: TicketView) -> str:
    """The responsible party in words: the claimant's name or the role's label."""
    if ticket.assignee_name:
        return ticket.assignee_name
    return ROLE_LABELS.get(ticket.responsible or "", "相关方")


def short_text(ticket: Ticket) -> str:
    """The ticket's text for a card: personal data masked, long texts cut."""
    text = mask(ticket.text)
    return text if len(text) <= CARD_TEXT_CHARS else text[: CARD_TEXT_CHARS - 1] + "…"


def plan_line(ctx: Context, ticket: Ticket) -> str:
    """What happens next, by route; a difficult ticket is put on its meeting's agenda here."""
    tz = ctx.now.tzinfo
    # Each read once: every attribute read of a table row goes through the ORM's instrumentation.
    due_at, route = ticket.due_at, ticket.route
    due = f"，期限 {when(due_at, tz)}" if due_at else ""
    if route == "hall" and (resolution := ticket.resolution) and ticket.state != "reopened":
        return f"难事会场议：议事厅已决议：{resolution}{due}。"
    if route == "hall":
        # Puts the ticket on the real meeting row, so the card names the meeting it is on.
        meeting = place_on_agenda(ctx.session, ticket, ctx.now, ctx.services.policy)
        at = when(meeting.starts_at, tz)
        return f"难事会场议：列入 {at} 议事厅会议议程（{meeting.place}）。"
    if route == "onsite":
        minutes = ctx.services.policy.deadlines.urgent_ack_minutes
        return (
            f"急事现场议：请 {minutes}"
            f" 分钟内到场，到场后回复「到场 {ticket_ref(ticket.id)}」{due}。"
        )
    return f"小事线上议：请{party_label(ticket)}回复「认领 {ticket_ref(ticket.id)}」接单{due}。"


def card(
    ctx: Context,
    ticket: Ticket,
    plan: str | None = None,
    emergency: Emergency | Literal[False] | None = False,
) -> str:
    """The ticket card posted in the six-party group (``plan``: its :func:`plan_line`;
    ``emergency``: the emergency line's advice for its text; each when the caller has it
    already)."""
    where, grid, route = ticket.location or "未写明", ticket.grid, ticket.route
    if grid:
        where += f"（{grid}）"
    lines = [
        f"【{ticket_ref(ticket.id)} {CLASS_LABELS[ticket.klass]}·{ROUTE_LABELS[route]}】"
        f"{CATEGORY_LABELS.get(ticket.category, '其他')}",
        f"位置：{where}",
        f"内容：{short_text(ticket)}",
        f"负责：{party_label(ticket)}",
        plan_line(ctx, ticket) if plan is None else plan,
    ]
    if route == "onsite" and emergency is False:
        emergency = ctx.services.nlp.emergency(ticket.text)
    if route == "onsite" and emergency:
        lines.append(emergency.line())
    if reasons := reasons_line(ticket):
        lines.append(reasons)
    return "\n".join(lines)


def reasons_line(ticket: Ticket) -> str:
    """Why the ticket was classified so, for the six parties: 「依据：小:坏了、类:路灯」."""
    cues = [c for c in ticket.cues.split("|") if c][:3]
    return "依据：" + "、".join(cues) if cues else ""


def plain_reasons(ticket: Ticket) -> list[str]:
    """The words of the message the judgement rests on, for a plain sentence to residents."""
    words: list[str] = []
    for cue in ticket.cues.split("|"):
        mark, _, said = cue.partition(":")
        if mark in _PLAIN_MARKS and not said.startswith("模型"):
            words += [w for w in said.split("+") if w and w not in words]
    return words[:3]


# Cue marks that quote the message (急 小 难 类 可能急); 模型 (a percentage), 否 and 降 do not
# explain a filing to a resident.
_PLAIN_MARKS = frozenset({"急", "小", "难", "类", "可能急"})


MAYBE_URGENT_ASK = "如有人身危险请回复 急"


def maybe_urgent_check(ctx: Context, ticket: Ticket, room_id: str | None) -> Reply:
    """Danger was seen but not decided: one short check for the on-duty people, no ladder."""
    people = People(ctx.session, {ticket.community_code})
    duty = tuple(m.contact_id for m in people.responder_members(ticket))
    # Danger was seen: the check must not wait behind routine traffic either.
    text = maybe_urgent_alert(ctx, ticket)
    return Reply(text=text, room_id=room_id, mention_ids=duty, urgent=True)


def maybe_urgent_alert(ctx: Context, ticket: Ticket) -> str:
    """The text of that check: what was reported, where, why, and what to answer."""
    why = next((c.split(":", 1)[1] for c in ticket.cues.split("|") if c.startswith("可能急:")), "")
    seen = f"（{why}）" if why else ""
    return (
        f"【可能是急事 {ticket_ref(ticket.id)}】{short_text(ticket)}\n"
        f"位置：{ticket.location or '未写明'}{seen}\n"
        f"请值班人员尽快核实；确属急事请回复「改为 急事 {ticket_ref(ticket.id)}」。"
    )


def route_new_ticket(ctx: Context, ticket: Ticket, receipt: str, notes: str) -> list[Reply]:
    """The replies for a new ticket: a receipt to the reporter, the card to the six parties."""
    ev = ctx.event
    community, maybe_urgent = ticket.community_code, ticket.maybe_urgent
    people = People(ctx.session, {community})
    six = people.six_party(community)
    urgent = ticket.route == "onsite"
    alerted = people.responder_members(ticket) if urgent else people.responsible_members(ticket)
    sender = ev.sender_id
    alert_ids = tuple(c for c in (m.contact_id for m in alerted) if c != sender)
    lines = [receipt]
    # Counted once for the receipt and the card: a hall ticket's line looks its meeting up.
    plan: str | None = None
    # Looked up once for the receipt and the card (it reads the whole text again).
    emergency: Emergency | Literal[False] | None = False
    if urgent:
        names = "、".join(m.name for m in alerted) or "值班人员"
        lines.append(f"已通知{names}马上到场。")
        if emergency := ctx.services.nlp.emergency(ticket.text):
            lines.append(emergency.line())
    elif six and six != ev.room_id:
        plan = plan_line(ctx, ticket)
        lines.append(f"已转六方议事群。{plan}")
    else:
        lines.append(plan_line(ctx, ticket))
    if maybe_urgent:
        lines.append(MAYBE_URGENT_ASK)
    if notes:
        lines.append(notes)
    origin_mentions = (
        (ev.sender_id, *alert_ids) if urgent or six == ev.room_id else (ev.sender_id,)
    )
    replies = [Reply(text="\n".join(lines), room_id=ev.room_id, mention_ids=origin_mentions)]
    if six and six != ev.room_id:
        text = card(ctx, ticket, plan, emergency)
        replies.append(Reply(text=text, room_id=six, mention_ids=alert_ids))
    if maybe_urgent:
        replies.append(maybe_urgent_check(ctx, ticket, six or ev.room_id))
    if urgent or maybe_urgent:
        # Danger, or possible danger: the receipt and card jump every room's queue.
        replies = [replace(r, urgent=True) for r in replies]
    return replies


def reporter_rooms(session: Session, ticket: Ticket) -> dict[str | None, list[str]]:
    """Everyone who reported this problem (first report and +1s), grouped by room."""
    rooms: dict[str | None, list[str]] = {ticket.room_id: [ticket.reporter_id]}
    for r in ticket_queries.reports_of(session, [ticket.id]):
        ids = rooms.setdefault(r.room_id, [])
        if r.reporter_id not in ids:
            ids.append(r.reporter_id)
    return rooms


# Beyond this many messages calling reporters, the rest are told by the count, not by name.
MENTION_MESSAGES = 5


def tell_reporters(ctx: Context, ticket: Ticket, text: str, *, mention: bool) -> list[Reply]:
    """Post ``text`` back where the ticket was reported (unless that is here, unmentioned).

    A big incident's reporters are called in several messages (see :func:`call_people`).
    """
    replies = []
    for room_id, ids in reporter_rooms(ctx.session, ticket).items():
        if room_id is None:
            continue
        if room_id == ctx.event.room_id and not mention:
            continue
        if mention:
            replies += call_people(ticket, text, room_id, ids)
        else:
            replies.append(Reply(text=text, room_id=room_id))
    return replies


def call_people(ticket: Ticket, text: str, room_id: str, ids: Sequence[str]) -> list[Reply]:
    """``text`` @-mentioning ``ids`` in one room, in as many messages as that takes.

    The first message carries the text and the first names; each further one calls more
    people with a short pointer to it. Past :data:`MENTION_MESSAGES` messages the first one
    names the count instead, so a thousand reporters never mean a thousand-name flood.
    """
    chunks = mention_chunks(ids)
    called = chunks[:MENTION_MESSAGES]
    n_called = sum(len(c) for c in called)
    first = text
    if n_called < len(ids):
        first += f"\n（共 {len(ids)} 人反映，这里提醒了其中 {n_called} 位，其他各位请看本条。）"
    replies = [Reply(text=first, room_id=room_id, mention_ids=called[0] if called else ())]
    for chunk in called[1:]:
        replies.append(
            Reply(
                text=f"（接上条）{ticket_ref(ticket.id)} 的消息，请以上各位查看。",
                room_id=room_id,
                mention_ids=chunk,
            )
        )
    return replies


def tell_parties(
    ctx: Context, ticket: Ticket, text: str, mention_ids: Sequence[str]
) -> list[Reply]:
    """Post ``text`` in the six-party group (unless the command was given there)."""
    six = six_party_room(ctx.session, ticket.community_code)
    if six is None or six == ctx.event.room_id:
        return []
    return [Reply(text=text, room_id=six, mention_ids=tuple(mention_ids))]
