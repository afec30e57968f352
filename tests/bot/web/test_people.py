"""The people pages over plain HTTP: a member added in the web is who the chat sees at once,
forms need CSRF and the right role, bad input writes nothing, communities stay apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.harness import TestBot
from tests.support.people import audit_rows, counts, member, say_as
from tests.support.web import DashboardSite, web_user

SIX = "[毛塘路社区六方议事群]"
G1 = "[毛塘路1网格]"
NEW = {"name": "吴经理", "contact_id": "wx-mt-wu", "role": "property", "phone": "13900001111"}


async def test_a_member_added_in_the_web_is_accepted_in_chat_at_once(
    dashboard: DashboardSite,
) -> None:
    bot, ticket = dashboard.bot, dashboard.tickets["script"]
    # First as nobody: refused, and the dispatcher has now cached "no role" for this id.
    refused = await say_as(bot, f"{SIX} 吴经理: 认领 T{ticket}", "wx-mt-wu")
    assert any("只有" in line for line in refused), refused
    assert await dashboard.login("wangshuji") == 200
    status, page = await dashboard.post("/people/maotang/members", NEW)
    assert status == 200 and "已保存" in page and "吴经理" in page
    assert "139****1111" in page and "13900001111" not in page  # masked by default
    said = await say_as(bot, f"{SIX} 吴经理: 认领 T{ticket}", "wx-mt-wu")
    assert not any("只有" in line for line in said), said
    assert bot.ticket(ticket).assignee_id == "wx-mt-wu"
    [row] = audit_rows(bot)
    assert (row.actor, row.action, row.community_code) == ("wangshuji", "member.add", "maotang")
    assert '"role": "property"' in row.after and row.before == ""
    _, log = await dashboard.get("/audit")
    assert "添加成员" in log and "吴经理（wx-mt-wu）" in log and "物业" in log


async def test_a_role_changed_in_the_web_applies_to_the_next_message(
    dashboard: DashboardSite,
) -> None:
    bot, ticket = dashboard.bot, dashboard.tickets["script"]
    assert any("只有" in x for x in await bot.say(f"{SIX} 刘阿姨: 认领 T{ticket}"))
    await dashboard.login("wangshuji")
    liu = member(bot, "wx-mt-liu")
    assert liu is not None
    form = {"name": "刘阿姨", "contact_id": "wx-mt-liu", "role": "property", "phone": ""}
    assert (await dashboard.post("/people/maotang/members", form))[0] == 200
    assert not any("只有" in x for x in await bot.say(f"{SIX} 刘阿姨: 认领 T{ticket}"))
    [row] = audit_rows(bot)
    assert row.action == "member.edit" and '"role": "resident"' in row.before


async def test_a_member_added_in_the_web_survives_a_restart(tmp_path: Path) -> None:
    site = await DashboardSite.start(tmp_path)
    try:
        await site.login("wangshuji")
        assert (await site.post("/people/maotang/members", NEW))[0] == 200
        url = site.bot.settings.database_url
    finally:
        await site.close()
    again = TestBot(site.bot.settings)  # opens the same file: migrations and config sync run
    try:
        assert url == again.settings.database_url
        kept = member(again, "wx-mt-wu")
        assert kept is not None and kept.role == "property" and kept.phone == "13900001111"
        said = await say_as(again, f"{SIX} 吴经理: 认领 T4", "wx-mt-wu")
        assert not any("只有" in line for line in said), said
    finally:
        again.close()


async def test_phone_reveal_is_for_the_secretary_and_is_audited(tmp_path: Path) -> None:
    juwei = web_user("juwei", "juwei-pass", "maotang", role="committee")
    site = await DashboardSite.start(tmp_path, seed=False, extra_users=[juwei])
    try:
        await site.login("wangshuji")
        await site.post("/people/maotang/members", NEW)
        wu = member(site.bot, "wx-mt-wu")
        assert wu is not None
        status, page = await site.post(f"/people/maotang/members/{wu.id}/phone", {})
        assert status == 200 and "13900001111" in page
        assert [r.action for r in audit_rows(site.bot)] == ["member.add", "phone.reveal"]
        await site.login("juwei", "juwei-pass")
        status, page = await site.get("/people/maotang")  # a committee member may look
        assert status == 200 and "139****1111" in page and "13900001111" not in page
        assert '/phone"' not in page and "添加或修改成员" not in page
        status, text = await site.post(f"/people/maotang/members/{wu.id}/phone", {})
        assert status == 403 and "只有本社区的社区书记" in text and "13900001111" not in text
        status, text = await site.post("/people/maotang/members", {**NEW, "role": "secretary"})
        assert status == 403 and "只有本社区的社区书记" in text
        assert member(site.bot, "wx-mt-wu").role == "property"  # type: ignore[union-attr]
        assert len(audit_rows(site.bot)) == 2
    finally:
        await site.close()


async def test_one_community_cannot_see_or_change_anothers_people(tmp_path: Path) -> None:
    juwei = web_user("juwei", "juwei-pass", "maotang", role="committee")
    site = await DashboardSite.start(tmp_path, seed=False, extra_users=[juwei])
    try:
        wang = member(site.bot, "wx-mt-wang")
        assert wang is not None
        before = counts(site.bot)
        for who, password in (("linshuji", None), ("juwei", "juwei-pass")):
            await site.login(who, password)
            other = "maotang" if who == "linshuji" else "guihua"
            mine = "guihua" if who == "linshuji" else "maotang"
            account = "wangshuji" if who == "linshuji" else "linshuji"
            assert (await site.get(f"/people/{other}"))[0] == 404
            for path, form in (
                (f"/people/{other}/members", NEW),
                (f"/people/{other}/members/{wang.id}/remove", {}),
                (f"/people/{other}/members/{wang.id}/phone", {}),
                (f"/people/{other}/members/{wang.id}/duty", {"on": "1"}),
                (f"/people/{other}/groups", {"room_id": "r", "topic": "t", "kind": "grid"}),
                (f"/people/{other}/groups/unbind", {"room_id": "room-maotang-6p"}),
                (f"/users/{account}/disable", {}),
                (f"/users/{account}/password", {"password": "x" * 9, "password2": "x" * 9}),
            ):
                status, _ = await site.post(path, form)
                assert status == 404, (who, path, status)
            if who == "linshuji":  # a maotang member through guihua's own address: not found
                path = f"/people/{mine}/members/{wang.id}/remove"
                assert (await site.post(path, {}))[0] == 404
            _, users = await site.get("/users")
            assert account not in users
            _, log = await site.get("/audit")
            assert "王书记" not in log
        assert counts(site.bot) == before
    finally:
        await site.close()


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({**NEW, "name": ""}, "姓名和微信号都要填写"),
        ({**NEW, "contact_id": "  "}, "姓名和微信号都要填写"),
        ({**NEW, "role": "grid_leader", "grid": ""}, "网格长要写网格"),
        ({**NEW, "role": "boss"}, "请从列表里选一个角色"),
        ({**NEW, "phone": "call me"}, "电话号码只能写数字"),
        ({**NEW, "name": "吴" * 101}, "太长了"),
    ],
)
async def test_bad_member_input_says_why_and_writes_nothing(
    tmp_path: Path, form: dict[str, str], reason: str
) -> None:
    site = await DashboardSite.start(tmp_path, seed=False)
    try:
        await site.login("wangshuji")
        before = counts(site.bot)
        status, page = await site.post("/people/maotang/members", form)
        assert status == 400 and reason in page
        assert counts(site.bot) == before
    finally:
        await site.close()


async def test_a_configured_members_role_changed_in_the_web_survives_a_restart(
    tmp_path: Path,
) -> None:
    site = await DashboardSite.start(tmp_path, seed=False)
    try:
        await site.login("wangshuji")
        form = {"name": "刘阿姨", "contact_id": "wx-mt-liu", "role": "volunteer", "phone": ""}
        assert (await site.post("/people/maotang/members", form))[0] == 200
    finally:
        await site.close()
    again = TestBot(site.bot.settings)
    try:
        kept = member(again, "wx-mt-liu")
        assert kept is not None and kept.role == "volunteer"
    finally:
        again.close()
