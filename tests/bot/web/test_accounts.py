"""Dashboard accounts over plain HTTP: create, disable, reset, change one's own password."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.support.people import audit_rows, counts
from tests.support.web import DashboardSite, web_user

NEW_USER = {
    "username": "zhaozhuren",
    "name": "赵主任",
    "role": "committee",
    "community": "maotang",
    "password": "zhao-2026-pass",
    "password2": "zhao-2026-pass",
}


@pytest.fixture
async def site(tmp_path: Path) -> DashboardSite:
    """The demo site without tickets, plus a district account (jiedao / jiedao-pass)."""
    jiedao = web_user("jiedao", "jiedao-pass", "*", role="department")
    started = await DashboardSite.start(tmp_path, seed=False, extra_users=[jiedao])
    yield started  # type: ignore[misc]
    await started.close()


async def test_a_secretary_creates_an_account_that_can_log_in(site: DashboardSite) -> None:
    await site.login("wangshuji")
    status, page = await site.post("/users", NEW_USER)
    assert status == 200 and "账号已创建" in page and "zhaozhuren" in page
    [row] = audit_rows(site.bot)
    assert (row.action, row.target, row.community_code) == ("user.add", "zhaozhuren", "maotang")
    assert "zhao-2026-pass" not in row.after and "scrypt" not in row.after
    assert await site.login("zhaozhuren", "zhao-2026-pass") == 200
    status, text = await site.post("/users", {**NEW_USER, "username": "other"})
    assert status == 403 and "只有本社区的社区书记" in text  # a committee member may not


async def test_a_secretary_cannot_create_a_district_or_other_community_account(
    site: DashboardSite,
) -> None:
    await site.login("wangshuji")
    before = counts(site.bot)
    assert (await site.post("/users", {**NEW_USER, "community": "guihua"}))[0] == 404
    status, text = await site.post("/users", {**NEW_USER, "community": "*"})
    assert status == 403 and "街道账号" in text
    assert counts(site.bot) == before
    await site.login("jiedao", "jiedao-pass")  # the district may create either
    assert (await site.post("/users", {**NEW_USER, "community": "guihua"}))[0] == 200


async def test_disabling_ends_the_sessions_and_the_log_ins(site: DashboardSite) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    lin = DashboardSite(site.bot, site.server, aiohttp.ClientSession(cookie_jar=jar))
    try:
        assert await lin.login("linshuji") == 200  # linshuji's own browser
        await site.login("jiedao", "jiedao-pass")
        status, page = await site.post("/users/linshuji/disable", {})
        assert status == 200 and "已停用" in page
        status, _ = await lin.get("/", follow=False)
        assert status == 302  # that session is gone: back to the log-in form
        assert await lin.login("linshuji") == 401
        assert (await site.post("/users/linshuji/enable", {}))[0] == 200
        assert await lin.login("linshuji") == 200
    finally:
        await lin.http.close()
    actions = [r.action for r in audit_rows(site.bot)]
    assert actions == ["user.disable", "user.enable"]


async def test_nobody_disables_their_own_account(site: DashboardSite) -> None:
    await site.login("wangshuji")
    status, page = await site.post("/users/wangshuji/disable", {})
    assert status == 400 and "不能停用自己的账号" in page
    assert audit_rows(site.bot) == []


async def test_a_reset_password_replaces_the_old_one(site: DashboardSite) -> None:
    await site.login("jiedao", "jiedao-pass")
    form = {"password": "new-pass-123", "password2": "new-pass-123"}
    status, page = await site.post("/users/wangshuji/password", form)
    assert status == 200 and "密码已重设" in page
    assert await site.login("wangshuji") == 401
    assert await site.login("wangshuji", "new-pass-123") == 200
    [row] = audit_rows(site.bot)
    assert row.action == "user.password" and "new-pass" not in row.after + row.before


async def test_changing_ones_own_password(site: DashboardSite) -> None:
    await site.login("linshuji")
    base = {"old": "guihua2026", "password": "guihua-2027", "password2": "guihua-2027"}
    for bad, reason in (
        ({"old": "wrong"}, "当前密码不对"),
        ({"password2": "guihua-2028"}, "两次输入的新密码不一样"),
        ({"password": "short", "password2": "short"}, "密码至少 8 位"),
    ):
        status, page = await site.post("/account/password", {**base, **bad})
        assert status == 400 and reason in page
    assert audit_rows(site.bot) == []
    status, page = await site.post("/account/password", base)
    assert status == 200 and "您的密码已修改" in page
    assert (await site.get("/account"))[0] == 200  # this session goes on
    assert await site.login("linshuji") == 401
    assert await site.login("linshuji", "guihua-2027") == 200


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"username": "张三"}, "用户名用 3–32 个英文字母"),
        ({"username": "wangshuji"}, "已经有人用了"),
        ({"name": ""}, "请填写姓名"),
        ({"role": "grid_leader"}, "请从列表里选一个角色"),
        ({"password": "short", "password2": "short"}, "密码至少 8 位"),
        ({"password2": "something-else"}, "两次输入的新密码不一样"),
    ],
)
async def test_bad_account_input_says_why_and_writes_nothing(
    site: DashboardSite, change: dict[str, str], reason: str
) -> None:
    await site.login("wangshuji")
    before = counts(site.bot)
    status, page = await site.post("/users", {**NEW_USER, **change})
    assert status == 400 and reason in page
    assert counts(site.bot) == before


async def test_accounts_survive_a_restart_as_the_web_left_them(tmp_path: Path) -> None:
    site = await DashboardSite.start(tmp_path, seed=False)
    await site.login("wangshuji")
    await site.post("/users", NEW_USER)
    form = {"old": "maotang2026", "password": "maotang-2027", "password2": "maotang-2027"}
    await site.post("/account/password", form)
    await site.close()
    again = await DashboardSite.start(tmp_path, seed=False)  # same file, config seeded again
    try:
        assert await again.login("zhaozhuren", "zhao-2026-pass") == 200
        assert await again.login("wangshuji") == 401  # the config's hash did not come back
        assert await again.login("wangshuji", "maotang-2027") == 200
    finally:
        await again.close()
