"""What the people, accounts and 操作记录 pages share: who may change what, and the audit row.

A community's people are seen by its own dashboard users (and the district's, ``*``); they
are changed by its secretary or a district user. Another community answers 404, like a
missing page, so its existence is not told; a user of the right community without the right
role gets 403 with the reason in Chinese.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlmodel import Session

from bot.config_web import WebUser
from bot.web.auth import can_see, current_user
from bot.web.reads import READER
from bot.web.server import WEB
from storage import audit

T = TypeVar("T")
MANAGER_ROLE = "secretary"
NOT_MANAGER = "只有本社区的社区书记或街道账号可以修改人员和账号。您可以查看，不能修改。"


class FormError(ValueError):
    """Bad input in a form; the message says what to fix, in Chinese."""


def may_manage(user: WebUser, community: str) -> bool:
    """The community's secretary, or a district user, may change its people and accounts."""
    return can_see(user, community) and (user.community == "*" or user.role == MANAGER_ROLE)


def community_names(request: web.Request) -> dict[str, str]:
    """Code → name of every configured community, in the config's order."""
    return {c.code: c.name for c in request.app[WEB].settings.communities}


def visible(request: web.Request) -> dict[str, str]:
    """Code → name of the communities the user may see."""
    user = current_user(request)
    return {code: name for code, name in community_names(request).items() if can_see(user, code)}


def community_or_404(request: web.Request, code: str) -> str:
    """``code`` when the user may see it, else 404 (another community looks like none)."""
    if code not in visible(request):
        raise web.HTTPNotFound(text="没有这个社区，或您无权查看。")
    return code


def require_manager(request: web.Request, community: str) -> WebUser:
    """The user, when they may change ``community``; else 403 saying who may."""
    user = current_user(request)
    if not may_manage(user, community):
        raise web.HTTPForbidden(text=NOT_MANAGER)
    return user


async def form_of(request: web.Request) -> dict[str, str]:
    """The posted form as stripped strings (files and repeated fields ignored)."""
    form = await request.post()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def note(
    session: Session,
    request: web.Request,
    community: str,
    action: str,
    target: str,
    before: Any,
    after: Any,
) -> None:
    """The audit row of a dashboard change, in the caller's transaction."""
    user = current_user(request)
    audit.record(
        session,
        user.username,
        community,
        action,
        target,
        before,
        after,
        actor_name=user.name,
        at=request.app[WEB].clock(),
    )


async def in_transaction(request: web.Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction off the event loop; commit only when it returns."""
    db = request.app[WEB].db

    def run() -> T:
        with db.session() as session:
            result = work(session)
            session.commit()
            return result

    return await asyncio.to_thread(run)


async def read(request: web.Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` on a read-only session off the event loop (the dashboard's ``Reader``:
    on SQLite it never takes the write lock the chat needs)."""
    reader = request.app.get(READER)
    db = request.app[WEB].db

    def run() -> T:
        with reader.session() if reader is not None else db.session() as session:
            return work(session)

    return await asyncio.to_thread(run)


def see_other(location: str) -> web.Response:
    """303 to a page after a successful POST (a reload never posts again)."""
    return web.Response(status=303, headers={"Location": location})
