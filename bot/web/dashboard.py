"""The committee's dashboard: ticket list (``/``), one ticket (``/tickets/{id}``), CSV export
(``/tickets.csv``), the deliberation hall (``/hall``) and statistics (``/stats``).

Every page shows only the communities of the logged-in user (``bot.web.auth``). Database work
runs on the read-only sessions of :class:`Reader` in worker threads, so the event loop keeps
serving while SQL runs; the list's query alone starts on the event loop, and moves to a thread
when it turns out long (``bot.web.reads``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import jinja2
from aiohttp import web
from markupsafe import Markup

from bot.config import Settings
from bot.config_web import WebUser
from bot.web import dashboard_csv, dashboard_ticket
from bot.web.auth import current_user, visible_communities
from bot.web.dashboard_filters import SELECTS
from bot.web.dashboard_query import ListFilters, ListQuery, conditions, list_page
from bot.web.dashboard_render import fixed_options, render, setup_templates
from bot.web.dashboard_rows import list_lines
from bot.web.dashboard_sqlite import page_rows
from bot.web.dashboard_stats import (
    FIGURES,
    WEEK_CHOICES,
    Figures,
    FiguresCache,
    figures,
    parse_weeks,
    stats_charts,
)
from bot.web.reads import READER, Reader, driver, read
from bot.web.server import WEB
from handlers.hall.meetings import agenda, current, is_live, upcoming
from storage.checks import saved_id


@dataclass(frozen=True, slots=True)
class Visible:
    """What the users of one community (or of ``"*"``) may see, from the settings."""

    communities: tuple[tuple[str, str], ...]  # (code, name), in config order
    grids: dict[str, tuple[str, ...]]  # by the community chosen ("" for all): its grids, sorted
    # The <option> lines of the list's community select by the community selected, and of
    # its grid select by the community chosen, then the grid selected (``fixed_options``):
    # a page picks its lines instead of looping over the options and escaping each again.
    community_options: dict[str, Markup]
    grid_options: dict[str, dict[str, Markup]]

    @classmethod
    def of(cls, settings: Settings, user: WebUser, env: jinja2.Environment) -> Visible:
        """The communities and grids ``user`` may see, and their options in ``env``."""
        names = {c.code: c.name for c in settings.communities}
        codes = visible_communities(user, names)
        chosen_grids = {
            chosen: {
                g.grid
                for c in settings.communities
                if c.code in codes and (not chosen or c.code == chosen)
                for g in c.groups
                if g.grid
            }
            for chosen in ("", *codes)  # "": every community the user sees
        }
        grids = {chosen: tuple(sorted(found)) for chosen, found in chosen_grids.items()}
        communities = tuple((code, names[code]) for code in codes)
        grid_options = {
            chosen: fixed_options(env, [(grid, grid) for grid in found])
            for chosen, found in grids.items()
        }
        return cls(communities, grids, fixed_options(env, communities), grid_options)

    def options(self, filters: ListFilters) -> tuple[Markup, Markup]:
        """The community and grid <option> lines of the list with ``filters``."""
        communities = self.community_options
        grids = self.grid_options.get(filters.community) or {"": Markup()}
        # A value that is no option (the URL's) selects none, as the template's loop did.
        return (
            communities.get(filters.community, communities[""]),
            grids.get(filters.grid, grids[""]),
        )


class VisibleCache:
    """:class:`Visible` per user community, made once for a settings object: every page
    asked for it (the list twice), and the settings are frozen. What a user sees depends on
    their community alone (``bot.web.auth.can_see``); a new settings object (a test's)
    starts afresh; one entry per community and one for ``"*"`` at most."""

    def __init__(self, env: jinja2.Environment) -> None:
        self._env = env
        self._settings: Settings | None = None
        self._by_community: dict[str, Visible] = {}

    def get(self, settings: Settings, user: WebUser) -> Visible:
        """The :class:`Visible` of ``user`` under ``settings``."""
        if settings is not self._settings:
            self._settings, self._by_community = settings, {}
        visible = self._by_community.get(user.community)
        if visible is None:
            visible = self._by_community[user.community] = Visible.of(settings, user, self._env)
        return visible


VISIBLE = web.AppKey("liufang.web.visible", VisibleCache)


def _seen(request: web.Request) -> Visible:
    return request.app[VISIBLE].get(request.app[WEB].settings, current_user(request))


def _visible(request: web.Request) -> tuple[tuple[str, str], ...]:
    """(code, name) of the communities the user may see, in config order."""
    return _seen(request).communities


@dataclass(frozen=True, slots=True)
class Listing:
    """What the list page and its CSV share: who sees what, with which filters, and when."""

    visible: tuple[tuple[str, str], ...]  # (code, name) of the user's communities
    filters: ListFilters
    scope: list[str] | None  # None for a district user: every ticket, no IN (…)
    now: datetime

    @classmethod
    def of(cls, request: web.Request) -> Listing:
        """The listing the request asks for, within what its user may see."""
        user = current_user(request)
        visible = _visible(request)
        codes = [code for code, _ in visible]
        filters = ListFilters.parse(request.query, user, codes)
        scope = None if user.community == "*" else codes
        return cls(visible, filters, scope, request.app[WEB].clock())

    def conditions(self, app: web.Application) -> ListQuery | None:
        """The SQL conditions of the listing (tokenizes the search words: at most
        ``MAX_QUERY_CHARS`` characters, a fraction of a millisecond)."""
        reader, context = app[READER], app[WEB]
        tokenize = context.services.nlp.tokenize
        return conditions(self.filters, self.scope, self.now, reader.dialect, tokenize)


async def ticket_list(request: web.Request) -> web.StreamResponse:
    """GET /: the filtered list, newest first, overdue tickets highlighted."""
    context = request.app[WEB]
    reader = request.app[READER]
    listing = Listing.of(request)
    filters, visible, now = listing.filters, listing.visible, listing.now

    query = listing.conditions(request.app)
    dialect = reader.engine.dialect
    tickets, more = await read(
        reader,
        lambda conn: page_rows(driver(conn), dialect, query, filters.page),
        lambda session: list_page(session, query, filters.page),
    )
    # A community column only when the user sees more than one community.
    names = dict(visible) if len(visible) > 1 else None
    prev_qs, next_qs, csv_qs = filters.page_links()
    lines = list_lines(tickets, now, names, context.services.policy)
    seen = _seen(request)
    community_options, grid_options = seen.options(filters)
    return render(
        request,
        "list.html",
        {
            "filters": filters,
            "communities": visible,
            "grids": seen.grids.get(filters.community, ()),
            "community_options": community_options,
            "grid_options": grid_options,
            "lines": bool(lines),
            "more": more,
            "prev_qs": prev_qs,
            "next_qs": next_qs,
            "csv_qs": csv_qs,
        },
        parts=lines,
    )


async def tickets_csv(request: web.Request) -> web.StreamResponse:
    """GET /tickets.csv: the whole filtered list as CSV (no reporter, no phone numbers)."""
    listing = Listing.of(request)
    query = await asyncio.to_thread(listing.conditions, request.app)
    reader = request.app[READER]
    return await dashboard_csv.stream(request, reader, query, dict(listing.visible), listing.now)


async def hall_page(request: web.Request) -> web.StreamResponse:
    """GET /hall: per community, the meeting under way or the next one, with its agenda."""
    context = request.app[WEB]
    visible = _visible(request)
    now = context.clock()

    def load() -> list[dict[str, object]]:
        halls = []
        # The bot's own 议程 command does the same: the next regular meeting is created when
        # missing (idempotent), so this uses a writing session.
        with context.db.session() as session:
            for code, name in visible:
                meeting, title = current(session, code, now), "正在召开的议事厅会议"
                if meeting is None or meeting.starts_at > now or not is_live(meeting, now):
                    meeting = upcoming(session, code, now, context.services.policy)
                    title = "下次议事厅会议"
                meeting_id = saved_id(meeting)
                items = agenda(session, [meeting_id])[meeting_id]
                halls.append({"name": name, "title": title, "meeting": meeting, "agenda": items})
            session.commit()
        return halls

    return render(request, "hall.html", {"halls": await asyncio.to_thread(load)})


async def stats_page(request: web.Request) -> web.StreamResponse:
    """GET /stats: charts of the visible communities (or of one, for a district user)."""
    context = request.app[WEB]
    reader = request.app[READER]
    visible = _visible(request)
    codes = [code for code, _ in visible]
    community = request.query.get("community", "")
    if community in codes:
        codes = [community]
    weeks = parse_weeks(request.query.get("weeks", ""))
    now = context.clock()

    def compute() -> Figures:
        with reader.session() as session:
            return figures(session, codes, now, weeks, context.services.policy)

    fig = await asyncio.to_thread(request.app[FIGURES].get, codes, weeks, compute)
    return render(
        request,
        "stats.html",
        {
            "communities": visible,
            "community": community if len(codes) == 1 and len(visible) > 1 else "",
            "weeks": weeks,
            "week_choices": WEEK_CHOICES,
            "figures": fig,
            "overdue_total": sum(n for _, n in fig.overdue),
            "charts": stats_charts(fig),
        },
    )


def setup(app: web.Application) -> None:
    """The dashboard routes (after ``bot.web.auth.setup``, which guards them)."""
    env = setup_templates(app)
    env.globals["OPTIONS"] = {name: fixed_options(env, items) for name, items in SELECTS.items()}
    reader = Reader(app[WEB].db)
    app[READER] = reader
    app[FIGURES] = FiguresCache()
    app[VISIBLE] = VisibleCache(env)

    async def close_reader(_app: web.Application) -> None:
        reader.dispose()

    app.on_cleanup.append(close_reader)
    app.router.add_get("/", ticket_list)
    app.router.add_get("/tickets.csv", tickets_csv)
    dashboard_ticket.setup(app)
    app.router.add_get("/hall", hall_page)
    app.router.add_get("/stats", stats_page)
