"""Real headless Chromium (Debian's ``chromium``, driven by Playwright): log in, filter, open a
ticket, see a chart; chat in the simulator and see the bot's reply.

Skipped, with the reason shown by ``pytest -rs``, where Playwright or Chromium is missing
(``.ci/run`` installs Chromium with apt). Playwright's own browser downloads are never used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.browser import browser, log_in, new_page
from tests.support.web import DashboardSite, SimulatorSite

__all__ = ["browser"]  # the fixture


async def test_dashboard_log_in_filter_open_a_ticket_see_a_chart(
    browser: Any, tmp_path: Path
) -> None:
    site = await DashboardSite.start(tmp_path)
    try:
        page = await new_page(browser)
        await log_in(page, site.base, "/", "wangshuji")
        rows = page.locator("table.tickets tbody tr")
        assert await rows.count() == 3  # 毛塘路社区's seeded tickets, not 桂花巷's
        # The <script> in a report is shown as text, never run.
        assert "<script>alert('x')</script>" in await page.inner_text("table.tickets")
        await page.select_option("select[name=klass]", "urgent")
        await page.click("form.filters button[type=submit]")
        await page.wait_for_url("**klass=urgent**")
        assert await rows.count() == 1
        await rows.first.locator("td.text a").click()
        await page.wait_for_url(f"**/tickets/{site.tickets['elevator']}")
        assert "困了一个老人" in await page.inner_text("p.report")
        assert await page.locator("ol.history li").count() >= 1
        await page.click("header nav a[href='/stats']")
        await page.wait_for_url("**/stats")
        chart = page.locator("div.chart").first
        await chart.wait_for(state="visible")
        box = await chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
        assert await page.locator("div.chart svg.bar").count() >= 3
        assert page.errors == []
    finally:
        await site.close()


async def test_simulator_chat_and_the_bots_reply(browser: Any, tmp_path: Path) -> None:
    site = await SimulatorSite.start(tmp_path)
    try:
        page = await new_page(browser)
        await log_in(page, site.base, "/simulator", "wangshuji")
        await page.select_option("#sim-room", "room-maotang-g1")
        await page.select_option("#sim-member", "wx-mt-li")
        assert "路灯坏了" in (await page.get_attribute("#sim-text", "placeholder") or "")
        await page.fill("#sim-text", "3栋2单元门口的路灯坏了好几天了")
        await page.press("#sim-text", "Enter")
        mine = page.locator("#sim-log li.mine .bubble")
        await mine.wait_for()
        assert "路灯坏了" in await mine.inner_text()
        reply = page.locator("#sim-log li.bot .bubble").first
        await reply.wait_for()
        text = await reply.inner_text()
        assert text.startswith("@李网格长") and "已登记 T1（小事·线上议）" in text
        assert await page.locator("#sim-log li.bot.to-me").count() == 1  # it @-mentions me
        assert await page.input_value("#sim-text") == ""
        # The card in the six-party group, seen as the property manager it mentions.
        await page.select_option("#sim-room", "room-maotang-6p")
        await page.select_option("#sim-member", "wx-mt-zhang")
        # Acting as 物业, the box suggests a command, not a resident's report.
        hint = await page.get_attribute("#sim-text", "placeholder") or ""
        assert "认领 T1" in hint and "路灯坏了" not in hint
        card = page.locator("#sim-log li.bot.to-me .bubble").first
        await card.wait_for()
        assert "【T1 小事·线上议】" in await card.inner_text()
        # Typed markup stays text.
        await page.fill("#sim-text", "<img src=x onerror=alert(1)>认领 T1")
        await page.press("#sim-text", "Enter")
        await page.locator("#sim-log li.mine").wait_for()
        assert await page.locator("#sim-log img").count() == 0
        assert page.errors == []
    finally:
        await site.close()
