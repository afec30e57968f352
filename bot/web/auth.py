"""Dashboard security: log-in, server-side sessions, CSRF tokens and who may see which community.

Every path needs a logged-in session except ``/login``, ``/healthz``, ``/metrics``,
``/static/``, ``/public/`` and ``/open311/`` (whose POST checks its own API key). A request
without a session is sent to ``/login`` (GET) or refused with 403 (any other method). Every
unsafe request of a session must carry the session's CSRF token, as the form field
``csrf_token`` or the header ``X-CSRF-Token`` (for scripts), else 403.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import quote, urlsplit

from aiohttp import hdrs, web

from bot.config_web import WebUser
from bot.web.dashboard_render import CSRF, USER, render, setup_templates
from bot.web.passwords import hash_password, verify_password
from bot.web.server import WEB
from bot.web.sessions import LoginLimiter, SessionStore
from storage.db import Database
from storage.directory import dashboard_user

log = logging.getLogger(__name__)

SESSION_COOKIE = "liufang_session"
LOGIN_CSRF_COOKIE = "liufang_login_csrf"  # the login form has no session yet: double submit
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/metrics"})  # health checks and Prometheus
PUBLIC_PREFIXES = ("/static/", "/public/", "/open311/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
GENERIC_FAILURE = "用户名或密码不正确"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


SESSIONS = web.AppKey("liufang.web.sessions", SessionStore)
LIMITER = web.AppKey("liufang.web.login_limiter", LoginLimiter)
_DUMMY_HASH = hash_password(secrets.token_hex(8))  # unknown names cost as much as known ones


# A Cookie header that is the session cookie alone, as a browser of the dashboard sends it (the
# log-in form's cookie is sent to /login only): its token (``secrets.token_urlsafe``) is read
# straight, what aiohttp's parser of every cookie gives for it, at a fraction of the cost.
_SESSION_ALONE = re.compile(rf"{SESSION_COOKIE}=([A-Za-z0-9_-]+)")


def session_token(request: web.Request) -> str | None:
    """The value of the request's session cookie, None without one."""
    alone = _SESSION_ALONE.fullmatch(request.headers.get(hdrs.COOKIE, ""))
    if alone is not None:
        return alone[1]
    return request.cookies.get(SESSION_COOKIE)


def current_user(request: web.Request) -> WebUser:
    """The logged-in user of a dashboard request (the middleware guarantees there is one)."""
    user = request.get(USER)
    if user is None:
        raise web.HTTPFound("/login")
    return user


def can_see(user: WebUser, community_code: str) -> bool:
    """The six parties see their own community; a district user ("*") sees every one."""
    return user.community in ("*", community_code)


def visible_communities(user: WebUser, codes: Iterable[str]) -> list[str]:
    """The community codes among ``codes`` that ``user`` may see."""
    return [code for code in codes if can_see(user, code)]


def is_public(path: str) -> bool:
    """Paths reachable without logging in."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


# Browsers drop tabs and line breaks anywhere in a URL and trim spaces and controls around it,
# so "/\t/evil.example" reaches them as "//evil.example": controls, format characters and
# non-ASCII spaces go wherever they are, before the check.
_URL_NOISE = re.compile(
    r"[\x00-\x1f\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]"
)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a same-origin path, else ``/``.

    Only a path that starts with one ``/`` and has no backslash (browsers read ``\\`` as
    ``/``) is kept; "//evil.example", "https://…" and "/\\evil" would make /login an open
    redirect.
    """
    path = _URL_NOISE.sub("", target or "").strip(" ")
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return "/"
    return path


async def _submitted_token(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()  # cached: the handler can read the form again
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _token_ok(submitted: str, expected: str) -> bool:
    return bool(submitted) and hmac.compare_digest(submitted.encode(), expected.encode())


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log-in required outside the public paths; CSRF token required on unsafe methods."""
    if not is_public(request.path):
        session = request.app[SESSIONS].get(session_token(request))
        if session is None:
            if request.method in ("GET", "HEAD"):
                raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")
            raise web.HTTPForbidden(text="请先登录")
        request[USER] = session.user
        request[CSRF] = session.csrf
        if request.method not in SAFE_METHODS and not _token_ok(
            await _submitted_token(request), session.csrf
        ):
            raise web.HTTPForbidden(text="页面已过期，请刷新后重试（CSRF 校验失败）")
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _login_form(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    request[CSRF] = token
    nxt = safe_next(request.query.get("next"))
    response = render(request, "login.html", {"error": error, "next": nxt}, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/login")
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /login: the form (or straight on when already logged in)."""
    if request.app[SESSIONS].get(request.cookies.get(SESSION_COOKIE)) is not None:
        raise web.HTTPFound(safe_next(request.query.get("next")))
    return _login_form(request)


def stored_user(db: Database, username: str) -> WebUser | None:
    """The dashboard user ``username`` as stored (the database, not the file); None if disabled."""
    with db.session() as session:
        row = dashboard_user(session, username)
        if row is None or row.disabled:
            return None
        return WebUser(row.username, row.password_hash, row.name, row.role, row.community)


async def login_submit(request: web.Request) -> web.StreamResponse:
    """POST /login: check the password, start a session, go where the user was going."""
    form = await request.post()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not _token_ok(str(form.get(CSRF_FIELD, "")), expected):
        raise web.HTTPForbidden(text="页面已过期，请刷新后重试（CSRF 校验失败）")
    username = str(form.get("username", "")).strip()[:100]
    password = str(form.get("password", ""))[:200]
    address = request.remote or "?"
    limiter = request.app[LIMITER]
    if not limiter.admit(username, address):
        return _too_many(request, username, address)
    user = await asyncio.to_thread(stored_user, request.app[WEB].db, username)
    # scrypt takes tens of milliseconds: off the event loop, and as long for an unknown name;
    # one check per name at a time, so a lock that falls meanwhile is seen by the next.
    stored = user.password_hash if user else _DUMMY_HASH
    async with limiter.checking(username):
        ok = await asyncio.to_thread(verify_password, password, stored)
        if user is None or not ok:
            log.info("web: failed log-in for %r from %s", username, address)
            return _login_form(request, GENERIC_FAILURE, status=401)
        if not limiter.succeeded(username):
            return _too_many(request, username, address)
    store = request.app[SESSIONS]
    store.drop(request.cookies.get(SESSION_COOKIE))
    token, _ = store.create(user)
    response = _see_other(safe_next(request.query.get("next")))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=request.secure,
        path="/",
        max_age=store.seconds,
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    log.info("web: %s logged in", username)
    return response


def _too_many(request: web.Request, username: str, address: str) -> web.Response:
    log.warning("web: log-in refused for %r from %s: too many failures", username, address)
    return _login_form(request, "尝试次数过多，请 15 分钟后再试", status=429)


def _see_other(location: str) -> web.Response:
    # A 303 after a POST: the browser follows it with a GET, so a reload never re-posts.
    return web.Response(status=303, headers={"Location": location})


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout (CSRF-checked by the middleware): end the session."""
    request.app[SESSIONS].drop(request.cookies.get(SESSION_COOKIE))
    response = _see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def setup(app: web.Application) -> None:
    """Sessions, the log-in limiter, the guard middleware and /login, /logout."""
    setup_templates(app)
    app[SESSIONS] = SessionStore(app[WEB].settings.web.session_minutes)
    app[LIMITER] = LoginLimiter()
    app.middlewares.append(guard)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout)
