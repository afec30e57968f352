"""``/public/stats``: aggregate figures for everyone, without login and without personal data.

Only counts and rates per community and for the district leave the database here: no ticket
text, no names, no places, no responsible parties. Figures come from the dashboard's
one-minute cache, so an anonymous crowd cannot make the database count all day.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.web.dashboard_render import render, setup_templates
from bot.web.dashboard_stats import FIGURES, Figures, figures, stats_charts
from bot.web.reads import READER
from bot.web.server import WEB
from handlers.teams.hours import hours_text
from storage.volunteers.ledger import served_by_community

WEEKS = 12


@dataclass(frozen=True, slots=True)
class CommunityFigures:
    """One community's line of the public table."""

    name: str
    figures: Figures
    service_hours: str  # confirmed volunteer hours ever (时间银行), e.g. "12.5小时"


class HoursCache:
    """The per-community volunteer hours, recomputed at most once a minute."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self._at = -seconds
        self._hours: dict[str, int] = {}

    def get(self, codes: list[str], compute: Callable[[], dict[str, int]]) -> dict[str, int]:
        """The cached figures, or ``compute()`` when stale or missing a community."""
        now = time.monotonic()
        if now - self._at >= self.seconds or any(c not in self._hours for c in codes):
            self._hours, self._at = compute(), now
        return self._hours


HOURS = web.AppKey("liufang.web.public_hours", HoursCache)


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

    def served() -> dict[str, int]:
        with reader.session() as session:
            return served_by_community(session, [code for code, _ in communities])

    def load() -> tuple[Figures, list[CommunityFigures], int]:
        district = of([code for code, _ in communities])
        hours = request.app[HOURS].get([code for code, _ in communities], served)
        each = [
            CommunityFigures(name, of([code]), hours_text(hours.get(code, 0)))
            for code, name in communities
        ]
        return district, each, sum(hours.values())

    district, each, total = await asyncio.to_thread(load)
    return render(
        request,
        "public_stats.html",
        {
            "district": context.settings.district,
            "weeks": WEEKS,
            "span": list(district.rates)[-1],
            "figures": district,
            "per_community": each,
            "service_hours": hours_text(total),
            "charts": stats_charts(district, with_overdue=False),
        },
    )


def setup(app: web.Application) -> None:
    """The public statistics page (after ``bot.web.dashboard.setup``, whose cache it shares;
    ``bot.web.auth`` lets ``/public/`` through without login)."""
    setup_templates(app)
    app[HOURS] = HoursCache()
    app.router.add_get("/public/stats", public_stats)
