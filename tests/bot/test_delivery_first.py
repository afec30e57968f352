"""A flush whose first batch is read in the dispatcher's worker thread (bot/delivery/first.py)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from storage import outbox_send
from storage.db import Database
from tests.bot.test_delivery_batches import Network, _put, _sender, _undelivered
from tests.support.harness import TestBot


async def test_the_batch_read_in_a_worker_thread_is_what_flush_sends(database: Database) -> None:
    network = Network()
    sender = _sender(database, network)
    readers: list[str] = []
    async with sender.prepared() as first:

        def work() -> None:  # the dispatcher's thread: its commit, then the sender's read
            ids = _put(database, "已登记 T1")
            first.read()
            readers.append(threading.current_thread().name)
            assert first.rows is not None and [r.id for r in first.rows] == ids

        await asyncio.to_thread(work)
        assert await first.flush() == 1
    assert readers and readers[0] != threading.current_thread().name
    assert network.sent == ["已登记 T1"] and _undelivered(database) == []
    sender.journal.close()  # type: ignore[union-attr]


async def test_no_other_flush_runs_between_the_read_and_the_sends(database: Database) -> None:
    network = Network()
    sender = _sender(database, network)
    async with sender.prepared() as first:
        await asyncio.to_thread(lambda: (_put(database, "已登记 T1"), first.read()))
        other = asyncio.create_task(sender.flush())  # the periodic one, say
        await asyncio.sleep(0.05)
        assert not other.done()  # it waits for the prepared flush
        assert await first.flush() == 1
    assert await other == 0  # and finds the row sent: never twice
    assert network.sent == ["已登记 T1"]
    sender.journal.close()  # type: ignore[union-attr]


async def test_rows_sent_but_not_marked_are_not_read_ahead(database: Database) -> None:
    network = Network()
    sender = _sender(database, network)
    ids = _put(database, "已登记 T1")
    sender._unmarked.extend(ids)  # sent by a flush whose marking failed
    network.sent.append("已登记 T1")
    async with sender.prepared() as first:
        await asyncio.to_thread(first.read)
        assert first.rows is None  # the flush marks them first, then reads
        assert await first.flush() == 0
    assert network.sent == ["已登记 T1"] and _undelivered(database) == []
    sender.journal.close()  # type: ignore[union-attr]


async def test_a_failed_read_ahead_is_read_again_by_the_flush(database: Database) -> None:
    network = Network()
    sender = _sender(database, network)
    _put(database, "已登记 T1")
    async with sender.prepared() as first:
        first._due = lambda now, skip: 1 / 0  # type: ignore[assignment,misc,return-value]
        await asyncio.to_thread(first.read)  # logged, not raised into the dispatcher
        assert first.rows is None
        assert await first.flush() == 1
    assert network.sent == ["已登记 T1"]
    sender.journal.close()  # type: ignore[union-attr]


async def test_the_dispatcher_runs_then_in_its_thread_after_the_commit(tmp_path: Path) -> None:
    bot = TestBot.from_example(tmp_path)
    seen: list[tuple[str, list[str]]] = []

    def then() -> None:  # another session: it sees only what was committed
        with bot.db.session() as session:
            texts = [r.text for r in outbox_send.due(session, bot.clock())]
        seen.append((threading.current_thread().name, texts))

    replies = await bot.dispatcher.process(bot.event("[毛塘路1网格] 李网格长: 3栋路灯坏了"), then)
    [(thread, texts)] = seen
    assert thread != threading.current_thread().name
    assert texts == [r.text for r in replies] and texts
    bot.close()
