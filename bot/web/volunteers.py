"""Dashboard pages of the 五彩先锋服务队 and the 时间银行: teams and 排行榜, service orders, the
ledger, and the catalogue with its redemptions (where a provider marks a code as used)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.web.auth import can_see, current_user, visible_communities
from bot.web.dashboard_render import add_nav_link, render, setup_templates
from bot.web.server import WEB
from handlers.teams.board import month_span
from handlers.teams.fields import FIELDS
from handlers.teams.hours import hours_text
from storage.volunteers import views
from storage.volunteers.ledger import board_all_time, board_between
from storage.volunteers.models import Redemption
from storage.volunteers.redeem import mark_used
from storage.volunteers.teams import members_of, teams_of

TABS = (
    ("/volunteers", "服务队与排行榜"),
    ("/volunteers/orders", "服务单"),
    ("/volunteers/ledger", "时间账本"),
    ("/volunteers/catalogue", "兑换目录"),
)
ORDER_STATES = {"offered": "待接单", "taken": "已接单", "served": "待确认", "confirmed": "已确认"}
ENTRY_KINDS = {"credit": "服务入账", "debit": "兑换", "correction": "更正"}


def _visible(request: web.Request) -> list[tuple[str, str]]:
    names = {c.code: c.name for c in request.app[WEB].settings.communities}
    return [(code, names[code]) for code in visible_communities(current_user(request), names)]


async def _page(request: web.Request, tab: str, load: Any) -> web.StreamResponse:
    visible = _visible(request)
    codes = [code for code, _ in visible]
    data = await asyncio.to_thread(load, codes, visible)
    return render(
        request,
        "volunteers.html",
        {"tab": tab, "tabs": TABS, "hours": hours_text, "names": dict(visible), **data},
    )


async def teams_page(request: web.Request) -> web.StreamResponse:
    """GET /volunteers: each community's five teams and its 排行榜 (monthly and all-time).

    Staff see every name; a name its owner keeps off the board is marked 不公开.
    """
    db, now = request.app[WEB].db, request.app[WEB].clock()
    start, end = month_span(now)

    def load(codes: list[str], visible: list[tuple[str, str]]) -> dict[str, Any]:
        communities = []
        with db.session() as s:
            for code, name in visible:
                teams = [
                    {
                        "team": t,
                        "brand": FIELDS[t.field].brand if t.field in FIELDS else "",
                        "members": members_of(s, t.id or 0),
                    }
                    for t in teams_of(s, code)
                ]
                communities.append(
                    {
                        "name": name,
                        "teams": teams,
                        "month": board_between(s, code, start, end, 20),
                        "all_time": board_all_time(s, code, 20),
                    }
                )
        return {"communities": communities, "month_label": f"{start.month}月"}

    return await _page(request, "/volunteers", load)


async def orders_page(request: web.Request) -> web.StreamResponse:
    """GET /volunteers/orders: the newest 服务单 and where each stands."""
    db = request.app[WEB].db

    def load(codes: list[str], _visible: object) -> dict[str, Any]:
        with db.session() as s:
            return {"orders": views.orders(s, codes), "ORDER_STATES": ORDER_STATES}

    return await _page(request, "/volunteers/orders", load)


async def ledger_page(request: web.Request) -> web.StreamResponse:
    """GET /volunteers/ledger: the newest ledger entries: who, when, why, by whom."""
    db = request.app[WEB].db

    def load(codes: list[str], _visible: object) -> dict[str, Any]:
        with db.session() as s:
            return {"entries": views.entries(s, codes), "ENTRY_KINDS": ENTRY_KINDS}

    return await _page(request, "/volunteers/ledger", load)


async def catalogue_page(request: web.Request) -> web.StreamResponse:
    """GET /volunteers/catalogue: items with stock, and redemptions (unused first)."""
    db = request.app[WEB].db

    def load(codes: list[str], _visible: object) -> dict[str, Any]:
        with db.session() as s:
            return {"items": views.items(s, codes), "redemptions": views.redemptions(s, codes)}

    return await _page(request, "/volunteers/catalogue", load)


async def mark_used_post(request: web.Request) -> web.StreamResponse:
    """POST /volunteers/redemptions/{id}/used: the provider has given what the code is for."""
    user = current_user(request)
    context = request.app[WEB]
    number = int(request.match_info["id"])

    def write() -> bool:
        with context.db.session() as s:
            row = s.get(Redemption, number)
            if row is None or not can_see(user, row.community_code):
                return False
            done = mark_used(s, number, user.name, context.clock()) is not None
            s.commit()
            return done

    await asyncio.to_thread(write)
    raise web.HTTPSeeOther("/volunteers/catalogue")


def setup(app: web.Application) -> None:
    """The volunteer pages (after ``bot.web.auth.setup``, which guards them)."""
    setup_templates(app)
    add_nav_link(app, "/volunteers", "服务队")
    app.router.add_get("/volunteers", teams_page)
    app.router.add_get("/volunteers/orders", orders_page)
    app.router.add_get("/volunteers/ledger", ledger_page)
    app.router.add_get("/volunteers/catalogue", catalogue_page)
    app.router.add_post(r"/volunteers/redemptions/{id:\d{1,9}}/used", mark_used_post)
