"""What every command shares: who may do what, finding the ticket, and short refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.commands.parser import Command, ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.vocabulary import ROLE_LABELS, SIX_PARTIES
from storage import ticket_queries
from storage.models import Ticket

EVERYONE: frozenset[str] = frozenset()  # no role check
PARTIES = frozenset(SIX_PARTIES)
RESPONDERS = PARTIES | {"grid_leader", "volunteer"}
STAFF = PARTIES | {"grid_leader"}
SECRETARY = frozenset({"secretary"})

Action = Callable[[Context, Command], list[Reply]]


@dataclass(frozen=True, slots=True)
class Spec:
    """A command: who may use it, what it does, and an example for the usage hint."""

    roles: frozenset[str]
    action: Action
    example: str
    explain: str = ""  # what it does, in a few words, for 帮助
    topic: str = ""  # listed under 帮助 <topic> (管理, 服务队) rather than plain 帮助


class Refusal(Exception):
    """A command that cannot be carried out; the message says why and what to type instead."""


def who_may(roles: frozenset[str]) -> str:
    """The roles in words, e.g. ``社区书记、居委、物业``."""
    order = [r for r in ROLE_LABELS if r in roles]
    return "、".join(ROLE_LABELS[r] for r in order)


def check_role(ctx: Context, cmd: Command, spec: Spec) -> None:
    """Refuse when the sender's role may not use this command."""
    if spec.roles and ctx.role not in spec.roles:
        you = ROLE_LABELS.get(ctx.role, "居民")
        raise Refusal(
            f"只有{who_may(spec.roles)}可以用「{cmd.word}」。"
            f"您是{you}，可以发「查询 工单号」看进度，发「帮助」看用法。"
        )


def community_of(ctx: Context) -> str:
    """The community a command acts in: the group's; in private, the sender's."""
    if ctx.community_code:
        return ctx.community_code
    code = ticket_queries.last_reported_community(ctx.session, ctx.event.sender_id)
    if code is None:
        raise Refusal("我还不知道您是哪个社区的。请在您所在的网格群里发这条命令。")
    return code


def one_ticket(ctx: Context, cmd: Command, example: str) -> Ticket:
    """The single ticket a command names, in the sender's community, locked for update."""
    if not cmd.tickets:
        raise Refusal(f"请写上工单号，例如：{example}")
    if len(cmd.tickets) > 1:
        refs = "、".join(ticket_ref(n) for n in cmd.tickets)
        raise Refusal(f"一次只能处理一个工单，您写了 {refs}。例如：{example}")
    ticket = find_ticket(ctx, cmd.tickets[0])
    ctx.concerns(ticket)  # what is said about an urgent ticket jumps the sending queues
    return ticket


def find_ticket(ctx: Context, number: int, *, lock: bool = True) -> Ticket:
    """Ticket ``number`` of the sender's community, or a refusal that says why not.

    The row is locked (PostgreSQL ``FOR UPDATE``; SQLite transactions are already
    serialised), so two people claiming at once are handled one after the other.
    """
    ticket = ctx.session.get(Ticket, number, with_for_update=lock or None)
    # Another community's ticket answers as if it did not exist: its number says nothing.
    if ticket is None or ticket.community_code != community_of(ctx):
        raise Refusal(
            f"没有找到工单 {ticket_ref(number)}，请核对编号，或发「查询 关键词」找一找。"
        )
    return ticket


def refuse(ctx: Context, text: str) -> list[Reply]:
    """A refusal as a reply to the sender."""
    return [answer(ctx, text)]
