"""The dashboard over real HTTP: the list, its filters and search, the ticket page, the hall."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from sqlmodel import func, select

from storage.db import Database
from storage.models import Ticket
from storage.tickets import create_ticket
from tests.support.web import G1, DashboardSite, web_user

_TICKET_LINK = re.compile(r'<td class="id"><a href="/tickets/(\d+)">')


def listed(page: str) -> list[int]:
    """Ticket numbers of a list page, in the order shown."""
    return [int(n) for n in _TICKET_LINK.findall(page)]


async def test_list_shows_the_community_newest_first(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    status, page = await dashboard.get("/")
    t = dashboard.tickets
    assert status == 200
    assert listed(page) == [t["script"], t["elevator"], t["lamp"]]
    assert "138****5678" in page and "13812345678" not in page  # phones masked in lists
    assert "2026-11-26 09:00" in page  # Asia/Shanghai, not UTC


async def test_filters_select_the_right_rows(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    t = dashboard.tickets
    cases = {
        "/?klass=urgent": [t["elevator"]],
        "/?klass=small": [t["script"], t["lamp"]],
        "/?category=elevator": [t["elevator"]],
        "/?state=in_progress": [t["lamp"]],
        "/?grid=1网格": [t["lamp"]],
        "/?grid=2网格&klass=urgent": [t["elevator"]],
        "/?grid=2网格&klass=small": [],
        "/?klass=bogus": [t["script"], t["elevator"], t["lamp"]],  # unknown values ignored
    }
    for path, expected in cases.items():
        status, page = await dashboard.get(path)
        assert status == 200, path
        assert listed(page) == expected, path


async def test_overdue_filter_follows_the_clock(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    t = dashboard.tickets
    assert listed((await dashboard.get("/?overdue=1"))[1]) == []
    dashboard.bot.clock.advance(days=2)  # the urgent one had 24 hours
    _, page = await dashboard.get("/?overdue=1")
    assert listed(page) == [t["elevator"]]
    assert 'class="overdue k-urgent"' in page and "超期" in page
    dashboard.bot.clock.advance(days=5)
    assert listed((await dashboard.get("/?overdue=1"))[1]) == [
        t["script"],
        t["elevator"],
        t["lamp"],
    ]


async def test_text_search_uses_words(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    t = dashboard.tickets
    cases = {
        "/?q=路灯": [t["lamp"]],
        "/?q=电梯 老人": [t["elevator"]],
        "/?q=电梯&klass=small": [],
        "/?q=火箭": [],
        "/?q=%25%25": [],  # no searchable word at all
    }
    for path, expected in cases.items():
        status, page = await dashboard.get(path)
        assert status == 200, path
        assert listed(page) == expected, path


async def test_search_and_filters_on_every_backend(database: Database, tmp_path: Path) -> None:
    site = await DashboardSite.start(tmp_path, database_url=database.url)
    try:
        await site.login("wangshuji")
        t = site.tickets
        assert listed((await site.get("/?q=路灯&state=in_progress"))[1]) == [t["lamp"]]
        assert listed((await site.get("/?q=杂物&grid=3网格"))[1]) == [t["script"]]
        _, csv = await site.get("/tickets.csv?q=电梯")
        assert [line.split(",")[0] for line in csv.splitlines()[1:]] == [f"T{t['elevator']}"]
    finally:
        await site.close()


async def test_pages_of_thirty_with_links_that_keep_the_filters(
    dashboard: DashboardSite,
) -> None:
    db, now = dashboard.bot.db, dashboard.bot.clock()
    with db.session() as session:
        for i in range(40):
            ticket = Ticket(
                community_code="maotang", grid="1网格", reporter_id="wx-x", reporter_name="某人",
                text=f"第{i}号垃圾桶满了", klass="small", category="sanitation", route="online",
                created_at=now, updated_at=now, source_msg_id=f"bulk-{i}",
                search_text="垃圾桶 满",
            )  # fmt: skip
            create_ticket(session, ticket, actor_id="wx-x", actor_name="某人")
        session.commit()
    await dashboard.login("wangshuji")
    _, first = await dashboard.get("/?category=sanitation")
    assert len(listed(first)) == 30
    assert 'href="/?community=maotang&amp;category=sanitation&amp;page=2"' in first
    _, second = await dashboard.get("/?category=sanitation&page=2")
    rest = listed(second)
    assert len(rest) == 11  # ten more bulk tickets and the seeded one about 杂物
    assert set(rest).isdisjoint(listed(first))
    assert "下一页" not in second and "上一页" in second


async def test_csv_has_the_filtered_rows_without_phones_or_reporters(
    dashboard: DashboardSite,
) -> None:
    await dashboard.login("wangshuji")
    resp, body = await dashboard.get_response("/tickets.csv?klass=small")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    text = body.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("工单号,社区,网格,类型,类别,状态,内容")
    t = dashboard.tickets
    assert [line.split(",")[0] for line in lines[1:]] == [f"T{t['script']}", f"T{t['lamp']}"]
    assert "13812345678" not in text and "138****5678" in text
    for reporter in ("李网格长", "孙大爷", "wx-mt-"):
        assert reporter not in text
    assert "张经理" in text  # who handles it is not the reporter


async def test_csv_cells_are_never_formulas(dashboard: DashboardSite) -> None:
    await dashboard.seed([("formula", f'{G1} 刘阿姨: 报事 =HYPERLINK("http://x") 路灯坏了')])
    await dashboard.login("wangshuji")
    _, text = await dashboard.get("/tickets.csv?q=路灯")
    assert "'=HYPERLINK" in text


async def test_ticket_page_shows_the_whole_history(dashboard: DashboardSite) -> None:
    await dashboard.seed([(None, f"{G1} 刘阿姨: 3栋2单元门口的路灯坏了，晚上看不见")])
    await dashboard.login("wangshuji")
    status, page = await dashboard.get(f"/tickets/{dashboard.tickets['lamp']}")
    assert status == 200
    for shown in (
        "13812345678",
        "李网格长",
        "张经理",
        "认领",
        "进展",
        "已联系电工，明天上门",
        "已登记 → 已受理",
        "2026-11-26 09:00",
        "2026-12-01 18:00",
        "公共设施",
    ):
        assert shown in page, shown  # fmt: skip
    assert "其他反映（+1）" in page and "刘阿姨" in page  # the six parties see who else reported
    assert "wx-mt-" not in page  # contact ids never


async def test_hall_shows_the_next_meeting_and_its_agenda(dashboard: DashboardSite) -> None:
    await dashboard.login("linshuji")
    status, page = await dashboard.get("/hall")
    assert status == 200
    assert "桂花巷社区 · 下次议事厅会议" in page
    assert "12月2日（周三）09:30" in page and "桂花巷社区议事厅" in page
    assert f'href="/tickets/{dashboard.tickets["parking"]}"' in page
    assert "毛塘路" not in page


async def test_stats_page_draws_svg_charts(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    status, page = await dashboard.get("/stats")
    assert status == 200
    assert page.count("<svg") >= 3
    for label in (
        "每周报事数（按类型）",
        "小事 2",
        "急事 1",
        "响应率",
        "解决率",
        "满意率",
        "公共设施",
    ):
        assert label in page, label
    status, page = await dashboard.get("/stats?weeks=4")
    assert status == 200 and "近 4 周" in page


async def test_a_district_user_sees_every_community_and_can_filter(tmp_path: Path) -> None:
    user = web_user("jiedao", "district-pass", "*", role="department")
    site = await DashboardSite.start(tmp_path, extra_users=[user])
    try:
        assert await site.login("jiedao", "district-pass") == 200
        t = site.tickets
        _, page = await site.get("/")
        assert set(listed(page)) == set(t.values())
        assert "桂花巷社区" in page and "毛塘路社区" in page
        assert listed((await site.get("/?community=guihua"))[1]) == [t["parking"]]
        assert (await site.get(f"/tickets/{t['parking']}"))[0] == 200
        _, stats = await site.get("/stats?community=guihua")
        assert "难事 1" in stats
    finally:
        await site.close()


async def test_ticket_page_marks_a_maybe_urgent_ticket(dashboard: DashboardSite) -> None:
    """A ticket flagged 可能是急事 says so on its page until someone settles it."""
    number = dashboard.tickets["lamp"]
    with dashboard.bot.db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        ticket.maybe_urgent = True
        s.commit()
    await dashboard.login("wangshuji")
    _, page = await dashboard.get(f"/tickets/{number}")
    assert "可能是急事·待核实" in page
    with dashboard.bot.db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        ticket.maybe_urgent = False
        s.commit()
    _, page = await dashboard.get(f"/tickets/{number}")
    assert "可能是急事" not in page


async def test_the_ticket_page_counts_photos_and_videos(dashboard: DashboardSite) -> None:
    bot = dashboard.bot
    await bot.say("[毛塘路1网格] 刘阿姨: 9栋门口的井盖松了，一踩就晃")
    with bot.db.session() as session:
        newest = session.exec(select(func.max(Ticket.id))).one()
    for kind, path, msg_id in (("image", "/m/p.jpg", "p1"), ("video", "/m/v.mp4", "v1")):
        event = bot.event("[毛塘路1网格] 刘阿姨: x")
        await bot.send(replace(event, kind=kind, text=path, msg_id=msg_id))
    await dashboard.login("wangshuji")
    _, page = await dashboard.get(f"/tickets/{newest}")
    assert "<dt>照片/视频</dt><dd>2 件</dd>" in page
    _, without = await dashboard.get(f"/tickets/{dashboard.tickets['lamp']}")
    assert "照片/视频</dt>" not in without  # no evidence: no line at all
