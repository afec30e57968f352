"""Live web servers for tests: the demo bot behind the real aiohttp app on a free port.

Tests talk to it over real HTTP (an aiohttp client on 127.0.0.1), as an Open311 client or a
browser would; what the bot posts in the chat is captured by the TestBot's channel.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import App
from bot.channels.simulator import SimulatorChannel
from bot.clock import TravelClock
from bot.config import load_settings
from bot.config_rules import WebUser
from bot.web.server import Setup, WebServer
from handlers.context import Classifier
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, TestBot, shared_nlp
from tests.support.web import DEMO_PASSWORDS, serve

API_KEY = "test-open311-key"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
START = datetime(2026, 11, 26, 9, 0)  # a Thursday morning, in the configured zone


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
        nlp: Classifier | None = None,
        public_url: str = "",
    ) -> LiveWeb:
        """Serve the demo config (with ``api_key`` for Open311 POST) on 127.0.0.1:0."""
        settings = load_settings(
            EXAMPLE_CONFIG,
            env={"LIUFANG_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'bot.db'}"},
        )
        settings = dataclasses.replace(
            settings,
            web=dataclasses.replace(settings.web, open311_api_key=api_key, public_url=public_url),
        )
        bot = TestBot(settings, clock=clock, nlp=nlp)
        server = await serve(bot, features)
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


class SimulatorSite:
    """The real :class:`App` on the simulator channel, serving every web page on a free port.

    As ``make run`` composes it (with a fake clock and port 0); ``login`` then goes through
    the dashboard's log-in form, and ``send``/``messages`` use the simulator's JSON endpoints
    with the session's CSRF token, as the page's script does.
    """

    def __init__(self, app: App, channel: SimulatorChannel, http: aiohttp.ClientSession) -> None:
        self.app = app
        self.channel = channel
        self.http = http
        assert app.web is not None
        self.base = app.web.url.rstrip("/")
        self.csrf = ""

    @classmethod
    async def start(
        cls,
        tmp_path: Path,
        database_url: str | None = None,
        extra_users: Sequence[WebUser] = (),
    ) -> SimulatorSite:
        """Start the app (web on 127.0.0.1:0) with its travel clock set to Thursday
        2026-11-26 09:00; ``extra_users`` may log in too (password: their username twice)."""
        settings = load_settings(
            EXAMPLE_CONFIG,
            env={"LIUFANG_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'sim.db'}"},
        )
        web = dataclasses.replace(
            settings.web,
            host="127.0.0.1",
            port=0,
            open311_api_key=API_KEY,
            users=(*settings.web.users, *extra_users),
        )
        settings = dataclasses.replace(settings, web=web)
        clock = TravelClock(settings.tz)
        clock.set(START)
        channel = SimulatorChannel(settings, clock)
        app = App(settings, channel, clock=clock, nlp=shared_nlp(), serve_web=True)
        channel.enable_time_travel(clock, app.travel_to)
        await app.start()
        # Cookies for 127.0.0.1 need an "unsafe" jar (aiohttp keeps none for IPs by default).
        return cls(app, channel, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))

    def url(self, path: str) -> str:
        """The absolute URL of ``path``."""
        return self.base + path

    async def login(self, username: str = "wangshuji") -> None:
        """Log in through the form, then read the session's CSRF token off the simulator page."""
        async with self.http.get(self.url("/login")) as resp:
            token = _CSRF.search(await resp.text())
        assert token is not None
        password = DEMO_PASSWORDS.get(username, username * 2)
        form = {"username": username, "password": password, "csrf_token": token[1]}
        async with self.http.post(self.url("/login"), data=form) as resp:
            assert resp.status == 200, await resp.text()
        async with self.http.get(self.url("/simulator")) as resp:
            found = re.search(r'data-csrf="([^"]+)"', await resp.text())
        assert found is not None
        self.csrf = found[1]

    async def send(self, room: str, member: str, text: str, **more: str) -> tuple[int, Any]:
        """POST a message as the page does; status and body (JSON, or the refusal's text)."""
        body = {"room": room, "member": member, "text": text, **more}
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        async with self.http.post(
            self.url("/simulator/api/send"), json=body, headers=headers
        ) as resp:
            is_json = resp.content_type == "application/json"
            return resp.status, await (resp.json() if is_json else resp.text())

    async def messages(self, room: str, after: int = 0, wait: bool = False) -> list[Any]:
        """The room's messages after ``after`` (long-polling when ``wait``)."""
        params = {"room": room, "after": str(after), "wait": "1" if wait else "0"}
        async with self.http.get(self.url("/simulator/api/messages"), params=params) as resp:
            assert resp.status == 200, await resp.text()
            return (await resp.json())["messages"]

    async def close(self) -> None:
        """Stop the client and the app (its web server, channel and database)."""
        await self.http.close()
        await self.app.stop()
