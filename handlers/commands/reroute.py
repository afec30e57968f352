"""Commands that change where a ticket goes: transfer, re-class, merge."""

from __future__ import annotations

import re
from dataclasses import replace

from handlers.commands import downgrade
from handlers.commands.base import Refusal, find_ticket
from handlers.commands.parser import Command, ticket_ref
from handlers.commands.tickets import open_ticket, require_open
from handlers.context import Context
from handlers.duplicates import ANONYMOUS_REPORTER, reporters_besides_first
from handlers.events import Reply
from handlers.replies import answer
from handlers.routing import (
    card,
    party_label,
    responders,
    responsible_members,
    tell_parties,
    tell_reporters,
)
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CATEGORY_WORDS,
    CLASS_LABELS,
    CLASS_WORDS,
    ROLE_LABELS,
    ROUTE_BY_CLASS,
    ROUTE_LABELS,
)
from storage import people, ticket_queries
from storage.checks import saved_id
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


def _member_named(ctx: Context, ticket: Ticket, rest: str) -> Member | None:
    """The member an ``@name`` in ``rest`` (or a mention id) points at, in this community."""
    community = ticket.community_code
    members = people.members_of(ctx.session, community)
    for contact_id in ctx.event.mentions:
        for m in members:
            if m.contact_id == contact_id:
                return m
    name = re.sub(r"^@", "", rest).strip()
    return next((m for m in members if m.name == name), None)


def transfer(ctx: Context, cmd: Command) -> list[Reply]:
    """转交 T12 物业|@某人: hand the ticket to another party or person."""
    ticket = open_ticket(ctx, cmd, "转交 T12 物业")
    target = cmd.rest.strip()
    if not target:
        raise Refusal(
            f"请写转交给谁，例如：转交 {ticket_ref(ticket.id)}"
            f" 物业，或 转交 {ticket_ref(ticket.id)} @张经理"
        )
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
    if ticket.acknowledged_at is None:
        ticket.answered_at = None  # nobody is on site: the new party must answer the alarm
    ctx.record(ticket, "transfer", note=f"转交给{label}")
    ctx.session.flush()
    mentions = [m.contact_id for m in responsible_members(ctx.session, ticket)]
    text = f"{ticket_ref(ticket.id)} 已转交给{label}，请跟进。\n" + card(ctx, ticket)
    replies = [Reply(text=text, room_id=ctx.event.room_id, mention_ids=tuple(mentions))]
    if ctx.event.is_private:
        replies = [answer(ctx, f"{ticket_ref(ticket.id)} 已转交给{label}。")]
    return replies + tell_parties(ctx, ticket, text, mentions)


# What 改为 accepts, briefly, for the refusals.
RECLASS_HINT = (
    "类：急事、小事、难事；类别：公共设施、环境卫生、停车、噪音、安全隐患、水电气、电梯、违建装修、"
    "物业服务、邻里纠纷、绿化、民生服务、其他"
)


def _cat(code: str) -> str:
    """A category code in words."""
    return CATEGORY_LABELS.get(code, "其他")


def _reclass_words(cmd: Command, number: str) -> tuple[str | None, str | None]:
    """The class and category codes 改为 names (None when not named), or a refusal."""
    example = f"例如：改为 急事 {number}，改为 水电气 {number}，或 改为 急事 水电气 {number}。"
    klass = category = None
    for word in cmd.rest.split():
        if code := CLASS_WORDS.get(word):
            if klass not in (None, code):
                raise Refusal(f"一次只能改成一类，您写了{CLASS_LABELS[klass]}和{word}。{example}")
            klass = code
        elif code := CATEGORY_WORDS.get(word):
            if category not in (None, code):
                raise Refusal(f"一次只能改成一个类别，您写了{_cat(category)}和{word}。{example}")
            category = code
        elif klass is None and category is None:
            raise Refusal(f"不认识“{word}”。请写改成什么，{example}{RECLASS_HINT}")
        else:
            # 改为 急事 T12 里面有人: what follows a understood correction is a note, and an
            # urgent correction must never be refused for it.
            break
    if klass is None and category is None:
        raise Refusal(f"请写改成什么（哪一类或哪个类别），{example}{RECLASS_HINT}")
    return klass, category


