"""Server-rendered pages: the jinja2 environment (autoescape on), static files, ``render``.

Other web features may render their own templates from ``bot/web/templates/`` with
:func:`render` (after :func:`setup_templates`, which is idempotent): every page then gets the
logged-in ``user`` and the ``csrf_token`` for its forms, and the same security headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup

from bot.config_web import WebUser
from bot.web.server import WEB
from handlers.policy import when
from handlers.privacy import mask
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CLASS_LABELS,
    ROLE_LABELS,
    ROUTE_LABELS,
    STATE_LABELS,
)

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
JINJA = web.AppKey("liufang.web.jinja", jinja2.Environment)
# Set by the auth middleware for a logged-in request (and CSRF for the login form too).
USER = web.RequestKey("liufang.web.user", WebUser)
CSRF = web.RequestKey("liufang.web.csrf", str)
# Where a template writes markup made and UTF-8 encoded beforehand (``render``'s ``parts``). It
# can come from no value but a Markup: autoescaping turns any other text's "<" into "&lt;", and
# no template holds a NUL.
PARTS = Markup("<\x00parts\x00>")

# The dashboard runs no script at all and loads nothing from elsewhere; inline SVG charts use
# presentation attributes, so no inline style needs allowing either.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def setup_templates(app: web.Application) -> jinja2.Environment:
    """The app's template environment and ``/static/`` route, created on the first call."""
    if JINJA in app:
        return app[JINJA]
    tz = app[WEB].settings.tz
    env = aiohttp_jinja2.setup(
        app,
        app_key=JINJA,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every {{ value }} is HTML-escaped: user text is never markup
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are part of the release: compiled once, never stat()ed again per render.
        auto_reload=False,
    )

    def local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A stored (UTC) time shown in the configured zone, Asia/Shanghai by default."""
        return dt.astimezone(tz).strftime(fmt) if dt is not None else ""

    env.filters["local"] = local
    env.filters["when"] = lambda dt: when(dt, tz) if dt is not None else ""
    env.filters["masked"] = mask
    env.filters["personal"] = lambda text, full: (text or "") if full else mask(text)
    env.globals.update(
        CLASS_LABELS=CLASS_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS,
        STATE_LABELS=STATE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        ROUTE_LABELS=ROUTE_LABELS,
    )
    env.globals["PARTS"] = PARTS
    env.globals["nav"] = [("/", "工单"), ("/hall", "议事厅"), ("/stats", "统计")]
    env.globals["nav_links"] = NavLinks(env)
    app[FLAT_GLOBALS] = {}
    app.router.add_static("/static/", STATIC, name="static")
    return env


def fixed_options(env: jinja2.Environment, items: Sequence[tuple[str, str]]) -> dict[str, Markup]:
    """The ``<option>`` lines of a fixed select (``options.html``) for each value that can be
    selected ("" for none), made once: a page picks its table instead of looping, escaping
    and comparing every option again."""
    macro = env.get_template("options.html").module.options  # type: ignore[attr-defined]
    # The template writes the lines where the last one's line break is its own.
    return {
        selected: Markup(str(macro(items, selected)).rstrip("\n"))
        for selected in ("", *(code for code, _ in items))
    }


class NavLinks:
    """The header menu's links (``nav.html``) for the page at each path, made once: a page
    picks its lines instead of looping over the menu and escaping every link again. Made
    again when the menu changed (``add_nav_link`` adds to it while the app is set up)."""

    def __init__(self, env: jinja2.Environment) -> None:
        self._env = env
        self._menu: tuple[tuple[str, str], ...] | None = None
        self._by_path: dict[str | None, Markup] = {}

    def __call__(self, path: str) -> Markup:
        """The links' lines, the one of ``path`` marked as the current page."""
        nav: list[tuple[str, str]] = self._env.globals["nav"]  # type: ignore[assignment]
        menu = tuple(nav)
        if menu != self._menu:
            macro = self._env.get_template("nav.html").module.links  # type: ignore[attr-defined]
            paths = (None, *(href for href, _ in menu))  # None: a page not in the menu
            self._by_path = {p: Markup(str(macro(menu, p))) for p in paths}
            self._menu = menu
        return self._by_path.get(path, self._by_path[None])


def add_nav_link(app: web.Application, href: str, label: str) -> None:
    """Add a page to the header menu of every logged-in page (after the dashboard's)."""
    nav = setup_templates(app).globals["nav"]
    if not isinstance(nav, list):  # set by setup_templates: a list of (href, label)
        raise TypeError(f"the header menu is a {type(nav).__name__}, not a list")
    nav.append((href, label))


# By template name, the template's globals as one dict (what Template.render merges under the
# page's values): Jinja keeps them as a ChainMap over the environment's, and copying that took
# more than half of a list page's rendering. Made at a template's first page, when the app is
# set up: Jinja asks that no global change after templates are loaded.
FLAT_GLOBALS = web.AppKey("liufang.web.flat_globals", dict[str, dict[str, Any]])


def _render_text(app: web.Application, name: str, values: dict[str, Any]) -> str:
    """``Template.render(values)`` of the app's template ``name``, its globals copied once.

    Straight from the app's environment, too: aiohttp_jinja2.render_string looks it up through
    the request's chain of apps and checks for context processors (none here) every time.
    """
    env = app[JINJA]
    template = env.get_template(name)
    flat = app[FLAT_GLOBALS].get(name)
    if flat is None:
        flat = app[FLAT_GLOBALS][name] = dict(template.globals)
    # jinja2.runtime.new_context with shared=False, the globals a dict instead of a ChainMap.
    context = env.context_class(env, {**flat, **values}, template.name, template.blocks, flat)
    try:
        return env.concat(template.root_render_func(context))
    except Exception:
        env.handle_exception()


def render(
    request: web.Request,
    name: str,
    context: Mapping[str, Any],
    status: int = 200,
    parts: Sequence[bytes] = (),
) -> web.Response:
    """Render template ``name`` with the page's user and CSRF token added; ``parts`` (UTF-8
    markup) go where it writes :data:`PARTS`, when there are any."""
    badge = request.app[WEB].channel_status
    values = {
        "channel_status": badge() if badge is not None and request.get(USER) else None,
        "user": request.get(USER),
        "csrf_token": request.get(CSRF, ""),
        "path": request.path,
        **context,
    }
    text = _render_text(request.app, name, values)
    if parts:
        # The list's thirty lines were most of the page's characters, and encoding them again
        # for every page most of its encoding: they are encoded once, with the line.
        head, mark, tail = text.partition(PARTS)
        if not mark:
            raise ValueError(f"{name} does not write the parts it was given")
        body = b"".join((head.encode(), *parts, tail.encode()))
    else:
        body = text.encode()
    # What aiohttp_jinja2.render_template makes of the text.
    response = web.Response(body=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = CSP
    # Pages show residents' reports: no shared cache or browser history may keep them.
    response.headers["Cache-Control"] = "no-store"
    return response
