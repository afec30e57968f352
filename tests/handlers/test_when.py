"""``when``: a moment in words, in the zone asked for (or its own), whatever zone it came in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from handlers.policy import when

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_one_moment_reads_alike_in_a_zone_whichever_zone_it_came_in() -> None:
    moment = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai, a Tuesday
    same = moment.astimezone(timezone(timedelta(hours=-5)))
    for dt in (moment, same, moment.astimezone(SHANGHAI)):
        assert when(dt, SHANGHAI) == "12月1日（周二）18:00"
    # Without a zone each reads in its own: equal moments, different words.
    assert when(moment) == "12月1日（周二）10:00"
    assert when(same) == "12月1日（周二）05:00"
    assert when(moment, UTC) == "12月1日（周二）10:00"
    assert when(moment + timedelta(minutes=1), SHANGHAI) == "12月1日（周二）18:01"
