"""Commands that change where a ticket goes: transfer, re-class, merge."""

from __future__ import annotations

import re

from sqlmodel import col, select, update

from handlers.commands.base import Refusal, find_ticket, one_ticket
from handlers.commands.parser import CATEGORY_WORDS, Command
from handlers.commands.tickets import require_open
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.routing import card, responders, responsible_members, tell_parties, tell_reporters
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CLASS_LABELS,
    ROLE_LABELS,
    ROUTE_BY_CLASS,
    ROUTE_LABELS,
)
from storage.corrections import record_correction
from storage.models import Member, Ticket, TicketReport

# What people call each party; the codes are the design card's.
ROLE_WORDS: dict[str, str] = {
    **{label: code for code, label in ROLE_LABELS.items()},
    "书记": "secretary",
    "居委会": "committee",
    "社区": "committee",
    "部门": "department",
    "城管": "department",
    "单位": "unit",
    "物业公司": "property",
    "业委": "owners",
}
CLASS_WORDS = {label: code for code, label in CLASS_LABELS.items() if code != "none"}


def _member_named(ctx: Context, ticket: Ticket, rest: str) -> Member | None:
    """The member an ``@name`` in ``rest`` (or a mention id) points at, in this community."""
    community = ticket.community_code
    stmt = select(Member).where(Member.community_code == community)
    members = list(ctx.session.exec(stmt))
    for contact_id in ctx.event.mentions:
        for m in members:
            if m.contact_id == contact_id:
                return m
    name = re.sub(r"^@", "", rest).strip()
    return next((m for m in members if m.name == name), None)


def transfer(ctx: Context, cmd: Command) -> list[Reply]:
    """转交 T12 物业|@某人: hand the ticket to another party or person."""
    ticket = one_ticket(ctx, cmd, "转交 T12 物业")
    require_open(ticket)
    target = cmd.rest.strip()
    if not target:
        raise Refusal(f"请写转交给谁，例如：转交 T{ticket.id} 物业，或 转交 T{ticket.id} @张经理")
    role = ROLE_WORDS.get(target)
    member = None if role else _member_named(ctx, ticket, target)
    if role is None and member is None:
        parties = "、".join(
            ROLE_LABELS[c] for c in ("committee", "department", "unit", "property", "owners")
        )
        raise Refusal(f"不知道“{target}”是谁。可以写：{parties}，或 @ 本社区的成员。")
    if member is not None:
        ticket.responsible = member.role
        ticket.assignee_id, ticket.assignee_name = member.contact_id, member.name
        label = member.name
    else:
        ticket.responsible = role
        ticket.assignee_id = ticket.assignee_name = None
        label = ROLE_LABELS[role or ""]
    ctx.record(ticket, "transfer", note=f"转交给{label}")
    ctx.session.flush()
    mentions = [m.contact_id for m in responsible_members(ctx.session, ticket)]
    text = f"T{ticket.id} 已转交给 {label}，请跟进。\n" + card(ctx, ticket)
    replies = [Reply(text=text, room_id=ctx.event.room_id, mention_ids=tuple(mentions))]
    if ctx.event.is_private:
        replies = [answer(ctx, f"T{ticket.id} 已转交给 {label}。")]
    return replies + tell_parties(ctx, ticket, text, mentions)


RECLASS_HINT = (
    "急事、小事、难事，或类别：公共设施、环境卫生、停车、噪音、安全隐患、水电气、电梯、违建装修、"
    "物业服务、邻里纠纷、绿化、民生服务、其他"
)


def _reclass_words(cmd: Command) -> tuple[str | None, str | None, str]:
    """The class and category codes 改为 names, and the first word it did not understand."""
    klass = category = None
    for word in cmd.rest.split():
        if word in CLASS_WORDS and klass is None:
            klass = CLASS_WORDS[word]
        elif word in CATEGORY_WORDS and category is None:
            category = CATEGORY_WORDS[word]
        else:
            return klass, category, word
    return klass, category, ""


