"""Acting on a ticket from the dashboard: the chat's own commands, given through a form.

``POST /tickets/{id}/{action}`` turns the form into the command a person would type
(办结 T12 结果, 转交 T12 物业, …) and feeds it to the dispatcher as an Inbound of kind
``web``: the same handler (:func:`handlers.commands.handler.run_command`), the same role
check, the same transaction, follow-up planning and outbox, so the groups are told exactly
what they are told when the command is typed in the chat. The answer meant for the person
acting is shown on the page instead of being sent to WeChat.

Who acts: a dashboard user acts with the role and community of their account
(``[[web.users]]``). When their community has exactly one member of the same name and role,
they act as that member (the same WeChat id), so a ticket claimed in the chat is theirs in the
web too; otherwise as ``web:<username>``. A district account (community ``*``) supervises:
it sees every community and acts on none.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from sqlmodel import Session, select

from bot.config_web import WebUser
from bot.web.auth import current_user
from bot.web.server import WEB
from handlers.commands.base import who_may
from handlers.commands.handler import COMMANDS, run_command
from handlers.commands.parser import Command
from handlers.context import Context
from handlers.dispatcher import SORRY
from handlers.events import Inbound, Reply
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CLASS_LABELS,
    RATING_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
)
from storage import audit
from storage.checks import saved_id
from storage.models import Member, Ticket

MAX_NOTE = 500  # a note longer than this is refused, not cut: nothing is half-written
FAILED = "抱歉，刚才处理出错了，什么都没有改，请稍后再试一次。"
DISTRICT_REFUSAL = "街道账号只能查看，不能办理工单。请由本社区的账号办理。"
_NUMBER = re.compile(r"^\s*(?:[Tt#＃])?\s*(\d{1,9})\s*号?\s*$")


class BadInput(Exception):
    """A form that cannot become a command; the message says what to fill in."""


def _text(form: dict[str, str], name: str, what: str, example: str) -> str:
    value = " ".join(form.get(name, "").split())
    if not value:
        raise BadInput(f"请填写{what}，例如：{example}")
    if len(value) > MAX_NOTE:
        raise BadInput(f"{what}太长了（{len(value)} 字），请写在 {MAX_NOTE} 字以内。")
    return value


@dataclass(frozen=True, slots=True)
class Order:
    """A form turned into a command: what the dispatcher runs, and who is @-mentioned."""

    cmd: Command
    mentions: tuple[str, ...] = ()

    @property
    def said(self) -> str:
        """The command as it would be typed in the chat (kept as the message's text)."""
        refs = " ".join(f"T{n}" for n in self.cmd.tickets)
        return f"{self.cmd.word} {refs} {self.cmd.rest}".strip()


def _simple(verb: str, word: str, field: str, what: str, example: str) -> Builder:
    def build(session: Session, ticket: Ticket, form: dict[str, str]) -> Order:
        rest = _text(form, field, what, example)
        return Order(Command(verb, word, (saved_id(ticket),), rest))

    return build


def _transfer(session: Session, ticket: Ticket, form: dict[str, str]) -> Order:
    to = form.get("to", "").strip()
    if to.startswith("member:"):  # by row id: the page never shows WeChat ids
        number = to.removeprefix("member:")
        member = session.get(Member, int(number)) if number.isdigit() else None
        if member is None or member.community_code != ticket.community_code:
            raise BadInput("没有这个成员，请从列表里选择转交给谁。")
        cmd = Command("transfer", "转交", (saved_id(ticket),), f"@{member.name}")
        return Order(cmd, (member.contact_id,))
    if to not in PARTY_CHOICES:
        raise BadInput("请选择转交给哪一方或哪位成员。")
    return Order(Command("transfer", "转交", (saved_id(ticket),), ROLE_LABELS[to]))


def _reclass(session: Session, ticket: Ticket, form: dict[str, str]) -> Order:
    klass, category = form.get("klass", ""), form.get("category", "")
    if (klass and klass not in CLASS_CHOICES) or (category and category not in CATEGORY_CHOICES):
        raise BadInput("请从列表里选择要改成的类或类别。")
    if not klass and not category:
        raise BadInput("请选择要改成哪一类或哪个类别（至少选一项）。")
    words = [w for w in (CLASS_LABELS.get(klass), CATEGORY_LABELS.get(category)) if w]
    return Order(Command("reclass", "改为", (saved_id(ticket),), " ".join(words)))


def _merge(session: Session, ticket: Ticket, form: dict[str, str]) -> Order:
    found = _NUMBER.match(form.get("into", ""))
    if found is None:
        raise BadInput(f"请填写要并入的工单号，例如：T10（把 T{ticket.id} 并入 T10）。")
    return Order(Command("merge", "合并", (saved_id(ticket), int(found[1])), ""))


Builder = Callable[[Session, Ticket, dict[str, str]], Order]
PARTY_CHOICES = ("committee", "department", "unit", "property", "owners")
CLASS_CHOICES = tuple(k for k in CLASS_LABELS if k != "none")
CATEGORY_CHOICES = tuple(k for k in CATEGORY_LABELS if k != "none")
# action in the URL → (command verb, builder)
ACTIONS: dict[str, tuple[str, Builder]] = {
    "transfer": ("transfer", _transfer),
    "reclass": ("reclass", _reclass),
    "merge": ("merge", _merge),
    "reject": ("reject", _simple("reject", "驳回", "reason", "驳回原因", "不属于社区管理范围")),
    "progress": ("progress", _simple("progress", "进展", "note", "进展", "已联系电工，明天上门")),
    "resolve": ("resolve", _simple("resolve", "办结", "result", "办结结果", "已更换灯泡")),
    "reopen": ("reopen", _simple("reopen", "重办", "reason", "重办原因", "居民说灯又不亮了")),
}


def allowed(user: WebUser, action: str) -> bool:
    """Whether ``user``'s role may take ``action`` (the command's own role list)."""
    roles = COMMANDS[ACTIONS[action][0]].roles
    return user.community != "*" and (not roles or user.role in roles)


def refusal_for_role(user: WebUser, action: str) -> str | None:
    """Why ``user`` may not take ``action``, in the chat's words; None when they may."""
    if user.community == "*":
        return DISTRICT_REFUSAL
    spec = COMMANDS[ACTIONS[action][0]]
    if spec.roles and user.role not in spec.roles:
        you, word = ROLE_LABELS.get(user.role, user.role), spec.example.split()[0]
        return f"只有{who_may(spec.roles)}可以{word}。您是{you}，不能办理这一项。"
    return None


def acting_id(session: Session, user: WebUser) -> str:
    """The contact id the user acts as: their member's, when exactly one matches."""
    found = session.exec(
        select(Member.contact_id).where(
            Member.community_code == user.community,
            Member.name == user.name,
            Member.role == user.role,
        )
    ).all()
    return found[0] if len(found) == 1 else f"web:{user.username}"


class WebCommand:
    """Runs one command for a dashboard user, with their account's role and community."""

    name = "dashboard"

    def __init__(self, order: Order, user: WebUser) -> None:
        self.order = order
        self.user = user
        self.refusal: str | None = None

    def handle(self, ctx: Context) -> list[Reply]:
        """Carry the command out as the user's role; keep the refusal for the page."""
        ctx.member = Member(
            contact_id=ctx.event.sender_id,
            name=self.user.name,
            role=self.user.role,
            community_code=self.user.community,
        )
        before = self._states(ctx)
        replies, self.refusal = run_command(ctx, self.order.cmd)
        if self.refusal is None:
            self._audit(ctx, before)
        return replies

    def _states(self, ctx: Context) -> dict[int, dict[str, str]]:
        """The named tickets of the user's community as the audit trail shows them.

        Read under the row lock the command takes next (FOR UPDATE on PostgreSQL), so what is
        recorded as "before" is what the command changed.
        """
        states = {}
        for number in self.order.cmd.tickets:
            ticket = ctx.session.get(Ticket, number, with_for_update=True)
            if ticket is not None and ticket.community_code == self.user.community:
                states[number] = ticket_state(ticket)
        return states

    def _audit(self, ctx: Context, before: dict[int, dict[str, str]]) -> None:
        """One 操作记录 row for the action, in its transaction: the fields it changed."""
        cmd = self.order.cmd
        number = cmd.tickets[0]
        ticket = ctx.session.get(Ticket, number)
        if ticket is None or number not in before:
            return
        old, new = before[number], ticket_state(ticket)
        changed = [k for k in new if old.get(k) != new[k]]
        audit.record(
            ctx.session,
            self.user.username,
            ticket.community_code,
            f"ticket.{cmd.verb}",
            f"T{number}",
            {k: old.get(k, "") for k in changed},
            {**{k: new[k] for k in changed}, **({"note": cmd.rest} if cmd.rest else {})},
            actor_name=self.user.name,
            at=ctx.now,
        )


def ticket_state(ticket: Ticket) -> dict[str, str]:
    """What an action on a ticket may change, in words (the audit trail shows them as such)."""
    return {
        "state": STATE_LABELS.get(ticket.state, ticket.state),
        "klass": CLASS_LABELS.get(ticket.klass, ticket.klass),
        "category": CATEGORY_LABELS.get(ticket.category, ticket.category),
        "responsible": ROLE_LABELS.get(ticket.responsible or "", ""),
        "assignee": ticket.assignee_name or "",
        "merged_into": f"T{ticket.merged_into}" if ticket.merged_into else "",
        "rating": RATING_LABELS.get(ticket.rating or "", ""),
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the page tells the person who acted: done (with the answer) or refused (why)."""

    ok: bool
    text: str
    told: tuple[Reply, ...] = ()  # the notices queued for the groups
    status: int = 400  # of a refusal: 400 (the input or the ticket's state), 500 (our fault)


async def act(request: web.Request, ticket: Ticket, action: str, form: dict[str, str]) -> Outcome:
    """Turn the form into a command and run it through the dispatcher as the user."""
    user = current_user(request)
    context = request.app[WEB]

    def prepare() -> tuple[Order, str]:
        with context.db.session() as session:
            return ACTIONS[action][1](session, ticket, form), acting_id(session, user)

    try:
        order, sender = await asyncio.to_thread(prepare)
    except BadInput as bad:
        return Outcome(False, str(bad))
    event = Inbound(
        msg_id=f"web:{secrets.token_hex(8)}",
        room_id=None,
        room_topic="",
        sender_id=sender,
        sender_name=user.name,
        text=order.said,
        at=context.clock(),
        mentions=order.mentions,
        kind="web",
    )
    runner = WebCommand(order, user)
    replies = await context.dispatcher.process_as(event, runner)
    mine = [r.text for r in replies if r.room_id is None and r.to_id == sender]
    told = tuple(r for r in replies if not (r.room_id is None and r.to_id == sender))
    if runner.refusal is not None:
        return Outcome(False, runner.refusal)
    if mine == [SORRY] and not told:  # the dispatcher failed and rolled everything back
        return Outcome(False, FAILED, status=500)
    return Outcome(True, "\n".join(mine) or "已办理。", told)
