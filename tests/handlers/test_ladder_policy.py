"""The alarm ladder as a pure policy: its slots, the cap, and the rung a catch-up sends."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.ladder import REALERT, REPEAT, SECRETARY, STREET, AlarmLadder

SINCE = datetime(2026, 11, 26, 9, 0)


def test_the_default_slots_and_the_daily_cap() -> None:
    ladder = AlarmLadder()
    assert ladder.first_day() == (
        (REALERT, 15),
        (SECRETARY, 30),
        (STREET, 60),
        (REPEAT, 180),
        (REPEAT, 300),
        (REPEAT, 420),
    )
    assert [ladder.minute(i) for i in range(6, 13)] == [
        *(1440 + 120 * k for k in range(6)),
        2880,
    ]
    assert ladder.last_of_its_day(5) and ladder.last_of_its_day(11)
    assert not ladder.last_of_its_day(4)


def test_latest_is_the_inverse_of_the_slots() -> None:
    ladder = AlarmLadder(daily_cap=9, repeat_minutes=90)
    assert ladder.latest(timedelta(minutes=14)) is None
    for index in range(40):
        at = ladder.minute(index)
        assert ladder.latest(timedelta(minutes=at)) == index
        assert ladder.latest(timedelta(minutes=ladder.minute(index + 1) - 1)) == index


def test_a_catch_up_sends_the_loudest_escalation_it_missed() -> None:
    ladder = AlarmLadder()
    assert ladder.rung(0, 0) == REALERT
    assert ladder.rung(0, 1) == SECRETARY
    assert ladder.rung(1, 5) == STREET  # the street was never told: it is now
    assert ladder.rung(3, 8) == REPEAT


def test_next_after_skips_what_passed() -> None:
    ladder = AlarmLadder()
    assert ladder.next_after(SINCE, SINCE) == SINCE + timedelta(minutes=15)
    assert ladder.next_after(SINCE, SINCE + timedelta(minutes=200)) == SINCE + timedelta(hours=5)
    assert ladder.next_after(SINCE, SINCE + timedelta(hours=8)) == SINCE + timedelta(days=1)


def test_nudges_after_an_answer() -> None:
    ladder = AlarmLadder(claimed_remind_minutes=20, claimed_reminders=2)
    assert ladder.nudges(SINCE) == [SINCE + timedelta(minutes=20), SINCE + timedelta(minutes=40)]
    assert AlarmLadder(claimed_reminders=0).nudges(SINCE) == []
