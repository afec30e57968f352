"""``/public/stats``: aggregate figures for everyone, without login and without personal data.

Only counts and rates per community and for the district leave the database here: no ticket
text, no names, no places. The page is computed at most once a minute, so an anonymous crowd
cannot make the database count all day.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from aiohttp import web

from bot.web.dashboard import READER, stats_charts
from bot.web.dashboard_render import render, setup_templates
from bot.web.dashboard_stats import Figures, figures
from bot.web.server import WEB

CACHE_SECONDS = 60.0
WEEKS = 12


@dataclass(frozen=True, slots=True)
class CommunityFigures:
    """One community's line of the public table."""

    name: str
    figures: Figures


@dataclass(slots=True)
class PublicCache:
    """The last computed figures and when they were computed (monotonic seconds)."""

    at: float = -CACHE_SECONDS
    district: Figures | None = None
    communities: tuple[CommunityFigures, ...] = ()


PUBLIC_CACHE = web.AppKey("liufang.web.public_cache", PublicCache)


async def public_stats(request: web.Request) -> web.StreamResponse:
    """GET /public/stats: district totals, per-community counts and the three rates."""
    context = request.app[WEB]
    reader = request.app[READER]
    cache = request.app[PUBLIC_CACHE]
    weeks = WEEKS
    if cache.district is None or time.monotonic() - cache.at >= CACHE_SECONDS:
        now = context.clock()
        communities = [(c.code, c.name) for c in context.settings.communities]
        policy = context.services.policy

        def load() -> tuple[Figures, tuple[CommunityFigures, ...]]:
            with reader.session() as session:
                district = figures(session, [code for code, _ in communities], now, weeks, policy)
                each = tuple(
                    CommunityFigures(name, figures(session, [code], now, weeks, policy))
                    for code, name in communities
                )
            return district, each

        cache.district, cache.communities = await asyncio.to_thread(load)
        cache.at = time.monotonic()
    district = cache.district
    assert district is not None
    return render(
        request,
        "public_stats.html",
        {
            "district": context.settings.district,
            "weeks": weeks,
            "span": list(district.rates)[-1],
            "figures": district,
            "per_community": cache.communities,
            "charts": stats_charts(district, with_overdue=False),
        },
    )


def setup(app: web.Application) -> None:
    """The public statistics page (``bot.web.auth`` lets ``/public/`` through without login)."""
    setup_templates(app)
    app[PUBLIC_CACHE] = PublicCache()
    app.router.add_get("/public/stats", public_stats)