def reclass(ctx: Context, cmd: Command) -> list[Reply]:
    """改为 急事|小事|难事 and/or a category T12: correct the ticket and re-route it.

    Every correction is kept as a labelled example of the community, for ``liufang learn``.
    """
    klass, category, unknown = _reclass_words(cmd)
    number = f"T{cmd.tickets[0]}" if len(cmd.tickets) == 1 else "T12"
    if unknown or (klass is None and category is None):
        said = f"不认识“{unknown}”。" if unknown else ""
        raise Refusal(
            f"{said}请写改成什么，例如：改为 急事 {number}、改为 水电气 {number}（{RECLASS_HINT}）"
        )
    ticket = one_ticket(ctx, cmd, "改为 急事 T12")
    require_open(ticket)
    klass = klass or ticket.klass
    category = category or ticket.category
    if klass == ticket.klass and category == ticket.category:
        ticket.maybe_urgent = False  # someone looked at it and kept it as it is
        what = CLASS_LABELS[klass] if cmd.rest.split()[0] in CLASS_WORDS else _cat(category)
        return [answer(ctx, f"T{ticket.id} 本来就是{what}。")]
    was_klass, was_category = ticket.klass, ticket.category
    changes = []
    if klass != was_klass:
        changes.append(f"{CLASS_LABELS[was_klass]}改为{CLASS_LABELS[klass]}")
        ticket.klass, ticket.route = klass, ROUTE_BY_CLASS[klass] or "online"
        ticket.due_at = ctx.services.policy.deadlines.due(klass, ctx.now)
        if klass == "urgent":
            ticket.acknowledged_at = None  # the new urgency needs a fresh acknowledgement
    if category != was_category:
        changes.append(f"类别由{_cat(was_category)}改为{_cat(category)}")
        ticket.category = category
    ticket.maybe_urgent = False  # confirmed urgent, or a person judged it not to be
    ctx.record(ticket, "reclass", note="，".join(changes))
    record_correction(
        ctx.session,
        ticket,
        klass=klass,
        category=category,
        was_klass=was_klass,
        was_category=was_category,
        actor_id=ctx.event.sender_id,
        at=ctx.now,
    )
    ctx.session.flush()
    alerted = (
        responders(ctx.session, ticket)
        if klass == "urgent" and was_klass != "urgent"
        else responsible_members(ctx.session, ticket)
    )
    mentions = tuple(m.contact_id for m in alerted)
    head = f"T{ticket.id} 由" + "，".join(changes).removeprefix("类别由")
    if klass != was_klass:
        head = f"T{ticket.id} 由{changes[0]}（{ROUTE_LABELS[ticket.route]}）"
        if len(changes) > 1:
            head += f"，{changes[1]}"
    head += "。"
    if klass == was_klass:
        head += f"如需换负责方，请发 转交 T{ticket.id} 物业"
    text = head + "\n" + card(ctx, ticket)
    replies = (
        [answer(ctx, head)]
        if ctx.event.is_private
        else [Reply(text=text, room_id=ctx.event.room_id, mention_ids=mentions)]
    )
    replies += tell_parties(ctx, ticket, text, mentions)
    urgent_now = klass == "urgent" and was_klass != "urgent"
    return replies + tell_reporters(ctx, ticket, text, mention=urgent_now)


def _cat(code: str) -> str:
    return CATEGORY_LABELS.get(code, "其他")


def merge(ctx: Context, cmd: Command) -> list[Reply]:
    """合并 T12 T10: T12 is the same problem as T10; its reporters follow T10 from now on."""
    if len(cmd.tickets) != 2:
        raise Refusal("请写两个工单号，把前一个并入后一个，例如：合并 T12 T10")
    dup_no, main_no = cmd.tickets
    if dup_no == main_no:
        raise Refusal("两个工单号是同一个，请写两个不同的工单，例如：合并 T12 T10")
    dup, main = find_ticket(ctx, dup_no), find_ticket(ctx, main_no)
    require_open(dup)
    require_open(main)
    assert dup.id is not None and main.id is not None
    text = f"您反映的 T{dup.id} 和 T{main.id} 是同一个问题，已合并，请关注 T{main.id}。"
    told = tell_reporters(ctx, dup, text, mention=False)
    # The reporters of the duplicate become +1s of the main ticket, so they hear of it.
    ctx.session.execute(
        update(TicketReport).where(col(TicketReport.ticket_id) == dup.id).values(ticket_id=main.id)
    )
    ctx.session.add(
        TicketReport(
            ticket_id=main.id,
            reporter_id=dup.reporter_id,
            reporter_name=dup.reporter_name,
            room_id=dup.room_id,
            text=dup.text,
            at=dup.created_at,
            source_msg_id=f"merge:{dup.source_msg_id}"[:200],
        )
    )
    main.plus_ones += 1 + dup.plus_ones
    dup.merged_into = main.id
    ctx.record(dup, "merge", "merged", f"并入 T{main.id}")
    ctx.record(main, "merge", note=f"T{dup.id} 并入")
    ctx.session.flush()
    done = f"已把 T{dup.id} 并入 T{main.id}，共 {main.plus_ones + 1} 人反映。"
    return [answer(ctx, done), *told]
