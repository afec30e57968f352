"""A live dashboard for tests: the demo bot with a seeded database behind the real web app.

The real :class:`bot.web.server.WebServer` listens on 127.0.0.1 (a free port) and tests talk
to it over HTTP with a cookie-keeping client, as a browser would::

    site = await DashboardSite.start(tmp_path)        # or the ``dashboard`` fixture below
    await site.login("wangshuji")                     # a demo user (see DEMO_PASSWORDS)
    status, html = await site.get("/?klass=urgent")
    status, html = await site.post("/logout", {})     # the session's CSRF token is added
    site.tickets["lamp"]                              # ids of the seeded tickets, by key
    site.bot.clock.advance(days=7)                    # the app's clock (a FakeClock)
    await site.close()

The database is seeded by chat lines through the real dispatcher (see ``SEED``), so tickets
carry real events, deadlines and search tokens. ``site.base`` is the server's address, for a
browser driven by Playwright.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.app import build_services
from bot.config import load_settings
from bot.config_rules import WebUser
from bot.web.features import default_features
from bot.web.passwords import hash_password
from bot.web.server import Setup, WebContext, WebServer, build_web_app
from storage.models import Ticket
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, TestBot, shared_nlp

# The demo accounts of config.example.toml: one secretary per community.
DEMO_PASSWORDS = {"wangshuji": "maotang2026", "linshuji": "guihua2026"}
G1, G2, G3 = "[毛塘路1网格]", "[毛塘路2网格]", "[毛塘路3网格]"
SIX, GH1 = "[毛塘路社区六方议事群]", "[桂花巷1网格]"
# (key, chat line): a key names the ticket the line creates; None for lines that create none.
SEED: tuple[tuple[str | None, str], ...] = (
    ("lamp", f"{G1} 李网格长: 3栋2单元门口的路灯坏了好几天了，电话13812345678"),
    ("elevator", f"{G2} 黄网格长: 5栋电梯卡在5楼和6楼中间，里面困了一个老人"),
    ("parking", f"{GH1} 唐网格长: 小区停车位太少，反映很多次一直没解决"),
    ("script", f"{G3} 孙大爷: 报事 8栋楼道堆满杂物<script>alert('x')</script>"),
    (None, f"{SIX} 张经理: 认领 T1"),
    (None, f"{SIX} 张经理: 进展 T1 已联系电工，明天上门"),
)


async def serve(bot: TestBot, features: Sequence[Setup] | None = None) -> WebServer:
    """The web application over a test bot, serving on a free port of 127.0.0.1."""
    context = WebContext(
        settings=bot.settings,
        db=bot.db,
        services=build_services(bot.settings, bot.clock, shared_nlp()),
        dispatcher=bot.dispatcher,
        sender=bot.sender,
        clock=bot.clock,
    )
    app = build_web_app(context, default_features() if features is None else features)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    return server


def web_user(username: str, password: str, community: str, role: str = "committee") -> WebUser:
    """A dashboard user for ``extra_users`` (community "*" sees every community)."""
    return WebUser(username, hash_password(password), username, role, community)


_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


class DashboardSite:
    """The demo bot, its web server and a browser-like HTTP client."""

    def __init__(self, bot: TestBot, server: WebServer, http: aiohttp.ClientSession) -> None:
        self.bot = bot
        self.server = server
        self.http = http
        self.base = server.url.rstrip("/")
        self.tickets: dict[str, int] = {}
        self.csrf = ""  # the logged-in session's token, read from its first page

    @classmethod
    async def start(
        cls,
        tmp_path: Path,
        database_url: str | None = None,
        seed: bool = True,
        features: Sequence[Setup] | None = None,
        clock: FakeClock | None = None,
        extra_users: Sequence[WebUser] = (),
    ) -> DashboardSite:
        """Serve the demo config on 127.0.0.1:0, with the ``SEED`` tickets unless told not;
        ``extra_users`` may log in too (see :func:`web_user`)."""
        settings = load_settings(
            EXAMPLE_CONFIG,
            env={"LIUFANG_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'web.db'}"},
        )
        if extra_users:
            users = (*settings.web.users, *extra_users)
            settings = replace(settings, web=replace(settings.web, users=users))
        bot = TestBot(settings, clock=clock)
        server = await serve(bot, features)
        # Cookies for 127.0.0.1 need an "unsafe" jar (aiohttp keeps none for IPs by default).
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        site = cls(bot, server, http)
        if seed:
            await site.seed(SEED)
        return site

    async def seed(self, lines: Sequence[tuple[str | None, str]]) -> None:
        """Say each line in the chat; remember the ticket a keyed line created."""
        for key, line in lines:
            await self.bot.say(line)
            if key is not None:
                with self.bot.db.session() as session:
                    newest = session.exec(select(func.max(Ticket.id))).one()
                assert newest is not None and newest not in self.tickets.values(), line
                self.tickets[key] = newest

    def url(self, path: str) -> str:
        """The absolute URL of ``path``."""
        return self.base + path

    async def get(self, path: str, *, follow: bool = True) -> tuple[int, str]:
        """GET ``path``: status and body text (redirects followed unless ``follow=False``)."""
        async with self.http.get(self.url(path), allow_redirects=follow) as resp:
            return resp.status, await resp.text()

    async def get_response(self, path: str) -> tuple[aiohttp.ClientResponse, bytes]:
        """GET ``path`` without following redirects: the response (headers) and raw body."""
        async with self.http.get(self.url(path), allow_redirects=False) as resp:
            return resp, await resp.read()

    async def post(
        self, path: str, form: dict[str, str], *, csrf: str | None = None, follow: bool = True
    ) -> tuple[int, str]:
        """POST ``form`` with the session's CSRF token (or ``csrf``; "" sends none)."""
        token = self.csrf if csrf is None else csrf
        data = {**form, "csrf_token": token} if token else dict(form)
        async with self.http.post(self.url(path), data=data, allow_redirects=follow) as resp:
            return resp.status, await resp.text()

    async def login(self, username: str, password: str | None = None) -> int:
        """Log in through the form as a fresh browser does; the status of the page landed on."""
        self.http.cookie_jar.clear()
        status, page = await self.get("/login")
        assert status == 200, page
        token = _CSRF.search(page)
        assert token is not None
        password = DEMO_PASSWORDS.get(username, "") if password is None else password
        async with self.http.post(
            self.url("/login"),
            data={"username": username, "password": password, "csrf_token": token[1]},
        ) as resp:
            page = await resp.text()
            status = resp.status
        found = _CSRF.search(page)
        self.csrf = found[1] if found and status == 200 and "/logout" in page else ""
        return status

    async def close(self) -> None:
        """Stop the client, the server and the bot's database."""
        await self.http.close()
        await self.server.stop()
        self.bot.close()


@pytest.fixture
async def dashboard(tmp_path: Path) -> AsyncIterator[DashboardSite]:
    """A seeded demo site on SQLite, nobody logged in yet."""
    site = await DashboardSite.start(tmp_path)
    try:
        yield site
    finally:
        await site.close()
