"""Real headless Chromium on the ticket page: a secretary closes a ticket in the web and the
reporter's group is told exactly as after 办结 in the chat, also across a restart; another
community gets a 404; the page and the statistics read on a 390 px phone.

Set ``LIUFANG_SCREENSHOTS=docs/screenshots`` to refresh the README's screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.support.browser import browser, log_in, new_page
from tests.support.media import attach
from tests.support.web import G1, SIX, DashboardSite, web_user

__all__ = ["browser"]  # the fixture
PHONE = 390
OTHER = web_user("gh-juwei", "gh-juwei-pass", "guihua")


def grid_notices(site: DashboardSite, start: int, number: int) -> list[str]:
    """What 1网格 was told since ``start``, with the ticket number made neutral."""
    return [
        m.replace(f"T{number}", "T?") for m in site.bot.channel.sent[start:] if m.startswith(G1)
    ]


async def test_closing_in_the_web_tells_the_group_as_the_chat_does_and_survives_a_restart(
    browser: Any, tmp_path: Path
) -> None:
    site = await DashboardSite.start(tmp_path, extra_users=[OTHER])
    await site.seed(
        [("a", f"{G1} 李网格长: 7栋门口的路灯坏了"), ("b", f"{G1} 李网格长: 9栋门口的路灯坏了")]
    )
    a, b = site.tickets["a"], site.tickets["b"]
    start = len(site.bot.channel.sent)
    await site.bot.say(f"{SIX} 王书记: 办结 T{a} 已更换灯泡")
    in_chat = grid_notices(site, start, a)
    assert in_chat and "已办结：已更换灯泡（王书记）" in in_chat[0]
    try:
        page = await new_page(browser)
        await log_in(page, site.base, f"/tickets/{b}", "wangshuji")
        await page.fill("form.act-resolve input[name=result]", "已更换灯泡")
        await page.click("form.act-resolve button[type=submit]")
        await page.wait_for_url(f"**/tickets/{b}")
        assert f"T{b} 已办结，已通知反映人。" in await page.inner_text("p.flash.ok")
        assert "已办结" in await page.inner_text("dl.fields")
        assert page.errors == []
    finally:
        await site.server.stop()  # stopped before the outbox was sent: the notice waits
        await site.http.close()
        site.bot.close()
    site = await DashboardSite.start(tmp_path, seed=False, extra_users=[OTHER])
    try:
        start = len(site.bot.channel.sent)
        await site.bot.sender.flush()
        assert grid_notices(site, start, b) == in_chat
        assert site.bot.ticket(b).state == "resolved"
        page = await new_page(browser)
        await log_in(page, site.base, f"/tickets/{b}", "wangshuji")
        assert "已更换灯泡" in await page.inner_text("ol.history")
        other = await new_page(browser)
        await log_in(other, site.base, "/", "gh-juwei", "gh-juwei-pass")
        response = await other.goto(f"{site.base}/tickets/{b}")
        assert response is not None and response.status == 404
        assert "路灯" not in await other.content()
    finally:
        await site.close()


async def readable_on_a_phone(page: Any) -> None:
    """Nothing sticks out sideways and no text is smaller than 12 px."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"page is {width}px wide"
    smallest = await page.evaluate(
        """() => Math.min(...Array.from(document.querySelectorAll('main *'))
            .filter(e => e.childNodes.length && Array.from(e.childNodes)
                .some(n => n.nodeType === 3 && n.textContent.trim()))
            .filter(e => e.getClientRects().length)
            .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )
    assert smallest >= 12, f"text of {smallest}px"


async def test_ticket_page_and_charts_on_a_phone_and_a_desktop(
    browser: Any, tmp_path: Path
) -> None:
    site = await DashboardSite.start(tmp_path)
    shots = Path(os.environ.get("LIUFANG_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    try:
        wall, _ = await attach(site, tmp_path)
        await site.bot.say(f"{SIX} 张经理: 认领 T{wall}")
        await site.bot.say(f"{SIX} 张经理: 进展 T{wall} 已拉警戒线，明天请施工队修复")
        for width in (1280, PHONE):
            page = await new_page(browser, width=width, height=900)
            await log_in(page, site.base, f"/tickets/{wall}", "wangshuji")
            image = page.locator("ul.media img").first
            await image.wait_for(state="visible")
            assert await image.evaluate("i => i.complete && i.naturalWidth > 0")
            await page.screenshot(path=str(shots / f"ticket-{width}.png"), full_page=True)
            if width == PHONE:
                await readable_on_a_phone(page)
                for path in ("/stats", "/public/stats"):
                    await page.goto(site.base + path)
                    await readable_on_a_phone(page)
                hint = page.locator("p.scroll-hint").first
                assert await hint.is_visible()  # the public table says it scrolls
            assert page.errors == []
    finally:
        await site.close()
