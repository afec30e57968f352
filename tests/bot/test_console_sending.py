"""Console transcripts (``liufang chat`` with ``/time``): a night as the shipped app sends it."""

from __future__ import annotations

from pathlib import Path

from tests.support.transcript import console_output

NIGHT = """\
/time 2026-11-26 23:00
[毛塘路1网格] 刘阿姨: 3栋门口的路灯坏了
[毛塘路社区六方议事群] 张经理: 认领 T1
[毛塘路社区六方议事群] 张经理: 进展 T1 已联系电工，明天上门
[毛塘路1网格] 孙大爷: 5栋2单元楼道里煤气味很重
[毛塘路社区六方议事群] 张经理: 到场 T2
/time 2026-11-27 07:29
/time 2026-11-27 07:31
"""


def _between(lines: list[str], start: str, end: str | None) -> str:
    """What was printed after the line starting ``start`` and before the one starting ``end``."""
    i = next((n for n, line in enumerate(lines) if line.startswith(start)), None)
    assert i is not None, f"no line {start!r} in:\n" + "\n".join(lines)
    j = next((n for n, line in enumerate(lines) if end and n > i and line.startswith(end)), None)
    return "\n".join(lines[i + 1 : j])


async def test_a_night_in_the_console(tmp_path: Path) -> None:
    lines = (await console_output(tmp_path, NIGHT)).splitlines()
    # A /time line prints what fell due on the way, then the new time.
    night = _between(lines, "[时间] 现在是 2026-11-26", "[时间] 现在是 2026-11-27 07:29")
    # Answers to the people who wrote, and everything about the gas leak, go at once.
    assert "[毛塘路1网格] 社区小助手: @刘阿姨 已登记 T1" in night
    assert "T1 由您负责" in night and "已记下 T1 的进展" in night
    assert "@孙大爷" in night and "【T2 急事·现场议】" in night
    assert "张经理已回复到场" in night
    # The small ticket's card and the claim and progress notices wait for the morning,
    # through the whole night (the clock went to 07:29 on the way).
    assert "【T1 小事" not in night and "T1 已由张经理认领" not in night
    morning = _between(lines, "[时间] 现在是 2026-11-27 07:29", "[时间] 现在是 2026-11-27 07:31")
    grid = [line for line in morning.splitlines() if line.startswith("[毛塘路1网格]")]
    assert len(grid) == 1  # the claim and the progress notice, coalesced
    assert "T1 已由张经理认领" in grid[0] and "已联系电工" in morning
    assert "【T1 小事·线上议】" in morning
