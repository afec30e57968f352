"""Acting on tickets in the dashboard over real HTTP: each action runs the chat's command, with
its permissions and notices; CSRF, roles, isolation and bad input are refused cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.web.ticket_actions import ACTIONS
from storage import audit
from storage.models import Member, OutboxMessage, TicketEvent
from tests.support.web import G1, SIX, DashboardSite, web_user

PROPERTY = web_user("zhangjl", "zhangjl-pass", "maotang", role="property")
OTHER = web_user("gh-juwei", "gh-juwei-pass", "guihua", role="committee")
DISTRICT = web_user("jiedao", "jiedao-pass", "*", role="committee")


@pytest.fixture
async def site(tmp_path: Path) -> DashboardSite:
    """The seeded demo site with a 物业 user, another community's 居委 and a district user."""
    site = await DashboardSite.start(tmp_path, extra_users=(PROPERTY, OTHER, DISTRICT))
    yield site
    await site.close()


def member_id(site: DashboardSite, contact_id: str) -> str:
    """The form value that picks a member: its row id, never its WeChat id."""
    with site.bot.db.session() as s:
        found = s.exec(select(Member).where(Member.contact_id == contact_id)).one()
        return f"member:{found.id}"


def events(site: DashboardSite, ticket: int) -> list[tuple[str, str]]:
    """(kind, note) of the ticket's history."""
    with site.bot.db.session() as s:
        rows = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket))
        return [(e.kind, e.note) for e in rows]


async def sent_after(site: DashboardSite, start: int) -> list[str]:
    """What the bot sent to the chat since ``start`` (the outbox flushed first)."""
    await site.bot.sender.flush()
    return site.bot.channel.sent[start:]


async def test_resolve_in_the_web_tells_the_group_as_the_chat_does(site: DashboardSite) -> None:
    await site.seed(
        [("a", f"{G1} 李网格长: 7栋门口的路灯坏了"), ("b", f"{G1} 李网格长: 9栋门口的路灯坏了")]
    )
    a, b = site.tickets["a"], site.tickets["b"]
    start = len(site.bot.channel.sent)
    await site.bot.say(f"{SIX} 王书记: 办结 T{a} 已更换灯泡")
    chat = [m for m in await sent_after(site, start) if m.startswith(G1)]
    await site.login("wangshuji")
    start = len(site.bot.channel.sent)
    status, page = await site.post(f"/tickets/{b}/resolve", {"result": "已更换灯泡"})
    assert status == 200 and f"T{b} 已办结，已通知反映人。" in page  # the chat's own answer
    web = [m for m in await sent_after(site, start) if m.startswith(G1)]
    assert chat and [m.replace(f"T{a}", "T?") for m in chat] == [
        m.replace(f"T{b}", "T?") for m in web
    ]
    assert site.bot.ticket(b).state == "resolved"
    assert ("resolve", "已更换灯泡") in events(site, b)
    assert not any("私聊" in m for m in await sent_after(site, start))  # the answer is the page's


async def test_every_action_goes_through_its_command(site: DashboardSite) -> None:
    t = site.tickets
    lamp, script, elevator = t["lamp"], t["script"], t["elevator"]
    await site.login("wangshuji")
    cases = [
        (script, "progress", {"note": "已通知保洁"}, "已记下", "progress"),
        (script, "transfer", {"to": "property"}, "已转交给物业", "transfer"),
        (script, "transfer", {"to": member_id(site, "wx-mt-zhang")}, "已转交给张经理", "transfer"),
        (script, "reclass", {"category": "safety"}, "类别由环境卫生改为安全隐患", "reclass"),
        (elevator, "reclass", {"klass": "difficult"}, "急事改为难事", "reclass"),
        (script, "merge", {"into": f"T{lamp}"}, f"并入 T{lamp}", "merge"),
        (lamp, "reject", {"reason": "不属于社区管理范围"}, "已驳回", "reject"),
        (lamp, "reopen", {"reason": "居民说灯还是不亮"}, "已重新办理", "reopen"),
    ]
    for ticket, action, form, said, kind in cases:
        status, page = await site.post(f"/tickets/{ticket}/{action}", form)
        assert status == 200 and said in page, (action, page)
        assert kind in [k for k, _ in events(site, ticket)], action
    assert site.bot.ticket(script).state == "merged"
    assert site.bot.ticket(lamp).state == "reopened"
    assert site.bot.ticket(elevator).klass == "difficult"


async def test_csrf_is_required_by_every_action(site: DashboardSite) -> None:
    await site.login("wangshuji")
    lamp = site.tickets["lamp"]
    before = events(site, lamp)
    for action in ACTIONS:
        form = {"result": "好了", "note": "x", "reason": "x", "to": "property", "into": "T3"}
        status, text = await site.post(f"/tickets/{lamp}/{action}", form, csrf="")
        assert status == 403 and "CSRF" in text, action
        status, _ = await site.post(f"/tickets/{lamp}/{action}", form, csrf="forged")
        assert status == 403, action
    assert events(site, lamp) == before
    assert site.bot.ticket(lamp).state == "in_progress"


async def test_a_role_that_may_not_is_refused_in_chinese(site: DashboardSite) -> None:
    await site.login("wangshuji")
    lamp = site.tickets["lamp"]
    await site.post(f"/tickets/{lamp}/resolve", {"result": "已更换灯泡"})
    assert await site.login("zhangjl", "zhangjl-pass") == 200
    status, page = await site.post(f"/tickets/{lamp}/reopen", {"reason": "还是不亮"})
    assert status == 403 and "只有社区书记、居委可以重办。您是物业" in page
    assert site.bot.ticket(lamp).state == "resolved"
    _, page = await site.get(f"/tickets/{lamp}")
    assert f'action="/tickets/{lamp}/reopen"' not in page  # no form it may not use


