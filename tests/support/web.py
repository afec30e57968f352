"""Live web servers for tests: the demo bot behind the real aiohttp app on a free port.

:class:`DashboardSite` serves every web page over a test bot; tests talk to it over HTTP with
a cookie-keeping client, as a browser or an Open311 client would::

    site = await DashboardSite.start(tmp_path)        # or the ``dashboard`` fixture below
    await site.login("wangshuji")                     # a demo user (see DEMO_PASSWORDS)
    status, html = await site.get("/?klass=urgent")
    status, html = await site.post("/logout", {})     # the session's CSRF token is added
    site.tickets["lamp"]                              # ids of the seeded tickets, by key
    site.bot.clock.advance(days=7)                    # the app's clock (a FakeClock)
    status, data = await site.get_json("/open311/v2/services.json")
    await site.close()

The database is seeded by chat lines through the real dispatcher (see ``SEED``), so tickets
carry real events, deadlines and search tokens. ``site.base`` is the server's address, for a
browser driven by Playwright; what the bot posts in the chat is captured by the TestBot's
channel (``site.bot.channel.sent`` after ``site.bot.sender.flush()``).
:class:`SimulatorSite` is the whole :class:`bot.app.App` on the simulator channel.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.app import App
from bot.assembly import build_services
from bot.channels.simulator import SimulatorChannel
from bot.clock import TravelClock
from bot.config import load_settings
from bot.config_web import WebUser
from bot.web.features import default_features
from bot.web.passwords import hash_password
from bot.web.server import Setup, WebContext, WebServer, build_web_app
from handlers.context import Classifier
from storage.models import Ticket
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, TestBot, shared_nlp

# The demo accounts of config.example.toml: one secretary per community.
DEMO_PASSWORDS = {"wangshuji": "maotang2026", "linshuji": "guihua2026"}
G1, G2, G3 = "[毛塘路1网格]", "[毛塘路2网格]", "[毛塘路3网格]"
SIX, GH1 = "[毛塘路社区六方议事群]", "[桂花巷1网格]"
API_KEY = "test-open311-key"  # the Open311 POST key of every test site
START = datetime(2026, 11, 26, 9, 0)  # the simulator's start: a Thursday morning, local time
# (key, chat line): a key names the ticket the line creates; None for lines that create none.
SEED: tuple[tuple[str | None, str], ...] = (
    ("lamp", f"{G1} 李网格长: 3栋2单元门口的路灯坏了好几天了，电话13812345678"),
    ("elevator", f"{G2} 黄网格长: 5栋电梯卡在5楼和6楼中间，里面困了一个老人"),
    ("parking", f"{GH1} 唐网格长: 小区停车位太少，反映很多次一直没解决"),
    ("script", f"{G3} 孙大爷: 报事 8栋楼道堆满杂物和垃圾<script>alert('x')</script>"),
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
        *,
        api_key: str = API_KEY,
        nlp: Classifier | None = None,
        public_url: str = "",
        media_dir: Path | None = None,
    ) -> DashboardSite:
        """Serve the demo config on 127.0.0.1:0, with the ``SEED`` tickets unless told not;
        ``extra_users`` may log in too (see :func:`web_user`); ``api_key`` opens Open311 POST;
        photos are looked for in ``media_dir`` (default: ``tmp_path/media``)."""
        settings = load_settings(
            EXAMPLE_CONFIG,
            env={"LIUFANG_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'web.db'}"},
        )
        users = (*settings.web.users, *extra_users)
        web = replace(settings.web, users=users, open311_api_key=api_key, public_url=public_url)
        wechat = replace(settings.wechat, media_dir=media_dir or tmp_path / "media")
        settings = replace(settings, web=web, wechat=wechat)
        bot = TestBot(settings, clock=clock, nlp=nlp)
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

    async def get_json(self, path: str, **params: str) -> tuple[int, Any]:
        """GET ``path``; the status and the decoded JSON body."""
        async with self.http.get(self.url(path), params=params) as resp:
            return resp.status, await resp.json(content_type=None)

    async def post_form(self, path: str, form: dict[str, str]) -> tuple[int, Any]:
        """POST ``form`` url-encoded without a session (as Open311 clients do); status, JSON."""
        async with self.http.post(self.url(path), data=form) as resp:
            return resp.status, await resp.json(content_type=None)

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
        web = replace(
            settings.web,
            host="127.0.0.1",
            port=0,
            open311_api_key=API_KEY,
            users=(*settings.web.users, *extra_users),
        )
        settings = replace(settings, web=web)
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


@pytest.fixture
async def dashboard(tmp_path: Path) -> AsyncIterator[DashboardSite]:
    """A seeded demo site on SQLite, nobody logged in yet."""
    site = await DashboardSite.start(tmp_path)
    try:
        yield site
    finally:
        await site.close()
