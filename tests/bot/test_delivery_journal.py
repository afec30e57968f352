"""A crash between the chat network accepting a message and the outbox recording it: the send
journal knows, so the restart does not send it again; a send whose outcome is unknown is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot.delivery import OutboxSender
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import enqueue
from storage.outbox_send import Claimant
from storage.sendlog import SendJournal
from tests.support.db import T0
from tests.support.harness import FakeClock

CLAIMS = Claimant("host:1:a", 1, timedelta(minutes=2))


class Network:
    """Accepts every message."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        self.sent.append(text)

    async def say_private(self, contact_id: str, text: str) -> None:
        await self.say(contact_id, text)


def _sender(db: Database, network: Network) -> OutboxSender:
    return OutboxSender(
        db, network, FakeClock(T0), claimant=lambda: CLAIMS, journal=SendJournal(db)
    )


def _put(db: Database, text: str) -> int:
    with db.session() as session:
        row = enqueue(session, room_id="r1", to_id=None, text=text, mention_ids=(), now=T0)
        session.commit()
        assert row.id is not None
        return row.id


def _delivered(db: Database, row_id: int) -> bool:
    with db.session() as session:
        row = session.get(OutboxMessage, row_id)
        return row is not None and row.delivered_at is not None


async def test_killed_after_the_network_accepted_is_not_sent_again(database: Database) -> None:
    row_id = _put(database, "已登记 T1")
    network = Network()
    first = _sender(database, network)

    def killed(row_ids: list[int], defer: object = None) -> None:
        raise SystemExit("killed before the outbox could record the send")

    first._mark_delivered = killed  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        await first.flush()
    assert not _delivered(database, row_id) and network.sent == ["已登记 T1"]
    first.journal.close()  # type: ignore[union-attr]

    second = _sender(database, network)  # the restarted process
    assert await second.recover() == 0
    assert _delivered(database, row_id)
    assert await second.flush() == 0 and network.sent == ["已登记 T1"]
    second.journal.close()  # type: ignore[union-attr]


async def test_a_send_whose_outcome_is_unknown_is_sent_again(database: Database) -> None:
    row_id = _put(database, "已登记 T2")
    journal = SendJournal(database)
    journal.begin([row_id], 0, -1)  # handed over, then the process died: no answer known
    journal.close()
    network = Network()
    sender = _sender(database, network)
    assert await sender.recover() == 1
    assert await sender.flush() == 1 and network.sent == ["已登记 T2"]
    assert sender.journal is not None and sender.journal.pending() == []
    sender.journal.close()


async def test_progress_through_a_long_text_is_recovered(database: Database) -> None:
    text = "第一段" * 600 + "第二段" * 10
    row_id = _put(database, text)
    journal = SendJournal(database)
    journal.begin([row_id], 0, 1500)
    journal.done([row_id], 0)  # the first part went out; the crash came before the mark
    journal.close()
    network = Network()
    sender = _sender(database, network)
    assert await sender.recover() == 0
    with database.session() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None and row.sent_chars == 1500
    assert await sender.flush() == 1
    assert "".join(network.sent) == text[1500:]
    sender.journal.close()  # type: ignore[union-attr]
