"""A console transcript across National Day 2026: the hall meeting and its notice skip it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.harness import SHANGHAI
from tests.support.transcript import console_output

SCRIPT = """\
[毛塘路1网格] 刘阿姨: 小区想加装电梯，需要动用维修基金，业主意见不统一
/time 2026-09-30 15:05
"""


async def test_a_report_before_national_day_in_the_console(tmp_path: Path) -> None:
    start = datetime(2026, 9, 29, 16, 0, tzinfo=SHANGHAI)
    lines = await console_output(tmp_path, SCRIPT, start=start)
    # The receipt puts it on the first meeting after the holiday, not on 10月1日.
    assert "10月8日（周四）15:00 议事厅" in lines and "10月1日" not in lines
    assert "[时间] 现在是 2026-09-30 15:05（周三）" in lines
    # The notice due on 10-05 went out on 09-30, before the holiday, with the agenda.
    notice = lines[lines.index("【议事厅会议通知】") :]
    assert "时间：10月8日（周四）15:00（8天后）" in notice and "加装电梯" in notice
    # No catch-up at the first start (16:00, after the brief's time); 09-30's brief, a working
    # day's, is the only one.
    assert lines.count("【每日简报】") == 1 and "【每日简报】9月30日（周三）" in lines
