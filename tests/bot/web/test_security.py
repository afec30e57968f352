"""Dashboard security over real HTTP: login, sessions, CSRF, escaping, who sees which community."""

from __future__ import annotations

import aiohttp
import pytest

from bot.web.auth import LIMITER, SESSION_COOKIE, SESSIONS
from tests.support.web import DashboardSite

PRIVATE_PAGES = ("/", "/?klass=urgent", "/tickets/1", "/tickets.csv", "/hall", "/stats")


@pytest.mark.parametrize("path", PRIVATE_PAGES)
async def test_no_page_without_login(dashboard: DashboardSite, path: str) -> None:
    resp, body = await dashboard.get_response(path)
    assert resp.status == 302
    assert resp.headers["Location"].startswith("/login?next=")
    assert "路灯".encode() not in body


async def test_posts_without_a_session_are_refused(dashboard: DashboardSite) -> None:
    status, _ = await dashboard.post("/logout", {}, follow=False)
    assert status == 403


async def test_public_pages_need_no_login(dashboard: DashboardSite) -> None:
    for path in ("/login", "/public/stats", "/static/style.css"):
        status, _ = await dashboard.get(path, follow=False)
        assert status == 200, path


async def test_login_lands_where_the_user_was_going(dashboard: DashboardSite) -> None:
    lamp = dashboard.tickets["lamp"]
    status, page = await dashboard.get(f"/tickets/{lamp}")  # redirected to the form
    assert status == 200 and 'name="password"' in page
    assert f'/login?next=/tickets/{lamp}"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "wangshuji", "password": "maotang2026", "csrf_token": token}
    async with dashboard.http.post(
        dashboard.url(f"/login?next=/tickets/{lamp}"), data=form
    ) as resp:
        assert str(resp.url).endswith(f"/tickets/{lamp}")
        assert "路灯坏了" in await resp.text()


async def test_login_never_redirects_elsewhere(dashboard: DashboardSite) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        dashboard.http.cookie_jar.clear()
        _, page = await dashboard.get("/login")
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"username": "wangshuji", "password": "maotang2026", "csrf_token": token}
        async with dashboard.http.post(
            dashboard.url("/login"), params={"next": target}, data=form, allow_redirects=False
        ) as resp:
            assert resp.status == 303
            assert resp.headers["Location"] == "/"


