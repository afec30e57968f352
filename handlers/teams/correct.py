"""更正时间: the secretary corrects a volunteer's hours with a reason; the entry is the audit."""

from __future__ import annotations

from handlers.commands.base import Refusal
from handlers.commands.parser import Command
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.teams.hours import HoursError, find_hours, hours_text
from storage.people import members_named
from storage.volunteers.ledger import (
    InsufficientBalance,
    Movement,
    account,
    accounts_named,
    open_account,
    post,
)
from storage.volunteers.models import TimeAccount

EXAMPLE = "更正时间 志愿者小杨 -0.5小时 多记了半小时"


def correct(ctx: Context, cmd: Command) -> list[Reply]:
    """Add a correction entry (plus or minus) to a named volunteer's account."""
    community = ctx.community_code
    if community is None:  # the secretary has a community; anyone else is refused before
        raise Refusal("请在本社区的群里，或以社区书记身份私聊发「更正时间」。")
    words = cmd.rest.split(maxsplit=1)
    if len(words) < 2:
        raise Refusal(f"请写上谁、多少小时和原因，例如：{EXAMPLE}")
    name = words[0].lstrip("@")
    try:
        halves, reason = find_hours(words[1])
    except HoursError as exc:
        raise Refusal(f"{exc}。例如：{EXAMPLE}") from None
    if halves == 0 or not reason:
        raise Refusal(f"请写上不为 0 的小时数和原因，例如：{EXAMPLE}")
    acct = _account_named(ctx, community, name)
    try:
        post(
            ctx.session,
            acct,
            Movement(
                kind="correction",
                halves=halves,
                reason=reason,
                actor_id=ctx.event.sender_id,
                actor_name=ctx.event.sender_name,
                at=ctx.now,
            ),
        )
    except InsufficientBalance as low:
        raise Refusal(
            f"{acct.name}的余额只有 {hours_text(low.balance)}，不能减 {hours_text(-halves)}。"
        ) from None
    sign = "+" if halves > 0 else ""
    return [
        answer(
            ctx,
            f"已更正 {acct.name} {sign}{hours_text(halves)}（{reason}），"
            f"余额 {hours_text(acct.balance)}。这条更正记在账上，不能删除。",
        ),
        Reply(
            text=f"社区书记更正了您的时间账户：{sign}{hours_text(halves)}，原因：{reason}。"
            f"余额 {hours_text(acct.balance)}。",
            to_id=acct.contact_id,
        ),
    ]


def _account_named(ctx: Context, community: str, name: str) -> TimeAccount:
    """The account of the person called ``name`` here: by account, then by member."""
    found = accounts_named(ctx.session, community, name)
    if len(found) == 1:
        return found[0]
    members = members_named(ctx.session, community, name)
    if len(members) == 1:
        m = members[0]
        acct = account(ctx.session, community, m.contact_id) or open_account(
            ctx.session, community, m.contact_id, m.name
        )
        ctx.session.flush()
        return acct
    if len(found) > 1 or len(members) > 1:
        raise Refusal(f"本社区有不止一位叫「{name}」的，请在后台的时间银行页面更正。")
    raise Refusal(f"本社区没有叫「{name}」的志愿者，请核对名字。例如：{EXAMPLE}")
