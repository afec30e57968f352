"""决议 T12 <decision> 责任方 <party> 期限 <date>: the hall's resolution, then followed up."""

from __future__ import annotations

from datetime import datetime

from handlers.commands.base import Refusal
from handlers.commands.parser import Command, ticket_ref
from handlers.commands.reroute import ROLE_WORDS, _member_named
from handlers.commands.tickets import open_ticket
from handlers.context import Context
from handlers.events import Reply
from handlers.hall.dates import parse_deadline
from handlers.policy import when
from handlers.replies import answer
from handlers.routing import responsible_members, tell_parties, tell_reporters
from handlers.vocabulary import CLASS_LABELS, ROLE_LABELS
from storage.models import Ticket

EXAMPLE = "决议 T12 同意用维修基金更换水泵 责任方 物业 期限 12月20日"
_KEYWORDS = ("责任方", "期限")
_TRIM = " \t,，;；:：。"


def _format(number: int) -> str:
    return f"请按格式写：决议 {ticket_ref(number)} 决议内容 责任方 物业（或 @某人） 期限 12月20日"


def decision_parts(rest: str, number: int) -> tuple[str, str, str]:
    """The decision, the party and the deadline text, or a refusal naming what is missing.

    The last 责任方 and the last 期限 are the keywords, so the decision itself may use the
    words (限定期限内整改).
    """
    marks = sorted((rest.rfind(word), word) for word in _KEYWORDS if word in rest)
    fields = {"决议内容": rest[: marks[0][0]] if marks else rest}
    for i, (pos, word) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(rest)
        fields[word] = rest[pos + len(word) : end]
    fields = {k: v.strip(_TRIM) for k, v in fields.items()}
    missing = [k for k in ("决议内容", "责任方", "期限") if not fields.get(k)]
    if missing:
        raise Refusal(f"缺少{'、'.join(missing)}。{_format(number)}")
    return fields["决议内容"], fields["责任方"], fields["期限"]


def _assign(ctx: Context, ticket: Ticket, party: str) -> str:
    """Make ``party`` (a role word or @someone) responsible; returns it in words."""
    role = ROLE_WORDS.get(party)
    member = None if role else _member_named(ctx, ticket, party)
    if member is not None:
        ticket.responsible = member.role
        ticket.assignee_id, ticket.assignee_name = member.contact_id, member.name
        return member.name
    if role is None:
        parties = "、".join(
            ROLE_LABELS[c] for c in ("committee", "department", "unit", "property", "owners")
        )
        raise Refusal(f"不知道责任方“{party}”是谁。可以写：{parties}，或 @ 本社区的成员。")
    ticket.responsible = role
    ticket.assignee_id = ticket.assignee_name = None
    return ROLE_LABELS[role]


def decide(ctx: Context, cmd: Command) -> list[Reply]:
    """Record the resolution, assign the party, set the deadline, and tell the reporters."""
    ticket = open_ticket(ctx, cmd, EXAMPLE)
    n = ticket.id or 0
    if ticket.klass != "difficult":
        raise Refusal(
            f"{ticket_ref(n)} 是{CLASS_LABELS[ticket.klass]}，不上议事厅，不用决议。"
            f"如需上会，先发「改为 难事 {ticket_ref(n)}」。"
        )
    decision, party, day_text = decision_parts(cmd.rest, n)
    now, tz = ctx.now, ctx.now.tzinfo
    day = parse_deadline(day_text, now.date())
    if day is None:
        raise Refusal(f"看不懂期限“{day_text[:20]}”，请写日期，例如：期限 12月20日。{_format(n)}")
    due = datetime.combine(day, ctx.services.policy.deadlines.workday_end, tzinfo=tz)
    if due <= now:
        raise Refusal(f"期限 {when(due, tz)} 已经过去了，请写以后的日期。")
    label = _assign(ctx, ticket, party)
    amended = bool(ticket.resolution)
    ticket.resolution = decision
    ticket.due_at = due
    ctx.record(
        ticket, "resolution", "in_progress", f"{decision}｜责任方：{label}｜期限：{when(due, tz)}"
    )
    ctx.session.flush()
    mentions = tuple(m.contact_id for m in responsible_members(ctx.session, ticket))
    head = f"{ticket_ref(n)} 议事厅{'修改' if amended else ''}决议：{decision}"
    text = f"{head}\n责任方：{label}\n期限：{when(due, tz)}\n到期前会催办，超期会在六方群通报。"
    if ctx.event.is_private:
        replies = [
            answer(ctx, f"已记录 {ticket_ref(n)} 的决议，责任方：{label}，期限：{when(due, tz)}。")
        ]
    else:
        replies = [Reply(text=text, room_id=ctx.event.room_id, mention_ids=mentions)]
    told = (
        f"您反映的 {ticket_ref(n)} 经议事厅议定：{decision}"
        f"。责任方：{label}，期限 {when(due, tz)}。"
    )
    return (
        replies
        + tell_parties(ctx, ticket, text, mentions)
        + tell_reporters(ctx, ticket, told, mention=True)
    )
