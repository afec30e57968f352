"""Meeting times and deadlines as people write them."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from handlers.hall.dates import parse_deadline, parse_moment
from tests.support.harness import SHANGHAI

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)  # a Thursday
DEFAULT = time(15, 0)


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        ("12月3日 15:00", datetime(2026, 12, 3, 15, 0), ""),
        ("12月3号15:30 社区会议室", datetime(2026, 12, 3, 15, 30), "社区会议室"),
        ("2026-12-03 15:00", datetime(2026, 12, 3, 15, 0), ""),
        ("2026年12月3日 9:30", datetime(2026, 12, 3, 9, 30), ""),
        ("2026/12/3 14:00", datetime(2026, 12, 3, 14, 0), ""),
        ("下周四 15:00", datetime(2026, 12, 3, 15, 0), ""),
        ("下星期一 上午9点", datetime(2026, 11, 30, 9, 0), ""),
        ("下下周二 10:00", datetime(2026, 12, 8, 10, 0), ""),
        ("本周五 15:00", datetime(2026, 11, 27, 15, 0), ""),
        ("周四 16:00", datetime(2026, 11, 26, 16, 0), ""),  # today, later on
        ("周三 16:00", datetime(2026, 12, 2, 16, 0), ""),  # the coming Wednesday
        ("明天 15:00", datetime(2026, 11, 27, 15, 0), ""),
        ("明天下午3点", datetime(2026, 11, 27, 15, 0), ""),
        ("后天 下午三点半", datetime(2026, 11, 28, 15, 30), ""),
        ("明天 晚上7点20分", datetime(2026, 11, 27, 19, 20), ""),
        ("明天 中午12点", datetime(2026, 11, 27, 12, 0), ""),
        ("明天", datetime(2026, 11, 27, 15, 0), ""),  # the usual hour when none is given
        ("16:30", datetime(2026, 11, 26, 16, 30), ""),  # today
        ("1月8日 15:00", datetime(2027, 1, 8, 15, 0), ""),  # long past this year: next year
        ("11月20日 15:00", datetime(2026, 11, 20, 15, 0), ""),  # just past: the caller refuses
    ],
)
def test_moments(text: str, expected: datetime, rest: str) -> None:
    found = parse_moment(text, NOW, DEFAULT)
    assert found == (expected.replace(tzinfo=SHANGHAI), rest)


@pytest.mark.parametrize(
    "text", ["改天吧", "下周", "2月30日 15:00", "13月1日", "25:00", "15", "开会", ""]
)
def test_unreadable_moments(text: str) -> None:
    assert parse_moment(text, NOW, DEFAULT) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月20日", date(2026, 12, 20)),
        ("12月20日前", date(2026, 12, 20)),
        ("2026-12-20", date(2026, 12, 20)),
        ("下周五", date(2026, 12, 4)),
        ("明天之前", date(2026, 11, 27)),
        ("1月15日", date(2027, 1, 15)),
    ],
)
def test_deadlines(text: str, expected: date) -> None:
    assert parse_deadline(text, NOW.date()) == expected


@pytest.mark.parametrize("text", ["下个月吧", "12月20日下班前后", "尽快", "2月30日"])
def test_unreadable_deadlines(text: str) -> None:
    assert parse_deadline(text, NOW.date()) is None