async def test_session_cookie_is_httponly_samesite_and_random(dashboard: DashboardSite) -> None:
    _, page = await dashboard.get("/login")
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "wangshuji", "password": "maotang2026", "csrf_token": token}
    async with dashboard.http.post(
        dashboard.url("/login"), data=form, allow_redirects=False
    ) as resp:
        cookie = resp.cookies[SESSION_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert len(cookie.value) >= 40 and "wangshuji" not in cookie.value


@pytest.mark.parametrize(
    ("username", "password"),
    [("wangshuji", "wrong-password"), ("nobody", "maotang2026"), ("wangshuji", "")],
)
async def test_wrong_password_is_refused_with_one_generic_message(
    dashboard: DashboardSite, username: str, password: str
) -> None:
    assert await dashboard.login(username, password) == 401
    status, _ = await dashboard.get("/", follow=False)
    assert status == 302
    assert not any(c.key == SESSION_COOKIE for c in dashboard.http.cookie_jar)


async def test_failure_message_does_not_say_which_part_was_wrong(
    dashboard: DashboardSite,
) -> None:
    _, page = await dashboard.get("/login")
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    pages = []
    for username in ("wangshuji", "nobody"):
        form = {"username": username, "password": "x", "csrf_token": token}
        async with dashboard.http.post(dashboard.url("/login"), data=form) as resp:
            pages.append((await resp.text()).replace(username, ""))
    assert "用户名或密码不正确" in pages[0]
    assert pages[0].replace(token, "") == pages[1].replace(token, "")


async def test_repeated_failures_lock_the_name_even_for_the_right_password(
    dashboard: DashboardSite,
) -> None:
    for _ in range(5):
        assert await dashboard.login("wangshuji", "guess") == 401
    assert await dashboard.login("wangshuji") == 429
    assert await dashboard.login("linshuji") == 200  # another name is not locked
    limiter = dashboard.server._app[LIMITER]
    limiter.now = lambda: 10**9  # the window has passed
    assert await dashboard.login("wangshuji") == 200


async def test_login_form_needs_its_csrf_token(dashboard: DashboardSite) -> None:
    await dashboard.get("/login")
    form = {"username": "wangshuji", "password": "maotang2026"}
    async with dashboard.http.post(dashboard.url("/login"), data=form) as resp:
        assert resp.status == 403
    form["csrf_token"] = "forged"
    async with dashboard.http.post(dashboard.url("/login"), data=form) as resp:
        assert resp.status == 403


async def test_post_without_a_valid_csrf_token_is_refused(dashboard: DashboardSite) -> None:
    assert await dashboard.login("wangshuji") == 200
    assert dashboard.csrf
    for token in ("", "x" * 43):
        status, _ = await dashboard.post("/logout", {}, csrf=token, follow=False)
        assert status == 403
    assert (await dashboard.get("/", follow=False))[0] == 200  # still logged in
    # A script may send the token as a header instead.
    async with dashboard.http.post(
        dashboard.url("/logout"), headers={"X-CSRF-Token": dashboard.csrf}, allow_redirects=False
    ) as resp:
        assert resp.status == 303


async def test_logout_ends_the_session(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    status, page = await dashboard.post("/logout", {})
    assert status == 200 and 'name="password"' in page
    assert (await dashboard.get("/", follow=False))[0] == 302


async def test_a_stolen_cookie_is_useless_after_logout(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    token = next(c.value for c in dashboard.http.cookie_jar if c.key == SESSION_COOKIE)
    await dashboard.post("/logout", {})
    async with (
        aiohttp.ClientSession(cookies={SESSION_COOKIE: token}) as other,
        other.get(dashboard.url("/"), allow_redirects=False) as resp,
    ):
        assert resp.status == 302


async def test_sessions_expire(dashboard: DashboardSite) -> None:
    store = dashboard.server._app[SESSIONS]
    await dashboard.login("wangshuji")
    assert store.seconds == 120 * 60  # session_minutes of the demo config
    start = store.now()
    store.now = lambda: start + store.seconds - 1
    assert (await dashboard.get("/", follow=False))[0] == 200
    store.now = lambda: start + store.seconds + 1
    assert (await dashboard.get("/", follow=False))[0] == 302


async def test_script_in_a_report_is_shown_as_text(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    ticket = dashboard.tickets["script"]
    for path in ("/", f"/tickets/{ticket}", "/?q=杂物"):
        status, page = await dashboard.get(path)
        assert status == 200
        assert "<script>" not in page, path
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page, path


async def test_pages_forbid_scripts_and_framing(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    resp, _ = await dashboard.get_response("/")
    assert "script-src" not in resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-store"


async def test_another_communitys_ticket_is_not_found(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")  # 毛塘路; the parking ticket is 桂花巷's
    parking = dashboard.tickets["parking"]
    status, foreign = await dashboard.get(f"/tickets/{parking}")
    assert status == 404
    assert "停车" not in foreign
    status, missing = await dashboard.get("/tickets/99999")
    assert status == 404
    assert foreign == missing  # the same answer: existence is not revealed
    await dashboard.post("/logout", {})
    await dashboard.login("linshuji")
    assert (await dashboard.get(f"/tickets/{parking}"))[0] == 200
    assert (await dashboard.get(f"/tickets/{dashboard.tickets['lamp']}"))[0] == 404


async def test_lists_never_show_another_community(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    for path in ("/", "/?community=guihua", "/?q=停车位", "/tickets.csv?community=guihua"):
        status, page = await dashboard.get(path)
        assert status == 200
        assert "停车位太少" not in page and "桂花巷" not in page, path
        assert f'/tickets/{dashboard.tickets["parking"]}"' not in page


async def test_public_stats_has_counts_but_no_names_or_texts(dashboard: DashboardSite) -> None:
    status, page = await dashboard.get("/public/stats")
    assert status == 200 and "<svg" in page
    for private in (
        "李网格长",
        "黄网格长",
        "唐网格长",
        "孙大爷",
        "张经理",
        "路灯坏了",
        "138",
        "5栋",
    ):
        assert private not in page, private
    assert "毛塘路社区" in page and "桂花巷社区" in page
