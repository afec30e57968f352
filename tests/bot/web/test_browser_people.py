"""Real headless Chromium on the people page: a secretary adds a member with a role, the
person's next chat command (through the running App's dispatcher) is accepted with that role,
and a restart keeps it. The page fits a 390 px phone.

Set ``LIUFANG_SCREENSHOTS=docs/screenshots`` to write the README's screenshots of the member
page (1280 and 390 px wide); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from storage.models import Member, Ticket
from tests.support.browser import browser, log_in, new_page
from tests.support.web import SimulatorSite

__all__ = ["browser"]  # the fixture, imported for this module's tests

G1, SIX = "room-maotang-g1", "room-maotang-6p"


def _bot_lines(site: SimulatorSite, room: str, after: int) -> list[str]:
    return [m.text for m in site.channel.transcript(room, after) if m.kind == "bot"]


async def _say(site: SimulatorSite, room: str, who: tuple[str, str], text: str) -> list[str]:
    """Post as ``who`` (id, name) through the simulator channel; the bot's answers there."""
    after = site.channel.transcript(room)[-1].index if site.channel.transcript(room) else 0
    await site.channel.post(room, who[0], who[1], text)
    return _bot_lines(site, room, after)


async def _shoot(page: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LIUFANG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    await page.screenshot(path=str(path), full_page=False)
    return path


async def test_member_added_in_the_browser_is_accepted_in_chat_and_kept(
    browser: Any, tmp_path: Path
) -> None:
    wu = ("wx-mt-wu", "吴经理")
    site = await SimulatorSite.start(tmp_path)
    try:
        await _say(site, G1, ("wx-mt-li", "李网格长"), "3栋2单元门口的路灯坏了好几天了")
        refused = await _say(site, SIX, wu, "认领 T1")
        assert any("只有" in line for line in refused), refused
        page = await new_page(browser)
        await page.set_viewport_size({"width": 1280, "height": 900})
        await log_in(page, site.base, "/people/maotang", "wangshuji")
        form = page.locator("#member-form form")
        await form.locator("input[name=name]").fill("吴经理")
        await form.locator("input[name=contact_id]").fill("wx-mt-wu")
        await form.locator("select[name=role]").select_option(label="物业")
        await form.locator("input[name=phone]").fill("13900001111")
        await form.locator("button[type=submit]").click()
        await page.wait_for_url("**/people/maotang?done=saved")
        row = page.locator("tr", has_text="吴经理")
        assert "物业" in await row.inner_text() and "139****1111" in await row.inner_text()
        shot = await _shoot(page, "people-1280.png", tmp_path)
        assert shot.stat().st_size > 10_000
        await page.set_viewport_size({"width": 390, "height": 844})
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the member page is {width} px wide on a 390 px phone"
        await _shoot(page, "people-390.png", tmp_path)
        accepted = await _say(site, SIX, wu, "认领 T1")
        assert accepted and not any("只有" in line for line in accepted), accepted
        with site.app.db.session() as s:
            ticket = s.get(Ticket, 1)
            assert ticket is not None and ticket.assignee_id == "wx-mt-wu"
        await page.goto(site.base + "/audit")
        assert "添加成员" in await page.inner_text("main")
        assert page.errors == []
    finally:
        await site.close()
    again = await SimulatorSite.start(tmp_path)  # the same database file, config seeded again
    try:
        with again.app.db.session() as s:
            kept = s.exec(select(Member).where(Member.contact_id == "wx-mt-wu")).one()
            assert kept.role == "property"
        said = await _say(again, SIX, wu, "进展 T1 已派电工")
        assert said and not any("只有" in line for line in said), said
    finally:
        await again.close()


@pytest.mark.parametrize("path", ["/users", "/audit", "/account"])
async def test_the_other_pages_fit_a_phone(browser: Any, tmp_path: Path, path: str) -> None:
    site = await SimulatorSite.start(tmp_path)
    try:
        page = await new_page(browser)
        await page.set_viewport_size({"width": 390, "height": 844})
        await log_in(page, site.base, path, "wangshuji")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px phone"
        assert page.errors == []
    finally:
        await site.close()


async def test_another_communitys_people_are_not_found_in_the_browser(
    browser: Any, tmp_path: Path
) -> None:
    site = await SimulatorSite.start(tmp_path)
    try:
        page = await new_page(browser)
        await log_in(page, site.base, "/people/guihua", "linshuji")
        response = await page.goto(site.base + "/people/maotang")
        assert response is not None and response.status == 404
        assert "王书记" not in await page.content()
        await page.goto(site.base + "/users")
        assert "wangshuji" not in await page.inner_text("main")
    finally:
        await site.close()
