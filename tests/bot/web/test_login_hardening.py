"""Log-in hardening over real HTTP: guesses sent at once, and a `next` that could leave."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from bot.web.auth import safe_next
from bot.web.sessions import LoginLimiter
from tests.support.web import DEMO_PASSWORDS, DashboardSite

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


async def _login_token(site: DashboardSite) -> str:
    site.http.cookie_jar.clear()
    _, page = await site.get("/login")
    found = _CSRF.search(page)
    assert found is not None
    return found[1]


async def _post_login(site: DashboardSite, token: str, password: str, **params: str) -> int:
    form = {"username": "wangshuji", "password": password, "csrf_token": token}
    async with site.http.post(
        site.url("/login"), data=form, params=params, allow_redirects=False
    ) as resp:
        await resp.read()
        return resp.status


async def test_31_guesses_at_once_with_the_right_one_16th_log_no_one_in(
    dashboard: DashboardSite,
) -> None:
    token = await _login_token(dashboard)
    passwords = [f"guess{i}" for i in range(30)]
    passwords.insert(15, DEMO_PASSWORDS["wangshuji"])
    statuses = await asyncio.gather(*(_post_login(dashboard, token, p) for p in passwords))
    assert 303 not in statuses  # no session was started
    assert statuses.count(401) == 5  # five tries were checked, the rest refused unchecked
    assert statuses.count(429) == 26
    # The lock holds afterwards too, for the right password alone.
    assert await dashboard.login("wangshuji") == 429


async def test_right_password_after_four_wrong_ones_still_logs_in(
    dashboard: DashboardSite,
) -> None:
    for _ in range(4):
        assert await dashboard.login("wangshuji", "guess") == 401
    assert await dashboard.login("wangshuji") == 200


async def test_guesses_at_many_names_from_one_address_stop_at_twenty(
    dashboard: DashboardSite,
) -> None:
    token = await _login_token(dashboard)

    async def guess(i: int) -> int:
        form = {"username": f"user{i}", "password": "x", "csrf_token": token}
        async with dashboard.http.post(
            dashboard.url("/login"), data=form, allow_redirects=False
        ) as resp:
            return resp.status

    statuses = await asyncio.gather(*(guess(i) for i in range(30)))
    assert statuses.count(401) == 20 and statuses.count(429) == 10
    assert await dashboard.login("wangshuji") == 429  # the address is used up: no more tries


def test_the_limiter_counts_before_the_check_and_the_lock_outlives_a_late_success() -> None:
    clock = [0.0]
    limiter = LoginLimiter(per_user=2, per_address=10, now=lambda: clock[0])
    assert limiter.admit("a", "1.2.3.4") and limiter.admit("a", "1.2.3.4")
    assert not limiter.admit("a", "1.2.3.4")  # counted before any password was checked
    assert not limiter.succeeded("a")  # a right password still being checked: refused
    clock[0] = 15 * 60 + 1
    assert limiter.admit("a", "1.2.3.4") and limiter.succeeded("a")


WINDOW = 15 * 60.0
JUST = 0.001  # a millisecond either side of the window's end


def test_a_name_lock_holds_until_the_window_has_passed_since_the_last_refusal() -> None:
    clock = [0.0]
    limiter = LoginLimiter(per_user=2, per_address=10, now=lambda: clock[0])
    assert limiter.admit("a", "1.2.3.4") and limiter.admit("a", "1.2.3.4")
    clock[0] = 60.0
    assert not limiter.admit("a", "1.2.3.4")  # refused at 60 s: locked from then
    clock[0] = 60.0 + WINDOW - JUST
    assert limiter.locked("a") and not limiter.succeeded("a")  # just before: still locked
    clock[0] = 60.0 + WINDOW + JUST
    assert not limiter.locked("a")  # just after: open again, its old tries gone too
    assert limiter.admit("a", "1.2.3.4") and limiter.succeeded("a")


def test_a_refusal_while_locked_starts_the_window_again() -> None:
    clock = [0.0]
    limiter = LoginLimiter(per_user=1, per_address=10, now=lambda: clock[0])
    assert limiter.admit("a", "1.2.3.4")
    assert not limiter.admit("a", "1.2.3.4")  # locked at 0
    clock[0] = WINDOW - JUST
    assert not limiter.admit("a", "1.2.3.4")  # a guess just before the end: locked again
    clock[0] = WINDOW + JUST
    assert limiter.locked("a")  # the window now runs from the last refusal
    clock[0] = 2 * WINDOW
    assert limiter.admit("a", "1.2.3.4")


def test_an_address_is_limited_across_names_and_other_addresses_are_not() -> None:
    clock = [0.0]
    limiter = LoginLimiter(per_user=5, per_address=3, now=lambda: clock[0])
    assert all(limiter.admit(f"user{i}", "10.0.0.1") for i in range(3))
    assert not limiter.admit("user3", "10.0.0.1")  # a fresh name from a used-up address
    assert limiter.admit("user4", "10.0.0.2")  # another address is unaffected
    clock[0] = WINDOW - JUST
    assert not limiter.admit("user5", "10.0.0.1")  # just before the first tries age out
    clock[0] = WINDOW + JUST
    assert limiter.admit("user6", "10.0.0.1")  # just after: the address has tries again


ON_SITE = ["/", "/tickets/1", "/?klass=urgent&q=路灯", "/hall"]
OFF_SITE = [
    "//evil.example",
    "//evil.example/x",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\u3000/evil.example",
    "/\u200b/evil.example",
    "/\x00/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", ON_SITE)
def test_safe_next_keeps_local_paths(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_never_leaves_the_site(target: str) -> None:
    location = safe_next(target)
    resolved = aiohttp.client.URL("https://bot.example/login").join(aiohttp.client.URL(location))
    assert resolved.host == "bot.example"
    assert location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0A/evil.example", "/%0d%0a//x"])
async def test_login_next_with_an_encoded_tab_goes_home(
    dashboard: DashboardSite, target: str
) -> None:
    # GET /login?next=… when already logged in, and POST /login?next=…: both land on "/".
    assert await dashboard.login("wangshuji") == 200
    url = dashboard.base + "/login?next=" + target
    async with dashboard.http.get(
        aiohttp.client.URL(url, encoded=True), allow_redirects=False
    ) as r:
        assert r.status == 302 and r.headers["Location"] == "/"
    token = await _login_token(dashboard)
    form = {"username": "wangshuji", "password": DEMO_PASSWORDS["wangshuji"], "csrf_token": token}
    async with dashboard.http.post(
        aiohttp.client.URL(url, encoded=True), data=form, allow_redirects=False
    ) as r:
        assert r.status == 303 and r.headers["Location"] == "/"
