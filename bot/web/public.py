"""``/public/stats``: aggregate figures for everyone, without login and without personal data.

Only counts and rates per community and for the district leave the database here: no ticket
text, no names, no places, no responsible parties. Figures come from the dashboard's
one-minute cache, so an anonymous crowd cannot make the database count all day.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from bot.web.dashboard_query import READER
from bot.web.dashboard_render import render, setup_templates
from bot.web.dashboard_stats import FIGURES, Figures, figures, stats_charts
from bot.web.server import WEB

WEEKS = 12


@dataclass(frozen=True, slots=True)
class CommunityFigures:
    """One community's line of the public table."""

    name: str
    figures: Figures


async def public_stats(request: web.Request) -> web.StreamResponse:
    """GET /public/stats: district totals, per-community counts and the three rates."""
    context = request.app[WEB]
    reader = request.app[READER]
    cache = request.app[FIGURES]
    now = context.clock()
    policy = context.services.policy
    communities = [(c.code, c.name) for c in context.settings.communities]

    def of(codes: list[str]) -> Figures:
        def compute() -> Figures:
            with reader.session() as session:
                return figures(session, codes, now, WEEKS, policy)

        return cache.get(codes, WEEKS, compute)

    def load() -> tuple[Figures, list[CommunityFigures]]:
        district = of([code for code, _ in communities])
        return district, [CommunityFigures(name, of([code])) for code, name in communities]

    district, each = await asyncio.to_thread(load)
    return render(
        request,
        "public_stats.html",
        {
            "district": context.settings.district,
            "weeks": WEEKS,
            "span": list(district.rates)[-1],
            "figures": district,
            "per_community": each,
            "charts": stats_charts(district, with_overdue=False),
        },
    )


def setup(app: web.Application) -> None:
    """The public statistics page (after ``bot.web.dashboard.setup``, whose cache it shares;
    ``bot.web.auth`` lets ``/public/`` through without login)."""
    setup_templates(app)
    app.router.add_get("/public/stats", public_stats)