async def test_another_community_cannot_see_or_change_a_ticket(site: DashboardSite) -> None:
    lamp = site.tickets["lamp"]
    assert await site.login("gh-juwei", "gh-juwei-pass") == 200
    assert (await site.get(f"/tickets/{lamp}"))[0] == 404
    before = events(site, lamp)
    for action, form in [("resolve", {"result": "x"}), ("reject", {"reason": "x"})]:
        status, page = await site.post(f"/tickets/{lamp}/{action}", form)
        assert status == 404 and "路灯" not in page
    assert events(site, lamp) == before
    # Its own ticket may not be merged into this community's either: the number is unknown.
    parking = site.tickets["parking"]
    status, page = await site.post(f"/tickets/{parking}/merge", {"into": f"T{lamp}"})
    assert status == 400 and f"没有找到工单 T{lamp}" in page
    assert site.bot.ticket(parking).state == "reported"


async def test_a_district_account_looks_but_does_not_act(site: DashboardSite) -> None:
    lamp = site.tickets["lamp"]
    await site.login("jiedao", "jiedao-pass")
    status, page = await site.get(f"/tickets/{lamp}")
    assert status == 200 and "街道账号只能查看" in page and "/resolve" not in page
    status, page = await site.post(f"/tickets/{lamp}/resolve", {"result": "好了"})
    assert status == 403 and "街道账号只能查看" in page
    assert site.bot.ticket(lamp).state == "in_progress"


async def test_unknown_ticket_or_action_is_404(site: DashboardSite) -> None:
    await site.login("wangshuji")
    assert (await site.post("/tickets/999/resolve", {"result": "好了"}))[0] == 404
    assert (await site.post(f"/tickets/{site.tickets['lamp']}/explode", {}))[0] == 404


async def test_bad_input_says_what_to_fill_in_and_writes_nothing(site: DashboardSite) -> None:
    await site.login("wangshuji")
    lamp = site.tickets["lamp"]
    before = events(site, lamp)
    cases = [
        (lamp, "resolve", {"result": "  "}, "请填写办结结果"),
        (lamp, "resolve", {"result": "长" * 501}, "请写在 500 字以内"),
        (lamp, "reject", {}, "请填写驳回原因"),
        (lamp, "transfer", {"to": "nobody"}, "请选择转交给哪一方"),
        (
            lamp,
            "transfer",
            {"to": member_id(site, "wx-gh-lin")},
            "没有这个成员",
        ),  # another community's
        (lamp, "reclass", {}, "至少选一项"),
        (lamp, "reclass", {"klass": "bogus"}, "请从列表里选择"),
        (lamp, "merge", {"into": "abc"}, "请填写要并入的工单号"),
        (lamp, "merge", {"into": f"T{lamp}"}, "两个工单号是同一个"),
        (lamp, "merge", {"into": "T999"}, "没有找到工单 T999"),
        (lamp, "reopen", {"reason": "再看看"}, "还没有结束，不用重办"),
    ]
    for ticket, action, form, said in cases:
        status, page = await site.post(f"/tickets/{ticket}/{action}", form)
        assert status == 400 and said in page, (action, form, page[-3000:])
    assert events(site, lamp) == before
    assert site.bot.ticket(lamp).state == "in_progress"


async def test_a_failure_half_way_writes_nothing(
    site: DashboardSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    lamp = site.tickets["lamp"]
    before = events(site, lamp)
    with site.bot.db.session() as s:
        queued = len(s.exec(select(OutboxMessage)).all())

    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("the group lookup failed")

    # 办结 has set the state and written its event when telling the reporters fails.
    monkeypatch.setattr("handlers.commands.tickets.tell_reporters", broken)
    await site.login("wangshuji")
    status, page = await site.post(f"/tickets/{lamp}/resolve", {"result": "已更换灯泡"})
    assert status == 500 and "什么都没有改" in page
    assert events(site, lamp) == before
    assert site.bot.ticket(lamp).state == "in_progress"
    with site.bot.db.session() as s:
        assert len(s.exec(select(OutboxMessage)).all()) == queued  # no apology to web:…


async def test_web_actions_are_in_the_audit_trail_refusals_are_not(site: DashboardSite) -> None:
    lamp, script = site.tickets["lamp"], site.tickets["script"]
    await site.login("wangshuji")
    await site.post(f"/tickets/{lamp}/resolve", {"result": "已更换灯泡"})
    await site.post(f"/tickets/{script}/merge", {"into": f"T{lamp}"})  # refused: T{lamp} is done
    await site.post(f"/tickets/{script}/transfer", {"to": "committee"})
    with site.bot.db.session() as s:
        rows = audit.recent(s, ["maotang"], action_prefix="ticket.")
    assert [(r.action, r.target, r.actor) for r in rows] == [
        ("ticket.transfer", f"T{script}", "wangshuji"),
        ("ticket.resolve", f"T{lamp}", "wangshuji"),
    ]
    resolved = rows[1]
    assert audit.decode(resolved.before) == {"state": "处理中"}
    assert audit.decode(resolved.after) == {"state": "已办结", "note": "已更换灯泡"}
    status, page = await site.get("/audit")
    assert status == 200 and "办结工单" in page and "转交工单" in page and "已办结" in page
    await site.login("gh-juwei", "gh-juwei-pass")
    _, page = await site.get("/audit")
    assert "办结工单" not in page  # another community's trail
