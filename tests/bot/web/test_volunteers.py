"""The volunteer pages over real HTTP, /public/stats' hours, and Open311 saying nothing of them."""

from __future__ import annotations

from sqlmodel import select

from storage.volunteers.models import Redemption
from tests.handlers.teams.test_time_bank import served
from tests.support.web import DashboardSite


async def test_teams_orders_ledger_and_board_pages(dashboard: DashboardSite) -> None:
    await served(dashboard.bot, "志愿者小杨", "1.5小时")
    await dashboard.bot.say("[私聊] 党员吴姐: 排行榜 不显示我")
    await dashboard.login("wangshuji")
    status, page = await dashboard.get("/volunteers")
    assert status == 200
    assert "民生救助服务队" in page and "扶危济困「邻里帮」" in page and "党员老周" in page
    assert "11月排行榜" in page and "志愿者小杨 1.5小时" in page
    assert "桂花巷" not in page  # another community's secretary sees only their own
    status, page = await dashboard.get("/volunteers/orders")
    assert "民生救助服务队" in page and "已确认" in page and "1.5小时" in page
    status, page = await dashboard.get("/volunteers/ledger")
    assert "服务入账" in page and "孙大爷" in page and "买菜送上门" in page


async def test_provider_marks_a_code_used_once(dashboard: DashboardSite) -> None:
    await served(dashboard.bot, "志愿者小杨", "2小时")
    await dashboard.bot.say("[私聊] 志愿者小杨: 兑换 理发")
    with dashboard.bot.db.session() as s:
        redemption = s.exec(select(Redemption)).one()
    await dashboard.login("wangshuji")
    status, page = await dashboard.get("/volunteers/catalogue")
    assert redemption.code in page and "标记已使用" in page and "家政保洁" in page
    status, _ = await dashboard.post(f"/volunteers/redemptions/{redemption.id}/used", {})
    assert status == 200
    _, page = await dashboard.get("/volunteers/catalogue")
    assert "已使用（王书记" in page
    with dashboard.bot.db.session() as s:
        assert s.exec(select(Redemption)).one().used_by == "王书记"
    # Another community's secretary does not see the code.
    await dashboard.login("linshuji")
    _, page = await dashboard.get("/volunteers/catalogue")
    assert redemption.code not in page


async def test_public_stats_show_total_hours_without_names(dashboard: DashboardSite) -> None:
    await served(dashboard.bot, "志愿者小杨", "2.5小时")
    status, page = await dashboard.get("/public/stats")
    assert status == 200
    assert "志愿服务累计 <strong>2.5小时</strong>" in page
    assert "志愿者小杨" not in page and "孙大爷" not in page


async def test_open311_says_nothing_of_teams_or_hours(dashboard: DashboardSite) -> None:
    await served(dashboard.bot, "志愿者小杨", "2.5小时")
    for path in ("/open311/v2/requests.json", "/open311/v2/services.json"):
        status, body = await dashboard.get(path)
        assert status == 200, path
        for word in ("服务单", "小时", "志愿者小杨", "接单", "时间账户"):
            assert word not in body, (path, word)
