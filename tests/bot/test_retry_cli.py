"""``liufang retry-failed``: a message kept after a failure is handled by the command, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

import handlers.intake as intake
from bot.cli import main
from bot.config import load_settings
from storage.models import FailedInbound, OutboxMessage, Ticket
from tests.support.harness import EXAMPLE_CONFIG, TestBot

G1 = "[毛塘路1网格]"


async def test_retry_failed_files_the_kept_report_and_queues_its_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    bot = TestBot(load_settings(EXAMPLE_CONFIG))
    with monkeypatch.context() as m:

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk full")

        m.setattr(intake, "route_new_ticket", boom)
        await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    bot.close()

    assert main(["retry-failed", "--config", str(EXAMPLE_CONFIG)]) == 0
    assert "成功 1 条，仍失败 0 条" in capsys.readouterr().out
    assert main(["retry-failed", "--config", str(EXAMPLE_CONFIG)]) == 0
    assert "成功 0 条，仍失败 0 条" in capsys.readouterr().out

    bot = TestBot(load_settings(EXAMPLE_CONFIG))
    try:
        with bot.db.session() as s:
            [ticket] = s.exec(select(Ticket)).all()
            [kept] = s.exec(select(FailedInbound)).all()
            pending = s.exec(
                select(OutboxMessage).where(OutboxMessage.delivered_at == None)  # noqa: E711
            ).all()
        assert ticket.text == "3栋2单元门口的路灯坏了" and kept.settled_at is not None
        # The answer waits in the outbox for the running bot's sender.
        assert any("已登记 T1" in row.text for row in pending)
    finally:
        bot.close()


def test_retry_failed_says_when_messages_still_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("still broken")

    monkeypatch.setattr(intake, "route_new_ticket", boom)
    bot = TestBot(load_settings(EXAMPLE_CONFIG))
    bot.dispatcher.process_sync(bot.event(f"{G1} 李网格长: 5栋门口的路灯坏了"))
    bot.close()

    assert main(["retry-failed", "--config", str(EXAMPLE_CONFIG)]) == 1
    assert "仍失败 1 条" in capsys.readouterr().out
