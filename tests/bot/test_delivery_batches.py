"""The sender loop stopped without cutting a send off; delivered rows marked per batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot.delivery import OutboxSender
from storage.db import Database
from storage.outbox import enqueue, pending
from storage.outbox_send import Claimant
from storage.sendlog import SendJournal
from tests.support.db import T0
from tests.support.harness import FakeClock

CLAIMS = Claimant("host:1:a", 1, timedelta(minutes=2))
SLOW = 3600.0  # a periodic flush interval no test waits for


class Network:
    """Accepts every message; ``gate`` (when set) holds each send until it is opened."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(text)

    async def say_private(self, contact_id: str, text: str) -> None:
        await self.say(contact_id, text)


def _sender(db: Database, network: Network, **options: object) -> OutboxSender:
    return OutboxSender(
        db,
        network,
        FakeClock(T0),
        claimant=lambda: CLAIMS,
        journal=SendJournal(db),
        **options,  # type: ignore[arg-type]
    )


def _put(db: Database, *texts: str) -> list[int]:
    with db.session() as session:
        rows = [
            enqueue(session, room_id="r1", to_id=None, text=t, mention_ids=(), now=T0)
            for t in texts
        ]
        session.commit()
        return [r.id for r in rows if r.id is not None]


def _undelivered(db: Database) -> list[int]:
    with db.session() as session:
        return [r.id for r in pending(session) if r.id is not None]


async def test_close_ends_a_waiting_loop_at_once(database: Database) -> None:
    sender = _sender(database, Network())
    loop = asyncio.create_task(sender.run(interval=SLOW))
    await asyncio.sleep(0.05)  # flushed once, now waiting for the next tick
    sender.close()
    await asyncio.wait_for(loop, 5)  # not an hour later
    sender.journal.close()  # type: ignore[union-attr]


async def test_the_periodic_flush_waits_while_other_flushes_keep_coming(
    database: Database,
) -> None:
    network = Network()
    sender = _sender(database, network)
    periodic = 0
    flush = sender.flush

    async def counted() -> int:
        nonlocal periodic
        periodic += 1
        return await flush()

    sender.flush = counted  # type: ignore[method-assign]
    loop = asyncio.create_task(sender.run(interval=0.3))
    await asyncio.sleep(0.05)
    assert periodic == 1  # the first one at once
    for _ in range(10):  # messages arriving, each flushing what it wrote
        await flush()
        await asyncio.sleep(0.05)
    assert periodic == 1  # none beside them
    _put(database, "重试")  # due now, and no message flushes it: the periodic flush does
    await asyncio.sleep(0.5)
    assert periodic == 2 and network.sent == ["重试"]
    sender.close()
    await asyncio.wait_for(loop, 5)
    sender.journal.close()  # type: ignore[union-attr]


async def test_close_lets_the_send_under_way_finish_and_record(database: Database) -> None:
    network = Network()
    network.gate = asyncio.Event()
    sender = _sender(database, network)
    _put(database, "已登记 T1")
    loop = asyncio.create_task(sender.run(interval=SLOW))
    await asyncio.wait_for(network.entered.wait(), 5)  # handed to the network, no answer yet
    sender.close()
    await asyncio.sleep(0.05)
    assert not loop.done()  # a cancelled send would be unknown, and sent again at restart
    network.gate.set()
    await asyncio.wait_for(loop, 5)
    assert network.sent == ["已登记 T1"] and _undelivered(database) == []
    assert sender.journal is not None and sender.journal.pending() == []
    sender.journal.close()


async def test_a_batch_is_marked_in_one_transaction_after_its_sends(database: Database) -> None:
    network = Network()
    sender = _sender(database, network)
    ids = _put(database, "一", "二", "三")
    marks: list[list[int]] = []
    mark = sender._mark_delivered

    def counted(row_ids: list[int], defer: object = None) -> None:
        assert network.sent == ["一", "二", "三"]  # no send waited for a commit
        marks.append(list(row_ids))
        mark(row_ids)

    sender._mark_delivered = counted  # type: ignore[method-assign]
    assert await sender.flush() == 3
    assert marks == [ids] and _undelivered(database) == []
    sender.journal.close()  # type: ignore[union-attr]


async def test_rows_sent_but_not_marked_are_marked_first_never_sent_again(
    database: Database,
) -> None:
    network = Network()
    sender = _sender(database, network)
    ids = _put(database, "已登记 T1")
    mark = sender._mark_delivered

    def refused(row_ids: list[int], defer: object = None) -> None:
        raise OSError("disk I/O error")

    sender._mark_delivered = refused  # type: ignore[method-assign]
    with pytest.raises(OSError):
        await sender.flush()
    assert _undelivered(database) == ids and network.sent == ["已登记 T1"]
    sender._mark_delivered = mark  # type: ignore[method-assign]
    assert await sender.flush() == 0  # the claimed row is ours, but it is marked, not resent
    assert _undelivered(database) == [] and network.sent == ["已登记 T1"]
    sender.journal.close()  # type: ignore[union-attr]
