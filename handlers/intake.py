"""Intake: a report in a bound group becomes a classified ticket with its first event."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from handlers.commands.parser import ticket_ref
from handlers.context import Context
from handlers.duplicates import add_plus_one, find_duplicate
from handlers.events import Reply
from handlers.private_report import private_report
from handlers.replies import REPORT_USAGE, answer
from handlers.routing import plain_reasons, reasons_line, route_new_ticket
from handlers.understanding.types import Classification
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CLASS_LABELS,
    ROUTE_BY_CLASS,
    ROUTE_LABELS,
    SIX_PARTIES,
    STATE_LABELS,
)
from storage.models import Group, Ticket
from storage.search import search_text_of
from storage.tickets import file_ticket

# 报事 may be followed by a colon or a space, half- or full-width (normalised to half-width).
_EXPLICIT = re.compile(r"^\s*报事\s*[:：,，]?\s*")

UNBOUND = (
    "本群还没有绑定社区，我暂时不登记报事。请社区书记在本群发："
    "绑定 社区名 六方群，或 绑定 社区名 网格 网格名"
)


AfterFiling = Callable[[Context, Ticket], list[Reply]]


class IntakeHandler:
    """Turns reports in bound groups into tickets; stays silent on chatter."""

    name = "intake"

    def __init__(self, after_filing: Sequence[AfterFiling] = ()) -> None:
        """``after_filing`` features see each new ticket and may add replies (服务单, 包保楼栋)."""
        self._after_filing = tuple(after_filing)

    def handle(self, ctx: Context) -> list[Reply] | None:
        """File a ticket when the message is a report (or an explicit 报事)."""
        ev = ctx.event
        if ev.kind != "text":
            return None
        explicit = _EXPLICIT.match(ctx.text)
        text = ctx.text[explicit.end() :] if explicit else ctx.text
        if ev.is_private:
            # 报事 always registers, also in private; other private talk gets the help line.
            return private_report(ctx, text, self._report) if explicit else None
        if ctx.group is None:
            # An unbound group is not ours to speak in, unless someone asks the bot directly.
            return [answer(ctx, UNBOUND)] if ev.is_to_bot or explicit else []
        return self._report(ctx, ctx.group, text, explicit=bool(explicit))

    def _report(self, ctx: Context, group: Group, text: str, *, explicit: bool) -> list[Reply]:
        """Classify ``text`` said in ``group`` and file it (or join it to the same problem)."""
        ev = ctx.event
        if not text.strip():
            return [answer(ctx, REPORT_USAGE)] if explicit or ev.is_to_bot else []
        found = ctx.services.nlp.classify(text)
        if not found.is_report and not explicit:
            return [answer(ctx, "没看出要报的问题。" + REPORT_USAGE)] if ev.is_to_bot else []
        # A redelivered message is refused by the unique source_msg_id of its ticket or +1
        # report, and the dispatcher drops it as already answered.
        source = _source_key(ctx)
        if found.is_report and (same := find_duplicate(ctx, found, source)) is not None:
            new = add_plus_one(ctx, same, text, source)
            return [answer(ctx, joined(same, again=not new))]
        ticket = self._file(ctx, text, found, source, on_request=not found.is_report)
        parties = group.kind == "six_party" or (ev.is_private and ctx.role in SIX_PARTIES)
        head, notes = receipt(ticket, truncated=ctx.truncated, for_parties=parties)
        replies = route_new_ticket(ctx, ticket, head, notes)
        for feature in self._after_filing:
            replies += feature(ctx, ticket)
        return replies

    def _file(
        self, ctx: Context, text: str, found: Classification, source: str, *, on_request: bool
    ) -> Ticket:
        ev, group = ctx.event, ctx.group
        if group is None:  # _report is reached from a bound group only
            raise RuntimeError(f"message {ev.msg_id}: a ticket is filed from a group only")
        klass = found.klass if found.is_report else "small"
        category = found.category if found.is_report else "other"
        tokens = found.tokens or tuple(ctx.services.nlp.tokenize(text))
        cues = found.cues if found.is_report else ("按要求登记", *found.cues)
        # The fields of Ticket(...), filed without building the object through its constructor.
        fields = dict(
            community_code=group.community_code,
            grid=group.grid or (ctx.member.grid if ctx.member else None),
            room_id=ev.room_id,
            reporter_id=ev.sender_id,
            reporter_name=ev.sender_name,
            text=text,
            klass=klass,
            category=category,
            route=ROUTE_BY_CLASS[klass] or "online",
            location=found.location.label(),
            responsible=found.responsible or "property",
            cues="|".join(cues)[:1000],
            filed_on_request=on_request,
            maybe_urgent=found.maybe_urgent,
            created_at=ctx.now,
            updated_at=ctx.now,
            due_at=ctx.services.policy.deadlines.due(klass, ctx.now),
            source_msg_id=source,
            search_text=search_text_of(tokens),
        )
        return file_ticket(
            ctx.session, fields, actor_id=ev.sender_id, actor_name=ev.sender_name, note=text
        )


def _source_key(ctx: Context) -> str:
    """Message ids are unique per channel, so the room keeps two channels' ids apart."""
    return f"{ctx.event.room_id}:{ctx.event.msg_id}"[:200]


def receipt(ticket: Ticket, *, truncated: bool = False, for_parties: bool) -> tuple[str, str]:
    """The reply to the reporter around the routing lines: what was filed, and why.

    The six parties see the classifier's cues (依据：小:坏了、类:路灯); a grid group, where
    residents read along, gets the same reason as a plain sentence.
    """
    head = (
        f"已登记 {ticket_ref(ticket.id)}（{CLASS_LABELS[ticket.klass]}"
        f"·{ROUTE_LABELS[ticket.route]}）"
    )
    if ticket.filed_on_request:
        head += "，按您的要求登记"
    lines = [
        head,
        f"类别：{CATEGORY_LABELS.get(ticket.category, '其他')}",
        f"位置：{ticket.location or '未写明，请补充楼栋、单元或地点'}",
    ]
    notes = []
    if for_parties:
        notes.append(reasons_line(ticket))
    elif words := plain_reasons(ticket):
        notes.append("因为提到" + "".join(f"“{w}”" for w in words) + "。")
    if truncated:
        notes.append(f"内容太长，只登记了前 {len(ticket.text)} 个字。")
    return "\n".join(lines), "\n".join(n for n in notes if n)


def joined(ticket: Ticket, *, again: bool = False) -> str:
    """The reply when a report joins an open ticket as a +1 (``again``: by the same person)."""
    head = f"这个问题已经登记为 {ticket_ref(ticket.id)}（{STATE_LABELS[ticket.state]}），"
    if again:
        return head + f"您反映过了，这次的内容也已记下。共 {ticket.plus_ones + 1} 人反映。"
    return head + f"共 {ticket.plus_ones + 1} 人反映。已把您记上，办结时会通知您。"
