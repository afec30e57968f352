"""Downgrading an urgent ticket: only the secretary or 居委 decide; other parties may ask.

改为 小事 (or any class away from urgent) silences the alarm ladder, so the party that is
being alarmed must not be able to do it alone: its request is relayed to those who decide,
and the alarm goes on until one of them agrees.
"""

from __future__ import annotations

from handlers.commands.parser import Command, ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.followups.notify import People, brief
from handlers.replies import answer
from handlers.vocabulary import CATEGORY_WORDS, CLASS_LABELS, CLASS_WORDS
from storage.models import Ticket

DECIDERS = frozenset({"secretary", "committee"})  # who may take a ticket out of urgent


def needs_decision(ctx: Context, ticket: Ticket, klass: str) -> bool:
    """True when this sender asks to take ``ticket`` out of urgent but may not decide it."""
    return ticket.klass == "urgent" and klass != "urgent" and ctx.role not in DECIDERS


def ask(ctx: Context, ticket: Ticket, klass: str, cmd: Command) -> list[Reply]:
    """Relay the request to the secretary and 居委, and tell the sender why and what next."""
    words = cmd.rest.split()
    changes = [w for w in words if w in CLASS_WORDS or w in CATEGORY_WORDS]
    reason = "".join(words[len(changes) :]) if words[: len(changes)] == changes else ""
    people = People(ctx.session, {ticket.community_code})
    code = ticket.community_code
    deciders = [m for role in ("secretary", "committee") for m in people.with_role(code, role)]
    names = "、".join(m.name for m in deciders) or "社区书记或居委"
    what = CLASS_LABELS[klass]
    typed = f"改为 {' '.join(changes)} {ticket_ref(ticket.id)}"
    because = f"（原因：{reason}）" if reason else ""
    ctx.record(ticket, "reclass_request", note=f"申请急事改为{what}{because}")
    me = ctx.event.sender_name
    request = (
        f"【改类申请】{me}申请把急事 {brief(ticket)} 改为{what}{because}。"
        f"{names}同意请回复「{typed}」；决定之前急事提醒照常。"
    )
    why = f"急事改为{what}要由社区书记或居委决定"
    six = people.six_party(ticket.community_code)
    room = six or ctx.event.room_id
    decider_ids = tuple(m.contact_id for m in deciders)
    if room is None:  # a private message, and no group to relay to
        return [answer(ctx, f"{why}，请在六方群里发「{typed} 原因」。")]
    if room == ctx.event.room_id:
        both = tuple(dict.fromkeys((ctx.event.sender_id, *decider_ids)))
        return [Reply(text=f"{why}。{request}", room_id=room, mention_ids=both)]
    hint = "" if reason else f"可以补上原因：「{typed} 原因」。"
    mine = f"{why}，已把您的申请转给{names}，决定之前急事提醒照常。{hint}"
    return [answer(ctx, mine), Reply(text=request, room_id=room, mention_ids=decider_ids)]
