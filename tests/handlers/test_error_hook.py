"""The one error hook: a failed message is apologised for, logged with context, kept, retried."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlmodel import select

import handlers.intake as intake
from handlers.dispatcher import SORRY
from storage import failed
from storage.models import FailedInbound, Ticket
from tests.support.harness import TestBot

G1 = "[毛塘路1网格]"
REPORT = "3栋2单元门口的路灯坏了"


def _kept(bot: TestBot) -> list[FailedInbound]:
    with bot.db.session() as s:
        return list(s.exec(select(FailedInbound).order_by(FailedInbound.id)))


def _tickets(bot: TestBot) -> list[Ticket]:
    with bot.db.session() as s:
        return list(s.exec(select(Ticket)))


def _break_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake, "route_new_ticket", boom)


async def test_a_failing_handler_apologises_and_keeps_the_message(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _break_routing(monkeypatch)
    event = bot.event(f"{G1} 李网格长: {REPORT}")
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        [reply] = await bot.send(event)

    assert SORRY in reply and reply.startswith(f"{G1} @李网格长")
    [kept] = _kept(bot)
    assert (kept.msg_id, kept.room_id, kept.text, kept.stage) == (
        event.msg_id,
        event.room_id,
        REPORT,
        "dispatcher",
    )
    assert kept.sender_id == event.sender_id and kept.settled_at is None
    assert kept.error == "RuntimeError: disk full" and kept.failures == 1
    # Logged once with its context; the sender's id is masked.
    [record] = [r for r in caplog.records if event.msg_id in r.getMessage()]
    line = record.getMessage()
    assert event.room_id in line and "disk full" in line and "kind text" in line
    assert event.sender_id not in line and record.exc_info is not None


async def test_retry_handles_the_kept_message_once(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        _break_routing(m)
        await bot.say(f"{G1} 李网格长: {REPORT}")
    assert _tickets(bot) == []

    outcome = bot.dispatcher.retry()
    await bot.sender.flush()

    assert (outcome.handled, outcome.failing) == (1, 0)
    [ticket] = _tickets(bot)
    assert ticket.text == REPORT and ticket.reporter_name == "李网格长"
    assert any("已登记 T1" in line for line in bot.channel.sent)
    [kept] = _kept(bot)
    assert kept.settled_at is not None and kept.retries == 1
    # Idempotent: nothing is left to retry, and the ticket is not filed twice.
    again = bot.dispatcher.retry()
    assert (again.handled, again.failing) == (0, 0)
    assert len(_tickets(bot)) == 1
    with bot.db.session() as s:
        assert failed.count_open(s) == 0


async def test_a_retry_that_fails_again_keeps_it_without_a_second_apology(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_routing(monkeypatch)
    await bot.say(f"{G1} 李网格长: {REPORT}")
    sent = len(bot.channel.sent)

    outcome = bot.dispatcher.retry()
    await bot.sender.flush()

    assert (outcome.handled, outcome.failing) == (0, 1)
    assert bot.channel.sent[sent:] == []  # no second 「抱歉」
    [kept] = _kept(bot)
    assert kept.failures == 2 and kept.retries == 1 and kept.settled_at is None


async def test_a_message_already_handled_is_settled_by_its_retry(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        _break_routing(m)
        event = bot.event(f"{G1} 李网格长: {REPORT}")
        await bot.send(event)
    await bot.send(event)  # WeChat delivered it again, and this time it went through
    assert len(_tickets(bot)) == 1

    outcome = bot.dispatcher.retry()

    assert (outcome.handled, outcome.failing) == (1, 0)
    assert len(_tickets(bot)) == 1  # the duplicate source id: not filed twice


async def test_the_kept_message_comes_back_field_for_field(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers.errors import inbound_of

    _break_routing(monkeypatch)
    event = bot.event(f"{G1} 李网格长: @王书记 {REPORT}")
    await bot.send(event)
    [kept] = _kept(bot)
    assert inbound_of(kept) == event


def test_when_the_database_is_what_failed_the_message_is_left_in_the_log(
    bot: TestBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from handlers.errors import ErrorHook
    from storage.db import Database
    from tests.support.harness import FakeClock

    db = Database(f"sqlite:///{tmp_path / 'never-migrated.db'}")  # no tables: every write fails
    bot_event = bot.event(f"{G1} 李网格长: {REPORT}")
    try:
        with caplog.at_level(logging.ERROR, logger="handlers.errors"):
            kept = ErrorHook(db, FakeClock()).failed(bot_event, RuntimeError("db down"))
    finally:
        db.dispose()
    assert kept is False
    assert any("only in this log" in r.getMessage() for r in caplog.records)
