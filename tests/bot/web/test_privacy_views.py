"""Who sees personal data on the web: the community's own parties see a ticket whole, the
district account, the CSV and the public see it through the privacy policy; logs never do."""

from __future__ import annotations

import logging
from pathlib import Path

from handlers.privacy import MaskingFilter
from tests.support.web import DashboardSite, web_user

PHONE = "13812345678"  # in the seeded lamp report (tests/support/web.py SEED)


async def test_the_community_sees_its_ticket_whole_the_district_sees_it_masked(
    tmp_path: Path,
) -> None:
    district = web_user("jiedao", "jiedaojiedao", "*", role="secretary")
    site = await DashboardSite.start(tmp_path, extra_users=[district])
    try:
        lamp = site.tickets["lamp"]
        await site.login("wangshuji")
        _, page = await site.get(f"/tickets/{lamp}")
        assert PHONE in page and "李网格长" in page
        assert await site.login("jiedao", "jiedaojiedao") == 200
        _, page = await site.get(f"/tickets/{lamp}")
        assert PHONE not in page and "138****5678" in page
        assert "李网格长" not in page and "仅本社区可见" in page
        _, listing = await site.get("/")
        assert PHONE not in listing
    finally:
        await site.close()


async def test_the_csv_is_masked(dashboard: DashboardSite) -> None:
    await dashboard.login("wangshuji")
    resp, body = await dashboard.get_response("/tickets.csv")
    assert resp.status == 200
    text = body.decode("utf-8-sig")
    assert PHONE not in text and "138****5678" in text
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_log_records_are_masked(caplog: object) -> None:
    record = logging.LogRecord(
        "bot",
        logging.INFO,
        __file__,
        1,
        "message %s from %s: %r",
        ("m1", "x", "业主王小明 13800138000"),
        None,
    )
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "message m1 from x: '业主王某 138****8000'"
