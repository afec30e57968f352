"""A live web server for tests: the demo bot behind the real aiohttp app on a free port.

Tests talk to it over real HTTP (an aiohttp client on 127.0.0.1), as an Open311 client or a
browser would; what the bot posts in the chat is captured by the TestBot's channel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import build_services
from bot.config import load_settings
from bot.web.features import default_features
from bot.web.server import Setup, WebContext, WebServer, build_web_app
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, TestBot, shared_nlp

API_KEY = "test-open311-key"


class LiveWeb:
    """The demo bot, its web server and an HTTP client; ``close`` releases all three."""

    def __init__(self, bot: TestBot, server: WebServer, http: aiohttp.ClientSession) -> None:
        self.bot = bot
        self.server = server
        self.http = http
        self.base = server.url.rstrip("/")

    @classmethod
    async def start(
        cls,
        tmp_path: Path,
        database_url: str | None = None,
        api_key: str = API_KEY,
        features: Sequence[Setup] | None = None,
        clock: FakeClock | None = None,
    ) -> LiveWeb:
        """Serve the demo config (with ``api_key`` for Open311 POST) on 127.0.0.1:0."""
        settings = load_settings(
            EXAMPLE_CONFIG,
            env={"LIUFANG_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'bot.db'}"},
        )
        settings = dataclasses.replace(
            settings, web=dataclasses.replace(settings.web, open311_api_key=api_key)
        )
        bot = TestBot(settings, clock=clock)
        context = WebContext(
            settings=settings,
            db=bot.db,
            services=build_services(settings, bot.clock, shared_nlp()),
            dispatcher=bot.dispatcher,
            sender=bot.sender,
            clock=bot.clock,
        )
        app = build_web_app(context, default_features() if features is None else features)
        server = WebServer(app, "127.0.0.1", 0)
        await server.start()
        return cls(bot, server, aiohttp.ClientSession())

    def url(self, path: str) -> str:
        """The absolute URL of ``path``."""
        return self.base + path

    async def get_json(self, path: str, **params: str) -> tuple[int, Any]:
        """GET ``path``; the status and the decoded JSON body."""
        async with self.http.get(self.url(path), params=params) as resp:
            return resp.status, await resp.json(content_type=None)

    async def post_form(self, path: str, form: dict[str, str]) -> tuple[int, Any]:
        """POST ``form`` url-encoded, as the Open311 spec says; status and JSON body."""
        async with self.http.post(self.url(path), data=form) as resp:
            return resp.status, await resp.json(content_type=None)

    async def close(self) -> None:
        """Stop the client, the server and the bot's database."""
        await self.http.close()
        await self.server.stop()
        self.bot.close()
