"""The aiohttp application: one shared context, each feature adds its routes in ``setup``.

Features live in their own modules (dashboard, auth, simulator, open311, …), each exposing
``setup(app: web.Application) -> None``; :func:`build_web_app` calls them in order. Handlers
reach the bot through ``app[WEB]`` (a :class:`WebContext`): the database, the settings, the
dispatcher (the simulator feeds it like any channel), the clock and the sender.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from bot.delivery import OutboxSender
from handlers.context import Services
from handlers.dispatcher import Dispatcher
from storage.db import Database

if TYPE_CHECKING:  # the runtime parts the app hands in; the web package needs no import of them
    from bot.channels.base import Channel
    from bot.health import Health
    from bot.metrics import Metrics

log = logging.getLogger(__name__)

Setup = Callable[[web.Application], None]


@dataclass
class WebContext:
    """What every web handler may use; nothing is imported as a global."""

    settings: Settings
    db: Database
    services: Services
    dispatcher: Dispatcher
    sender: OutboxSender | None
    clock: Callable[[], datetime]
    # What the running app adds for some pages; absent (None) in tests and benchmarks.
    channel: Channel | None = None  # the simulator pages talk to the simulator channel
    health: Health | None = None  # /healthz
    metrics: Metrics | None = None  # /metrics
    # The dashboard header's badge: (css class, label), e.g. ("down", "已掉线 3 分钟").
    channel_status: Callable[[], tuple[str, str]] | None = None


WEB = web.AppKey("liufang.web", WebContext)
MAX_BODY = 256 * 1024  # a request body larger than this is refused (413)

# Sent on every response (pages, redirects, errors, the CSV, JSON, static files) unless the
# handler set its own: no sniffing, no framing, no referrer to other sites, nothing loaded.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def build_web_app(context: WebContext, features: Sequence[Setup]) -> web.Application:
    """The application with every feature's routes."""
    app = web.Application(client_max_size=MAX_BODY)
    app[WEB] = context
    app.on_response_prepare.append(_security_headers)
    for setup in features:
        setup(app)
    return app


class WebServer:
    """Start/stop lifecycle of the web application on host:port."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def app(self) -> web.Application:
        """The application served."""
        return self._app

    @property
    def url(self) -> str:
        """Where the server listens, for people to open."""
        return f"http://{self._host}:{self._port}/"

    async def start(self) -> None:
        """Bind and serve."""
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        if self._port == 0:  # tests ask for any free port: learn which one we got
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            if sockets:
                self._port = sockets[0].getsockname()[1]
        log.info("web: %s", self.url)

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
