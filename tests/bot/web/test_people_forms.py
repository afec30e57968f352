"""Every people/accounts form: CSRF required, the wrong role refused with a reason; groups,
the on-duty roster and the 操作记录 page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.people import audit_rows, counts, member, say_as
from tests.support.web import DashboardSite, web_user

GRID = {"room_id": "room-maotang-g4", "topic": "毛塘路4网格", "kind": "grid", "grid": "4网格"}
PASSWORDS = {"password": "long-enough-1", "password2": "long-enough-1"}


def forms(member_id: int) -> list[tuple[str, dict[str, str]]]:
    """Every form a secretary of maotang can post, with valid input."""
    people = "/people/maotang"
    return [
        (f"{people}/members", {"name": "吴经理", "contact_id": "wx-mt-wu", "role": "property"}),
        (f"{people}/members/{member_id}/duty", {"on": "1"}),
        (f"{people}/members/{member_id}/phone", {}),
        (f"{people}/members/{member_id}/remove", {}),
        (f"{people}/groups", GRID),
        (f"{people}/groups/unbind", {"room_id": "room-maotang-g3"}),
        (
            "/users",
            {
                "username": "newuser",
                "name": "新人",
                "role": "committee",
                "community": "maotang",
                **PASSWORDS,
            },
        ),
        ("/users/ganshi/disable", {}),
        ("/users/ganshi/password", PASSWORDS),
    ]


@pytest.fixture
async def site(tmp_path: Path) -> DashboardSite:
    """The demo site without tickets, plus two committee accounts of maotang."""
    juwei = web_user("juwei", "juwei-pass", "maotang", role="committee")
    ganshi = web_user("ganshi", "ganshi-pass", "maotang", role="committee")
    started = await DashboardSite.start(tmp_path, seed=False, extra_users=[juwei, ganshi])
    yield started  # type: ignore[misc]
    await started.close()


async def test_every_form_needs_the_csrf_token(site: DashboardSite) -> None:
    await site.login("wangshuji")
    liu = member(site.bot, "wx-mt-liu")
    assert liu is not None and liu.id is not None
    before = counts(site.bot)
    for path, form in [*forms(liu.id), ("/account/password", {"old": "maotang2026", **PASSWORDS})]:
        status, text = await site.post(path, form, csrf="")
        assert status == 403 and "CSRF" in text, path
        status, text = await site.post(path, form, csrf="forged-token")
        assert status == 403, path
    assert counts(site.bot) == before


async def test_every_change_form_refuses_a_committee_member_with_the_reason(
    site: DashboardSite,
) -> None:
    await site.login("juwei", "juwei-pass")
    liu = member(site.bot, "wx-mt-liu")
    assert liu is not None and liu.id is not None
    before = counts(site.bot)
    for path, form in forms(liu.id):
        status, text = await site.post(path, form)
        assert status == 403 and "只有本社区的社区书记或街道账号可以修改" in text, path
    assert counts(site.bot) == before


async def test_every_form_works_for_the_secretary_and_is_audited(site: DashboardSite) -> None:
    await site.login("wangshuji")
    liu = member(site.bot, "wx-mt-liu")
    assert liu is not None and liu.id is not None
    for path, form in forms(liu.id):
        status, page = await site.post(path, form)
        assert status == 200, (path, page[-500:])
    assert [r.action for r in audit_rows(site.bot)] == [
        "member.add",
        "member.duty",
        "phone.reveal",
        "member.remove",
        "group.bind",
        "group.unbind",
        "user.add",
        "user.disable",
        "user.password",
    ]
    _, log = await site.get("/audit")
    for label in (
        "添加成员",
        "值班名单",
        "查看电话",
        "删除成员",
        "绑定群",
        "解绑群",
        "新建账号",
        "停用账号",
        "修改密码",
    ):
        assert label in log, label


async def test_binding_a_group_in_the_web_files_its_reports(site: DashboardSite) -> None:
    await site.login("wangshuji")
    status, page = await site.post("/people/maotang/groups", GRID)
    assert status == 200 and "群已绑定" in page and "毛塘路4网格" in page
    g4 = GRID["room_id"]
    said = await say_as(site.bot, "[毛塘路4网格] 孙大爷: 9栋门口的路灯坏了好几天了", room_id=g4)
    assert any("已登记" in line for line in said), said
    assert site.bot.ticket(1).grid == "4网格"
    six = {"room_id": "room-x", "topic": "另一个六方群", "kind": "six_party", "grid": ""}
    before = counts(site.bot)
    for form, reason in (
        (six, "本社区已有六方群"),
        (GRID, "这个群已经绑定为"),
        ({**GRID, "room_id": "room-y", "grid": ""}, "网格群要写网格"),
        ({**GRID, "room_id": "room-z", "kind": "private"}, "群的类型只能是"),
        ({**GRID, "room_id": ""}, "群 id 和群名都要填写"),
    ):
        status, page = await site.post("/people/maotang/groups", form)
        assert status == 400 and reason in page, reason
    assert counts(site.bot) == before
    status, _ = await site.post("/people/maotang/groups/unbind", {"room_id": "room-maotang-g4"})
    assert status == 200
    assert await say_as(site.bot, "[毛塘路4网格] 孙大爷: 9栋门口的路灯又坏了", room_id=g4) == []


async def test_the_on_duty_roster_is_called_on_urgent_alerts(site: DashboardSite) -> None:
    await site.login("wangshuji")
    yang = member(site.bot, "wx-mt-xiaoyang")
    assert yang is not None
    status, page = await site.post(f"/people/maotang/members/{yang.id}/duty", {"on": "1"})
    assert status == 200 and "值班名单已更新" in page
    said = await site.bot.say("[毛塘路1网格] 李网格长: 3栋电梯困人了，里面有老人在喊救命")
    alert = [line for line in said if "@志愿者小杨" in line]
    assert alert, said
    await site.post(f"/people/maotang/members/{yang.id}/duty", {"on": "0"})
    said = await site.bot.say("[毛塘路2网格] 黄网格长: 5栋电梯困人了，里面有小孩在哭")
    assert not any("@志愿者小杨" in line for line in said), said
    status, page = await site.post(f"/people/maotang/members/{yang.id}/duty", {"on": "yes"})
    assert status == 400 and "值班设置无效" in page


async def test_a_role_set_in_chat_is_on_the_audit_page(site: DashboardSite) -> None:
    said = await site.bot.say("[毛塘路社区六方议事群] 王书记: 设置角色 @刘阿姨 志愿者")
    assert any("刘阿姨现在是志愿者" in line for line in said), said
    [row] = audit_rows(site.bot)
    assert (row.actor, row.action) == ("wx-mt-wang", "member.role")
    await site.login("juwei", "juwei-pass")  # anyone of the community may read the log
    _, log = await site.get("/audit")
    assert "设置角色" in log and "王书记" in log and "居民" in log and "志愿者" in log


async def test_the_edit_link_fills_the_form_with_the_member(site: DashboardSite) -> None:
    await site.login("wangshuji")
    li = member(site.bot, "wx-mt-li")
    assert li is not None
    status, page = await site.get(f"/people/maotang?edit={li.id}")
    assert status == 200
    assert 'name="contact_id" value="wx-mt-li"' in page
    assert 'name="grid" value="1网格"' in page
    assert '<option value="grid_leader" selected>' in page