def reclass(ctx: Context, cmd: Command) -> list[Reply]:
    """改为 急事|小事|难事 and/or a category T12: correct the ticket and re-route it.

    Every correction is kept as a labelled example of the community, for ``liufang learn``.
    """
    number = ticket_ref(cmd.tickets[0]) if len(cmd.tickets) == 1 else "T12"
    named_klass, named_category = _reclass_words(cmd, number)
    ticket = open_ticket(ctx, cmd, "改为 急事 T12")
    was_klass, was_category = ticket.klass, ticket.category
    klass, category = named_klass or was_klass, named_category or was_category
    if downgrade.needs_decision(ctx, ticket, klass):
        return downgrade.ask(ctx, ticket, klass, cmd)
    if klass == was_klass and category == was_category:
        named = {"klass": named_klass is not None, "category": named_category is not None}
        return _already(ctx, ticket, **named)
    changes = []
    if klass != was_klass:
        changes.append(f"{CLASS_LABELS[was_klass]}改为{CLASS_LABELS[klass]}")
        ticket.klass, ticket.route = klass, ROUTE_BY_CLASS[klass] or "online"
        ticket.due_at = ctx.services.policy.deadlines.due(klass, ctx.now)
        if klass == "urgent":
            # The new urgency needs a fresh answer, and its alarm ladder starts at the bottom.
            ticket.acknowledged_at = ticket.answered_at = None
            ticket.alerts = 0
    if category != was_category:
        changes.append(f"类别由{_cat(was_category)}改为{_cat(category)}")
        ticket.category = category
    # Confirmed urgent, or a person looked and judged it otherwise: 可能是急事 is settled.
    ticket.maybe_urgent = False
    ctx.record(ticket, "reclass", note="，".join(changes))
    ctx.concerns(ticket)  # 改为 急事: the new card and alerts are urgent
    _learn(ctx, ticket, was_klass, was_category)
    ctx.session.flush()
    urgent_now = klass == "urgent" and was_klass != "urgent"
    alerted = (
        responders(ctx.session, ticket) if urgent_now else responsible_members(ctx.session, ticket)
    )
    mentions = tuple(m.contact_id for m in alerted)
    if klass != was_klass:  # the class change comes first, with its new route
        changes[0] = f"由{changes[0]}（{ROUTE_LABELS[ticket.route]}）"
    head = f"{ticket_ref(ticket.id)} " + "，".join(changes) + "。"
    body = card(ctx, ticket)  # once: a hall card puts the ticket on a meeting's agenda
    told = head + "\n" + body  # reporters cannot 转交: they get no hint
    if category != was_category:
        # A new category does not move the ticket to another party: say how to, if needed.
        other = "居委" if ticket.responsible == "property" else "物业"
        head += (
            f"负责方仍是{party_label(ticket)}"
            f"，如需换负责方，请发 转交 {ticket_ref(ticket.id)} {other}。"
        )
    text = head + "\n" + body
    replies = (
        [answer(ctx, head)]
        if ctx.event.is_private
        else [Reply(text=text, room_id=ctx.event.room_id, mention_ids=mentions)]
    )
    replies += tell_parties(ctx, ticket, text, mentions)
    joined_here = False
    for note in tell_reporters(ctx, ticket, told, mention=urgent_now):
        here = note.room_id == ctx.event.room_id and replies[0].room_id == note.room_id
        if here and not joined_here:  # the first call only: further ones stay messages
            joined_here = True
            # The reporter said it here (their 「急」): one message, the reporters @'d in it.
            both = tuple(dict.fromkeys((*replies[0].mention_ids, *note.mention_ids)))
            replies[0] = replace(replies[0], mention_ids=both)
        else:
            replies.append(note)
    return replies


def _already(ctx: Context, ticket: Ticket, *, klass: bool, category: bool) -> list[Reply]:
    """改为 what the ticket already is (``klass``/``category``: which were named): a short
    answer; on a 可能是急事 ticket it is also a decision, so the flag is settled and learned."""
    if klass:
        both = f"、{_cat(ticket.category)}" if category else ""
        text = f"{ticket_ref(ticket.id)} 本来就是{CLASS_LABELS[ticket.klass]}{both}。"
    else:
        text = f"{ticket_ref(ticket.id)} 的类别本来就是{_cat(ticket.category)}。"
    if ticket.maybe_urgent:
        ticket.maybe_urgent = False
        ctx.record(ticket, "reclass", note=f"核实为{CLASS_LABELS[ticket.klass]}，不是急事")
        _learn(ctx, ticket, ticket.klass, ticket.category)
        text += "已取消“可能是急事”。"
    return [answer(ctx, text)]


def _learn(ctx: Context, ticket: Ticket, was_klass: str, was_category: str) -> None:
    """Keep the ticket's labels as people set them, for ``liufang learn``."""
    record_correction(
        ctx.session,
        ticket,
        klass=ticket.klass,
        category=ticket.category,
        was_klass=was_klass,
        was_category=was_category,
        actor_id=ctx.event.sender_id,
        at=ctx.now,
    )


def merge(ctx: Context, cmd: Command) -> list[Reply]:
    """合并 T12 T10: T12 is the same problem as T10; its reporters follow T10 from now on."""
    if len(cmd.tickets) != 2:
        raise Refusal("请写两个工单号，把前一个并入后一个，例如：合并 T12 T10")
    dup_no, main_no = cmd.tickets
    if dup_no == main_no:
        raise Refusal("两个工单号是同一个，请写两个不同的工单，例如：合并 T12 T10")
    dup, main = find_ticket(ctx, dup_no), find_ticket(ctx, main_no)
    ctx.concerns(dup)
    ctx.concerns(main)
    require_open(dup)
    require_open(main)
    dup_id, main_id = saved_id(dup), saved_id(main)
    text = (
        f"您反映的 {ticket_ref(dup_id)} 和 {ticket_ref(main_id)}"
        f" 是同一个问题，已合并，请关注 {ticket_ref(main_id)}。"
    )
    told = tell_reporters(ctx, dup, text, mention=False)
    # The reporters of the duplicate become +1s of the main ticket, so they hear of it.
    ticket_queries.move_reports(ctx.session, dup_id, main_id)
    ctx.session.add(
        TicketReport(
            ticket_id=main_id,
            reporter_id=dup.reporter_id,
            reporter_name=dup.reporter_name,
            room_id=dup.room_id,
            text=dup.text,
            at=dup.created_at,
            source_msg_id=f"merge:{dup.source_msg_id}"[:200],
        )
    )
    ctx.session.flush()
    # People, not reports: whoever reported both is counted once.
    main.plus_ones = reporters_besides_first(ctx, main, ANONYMOUS_REPORTER)
    dup.merged_into = main_id
    ctx.record(dup, "merge", "merged", f"并入 {ticket_ref(main_id)}")
    ctx.record(main, "merge", note=f"{ticket_ref(dup_id)} 并入")
    ctx.session.flush()
    done = (
        f"已把 {ticket_ref(dup_id)} 并入 {ticket_ref(main_id)}，共 {main.plus_ones + 1} 人反映。"
    )
    return [answer(ctx, done), *told]
