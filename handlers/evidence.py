"""Evidence: a photo or video a reporter sends just after a report is attached to the ticket.

People in grid groups often say what is wrong and then send a picture of it. Such a picture
(or short video) from the same person, in the same group or privately to the bot, within
:data:`WINDOW` of their report, becomes a ``ticket_evidence`` row and an ``evidence`` event.

The channel puts where it saved the file into ``Inbound.text`` for these kinds (empty when
the file could not be fetched; the chat message id is kept instead). Anything else that is
not text gets a short hint where the bot may speak; stickers and files pass on unanswered.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.commands.parser import ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from storage import evidence as stored
from storage.models import Ticket, TicketEvidence

WINDOW = timedelta(minutes=10)
MEDIA_KINDS = {"image": "照片", "video": "视频"}
CLOSED_STATES = ("closed", "rejected")

MEDIA_HINT = (
    "收到{what}。{what}要跟着报事发才能附到工单上：请先用文字写清问题和位置，"
    "例如“3栋2单元门口的路灯坏了”，再在几分钟内发{what}。"
)
VOICE_HINT = "我听不了语音。报事请用文字写清问题和位置，例如：3栋2单元门口的路灯坏了"


class EvidenceHandler:
    """Attaches a reporter's photo or video to their fresh ticket; hints for other media."""

    name = "evidence"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """Attach, hint, or pass the message on (text, stickers, files)."""
        ev = ctx.event
        may_speak = ev.is_private or ctx.group is not None
        if ev.kind == "voice":
            return [answer(ctx, VOICE_HINT)] if may_speak else []
        what = MEDIA_KINDS.get(ev.kind)
        if what is None:
            return None
        if not may_speak:
            return []  # an unbound group is not ours to speak in
        source = f"{ev.room_id}:{ev.msg_id}"[:200]
        if stored.is_attached(ctx.session, source):
            return []  # redelivered: attached the first time
        ticket = recent_ticket(ctx)
        if ticket is None or ticket.id is None:
            return [answer(ctx, MEDIA_HINT.format(what=what))]
        ref = (ev.text.strip() or f"wechat-message:{ev.msg_id}")[:500]
        ctx.session.add(
            TicketEvidence(
                ticket_id=ticket.id,
                kind=ev.kind,
                ref=ref,
                sender_id=ev.sender_id,
                sender_name=ev.sender_name,
                room_id=ev.room_id,
                at=ctx.now,
                source_msg_id=source,
            )
        )
        ctx.record(ticket, "evidence", note=f"{what}：{ref}")
        return [answer(ctx, f"已把{what}附到 {ticket_ref(ticket.id)}")]


def recent_ticket(ctx: Context) -> Ticket | None:
    """The open ticket the sender reported (or +1'd) last, within the window, if any.

    In a group only reports made in that group count; privately, any of the sender's.
    """
    ev, since = ctx.event, ctx.now - WINDOW
    room = None if ev.is_private else ev.room_id
    found = stored.reports_since(ctx.session, ev.sender_id, since, room)
    if not found:
        return None
    target = ctx.session.get(Ticket, max(found)[1])
    # A report later merged into another ticket belongs with the ticket it went into.
    for _ in range(10):
        if target is None or target.merged_into is None:
            break
        target = ctx.session.get(Ticket, target.merged_into)
    if target is None or target.state in CLOSED_STATES:
        return None
    return target
